"""App config for the ConnectWise side: connection, client, emulator, cache tables and sync."""

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "ConnectWise PSA"

    def ready(self) -> None:
        from integrations import checks  # noqa: F401  (registers system checks)
