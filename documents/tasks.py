"""django-q2 entry points: thin wrappers that load ids and call the services."""

from __future__ import annotations

from documents.services import document_batch_generate


def generate_document_batch(batch_id: int) -> None:
    """Queued by `document_batch_create` (inside `transaction.on_commit`)."""
    document_batch_generate(batch_id=batch_id)
