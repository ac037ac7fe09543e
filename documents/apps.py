"""App config for document templates, rendering and generated documents."""

from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Documents"

    def ready(self) -> None:
        from documents.builders import register_builders

        register_builders()
