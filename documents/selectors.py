"""Reads for the documents app: templates a person can use, generated documents and their files."""

from __future__ import annotations

from django.db.models import QuerySet

from documents.errors import DocumentGenerationError
from documents.models import DocumentBatch, DocumentTemplate, GeneratedDocument


def document_template_list(*, object_type: str | None = None, active_only: bool = True) -> QuerySet[DocumentTemplate]:
    """Templates that have content, optionally for one object type."""
    templates = DocumentTemplate.objects.filter(current_version__isnull=False).select_related("current_version")
    if active_only:
        templates = templates.filter(is_active=True)
    if object_type:
        templates = templates.filter(object_type=object_type)
    return templates


def document_template_get(*, slug: str) -> DocumentTemplate | None:
    return DocumentTemplate.objects.select_related("current_version").filter(slug=slug).first()


def generated_document_bytes(*, document: GeneratedDocument) -> bytes:
    """The generated file's content."""
    if not document.file:
        raise DocumentGenerationError(f"Document {document.pk} has no file (status: {document.get_status_display()}).")
    with document.file.open("rb") as handle:
        return handle.read()


def document_batch_zip_bytes(*, batch: DocumentBatch) -> bytes:
    """The batch's zip file content."""
    if not batch.zip_file:
        raise DocumentGenerationError(f"The batch has no zip file (status: {batch.get_status_display()}).")
    with batch.zip_file.open("rb") as handle:
        return handle.read()
