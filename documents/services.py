"""Actions on document templates and documents: create templates and versions, generate documents and batches."""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
import time
import zipfile
from dataclasses import asdict
from pathlib import PurePosixPath
from typing import Any

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import get_valid_filename, slugify

from documents import conf
from documents.contexts import FREE_VARIABLE_ROOT, build_context
from documents.errors import DocumentError, DocumentGenerationError, TemplateRenderError, TemplateValidationError
from documents.models import (
    DocumentBatch,
    DocumentFormat,
    DocumentTemplate,
    DocumentTemplateVersion,
    GeneratedDocument,
    GenerationStatus,
)
from documents.rendering.isolation import RenderOutput, run_job_in_process, run_job_isolated
from documents.rendering.sandbox import SandboxLimits
from documents.validation import (
    ValidationResult,
    validate_docx_template,
    validate_html_template,
    validate_pptx_template,
)

logger = logging.getLogger(__name__)

_STATIC_REFERENCE = re.compile(r"""(?:^|["'(\s=])/static/([A-Za-z0-9_./-]+)""")
MAX_FREE_VARIABLE_CHARS = 10_000
# Formats whose template is an Office package stored in `DocumentTemplateVersion.docx_file` (`docx_bytes` in the
# services' arguments holds the .docx or .pptx bytes).
OFFICE_FORMATS = (DocumentFormat.DOCX, DocumentFormat.PPTX)


# --- templates and versions ---------------------------------------------------------------------------------


def document_template_validate(
    *,
    fmt: str,
    object_type: str,
    docx_bytes: bytes | None = None,
    docx_filename: str = "",
    html_body: str = "",
    css: str = "",
) -> ValidationResult:
    """Validate template content for `fmt`; raises TemplateValidationError, returns variables and warnings."""
    if fmt == DocumentFormat.DOCX:
        if not docx_bytes:
            raise TemplateValidationError("Upload the Word template (.docx).")
        return validate_docx_template(
            data=docx_bytes, filename=docx_filename or "template.docx", object_type=object_type
        )
    if fmt == DocumentFormat.PPTX:
        if not docx_bytes:
            raise TemplateValidationError("Upload the PowerPoint template (.pptx).")
        return validate_pptx_template(
            data=docx_bytes, filename=docx_filename or "template.pptx", object_type=object_type
        )
    if fmt == DocumentFormat.PDF:
        return validate_html_template(html_body=html_body, css=css, object_type=object_type)
    raise TemplateValidationError(f"Unknown document format {fmt!r}; use docx, pptx or pdf.")


def document_template_create(
    *,
    name: str,
    slug: str,
    object_type: str,
    fmt: str,
    user: Any,
    kind: str = DocumentTemplate.Kind.OTHER,
    description: str = "",
    include_internal_notes: bool = False,
    docx_bytes: bytes | None = None,
    docx_filename: str = "",
    html_body: str = "",
    css: str = "",
) -> DocumentTemplate:
    """Create a template and its first version; nothing is stored when the content is refused."""
    document_template_validate(
        fmt=fmt,
        object_type=object_type,
        docx_bytes=docx_bytes,
        docx_filename=docx_filename,
        html_body=html_body,
        css=css,
    )
    with transaction.atomic():
        template = DocumentTemplate.objects.create(
            name=name,
            slug=slug,
            object_type=object_type,
            format=fmt,
            kind=kind,
            description=description,
            include_internal_notes=include_internal_notes,
        )
        document_template_version_create(
            template=template,
            user=user,
            docx_bytes=docx_bytes,
            docx_filename=docx_filename,
            html_body=html_body,
            css=css,
        )
    return template


def _content_sha256(*, docx_bytes: bytes | None, html_body: str, css: str) -> str:
    if docx_bytes:
        return hashlib.sha256(docx_bytes).hexdigest()
    return hashlib.sha256(html_body.encode() + b"\x00" + css.encode()).hexdigest()


def document_template_version_create(
    *,
    template: DocumentTemplate,
    user: Any,
    docx_bytes: bytes | None = None,
    docx_filename: str = "",
    html_body: str = "",
    css: str = "",
) -> DocumentTemplateVersion:
    """Validate new content and store it as the template's next version (earlier versions are kept).

    Content identical to the current version adds no version: the current one is returned.
    """
    result = document_template_validate(
        fmt=template.format,
        object_type=template.object_type,
        docx_bytes=docx_bytes,
        docx_filename=docx_filename,
        html_body=html_body,
        css=css,
    )
    sha256 = _content_sha256(docx_bytes=docx_bytes, html_body=html_body, css=css)
    given = template
    with transaction.atomic():
        template = DocumentTemplate.objects.select_for_update().get(pk=template.pk)
        current = template.current_version
        if current is not None and current.sha256 == sha256:
            given.current_version = current
            return current
        number = (template.versions.aggregate(last=Max("number"))["last"] or 0) + 1
        version = DocumentTemplateVersion(
            template=template,
            number=number,
            sha256=sha256,
            variables=result.variables,
            warnings=result.warnings,
            created_by=user if getattr(user, "pk", None) else None,
        )
        if template.format in OFFICE_FORMATS:
            default_name = f"{template.slug}.{template.format}"
            filename = get_valid_filename(PurePosixPath(docx_filename or default_name).name)
            version.docx_file.save(filename, ContentFile(docx_bytes), save=False)
        else:
            version.html_body = html_body
            version.css = css
        version.save()
        template.current_version = version
        template.save(update_fields=["current_version", "updated_at"])
    given.current_version = version  # the caller's instance is up to date too
    return version


# --- rendering ----------------------------------------------------------------------------------------------


def _static_file(path: str) -> bytes | None:
    try:
        found = finders.find(path)
    except SuspiciousFileOperation:
        return None
    if not found or isinstance(found, list):
        return None
    with open(found, "rb") as handle:
        return handle.read()


def _static_files_for(*sources: str) -> dict[str, bytes]:
    """The /static/ files a PDF template references, read here: the worker process has no file system access."""
    files: dict[str, bytes] = {}
    budget = conf.get("DOCUMENTS_MAX_STATIC_BYTES")
    for source in sources:
        for path in _STATIC_REFERENCE.findall(source):
            if path in files:
                continue
            blob = _static_file(path)
            if blob is None:
                logger.warning("Document template references missing static file %s", path)
                continue
            budget -= len(blob)
            if budget < 0:
                raise TemplateRenderError("The template's /static/ files are too large to embed in one document.")
            files[path] = blob
    return files


def _images() -> dict[str, bytes]:
    logo = conf.get("DOCUMENTS_LOGO_STATIC_PATH")
    blob = _static_file(logo) if logo else None
    return {"logo": blob} if blob else {}


def template_version_render(
    *, version: DocumentTemplateVersion, context: dict[str, Any], object_type: str, isolated: bool | None = None
) -> RenderOutput:
    """Render a template version with `context`; in the isolated worker process unless told otherwise."""
    job: dict[str, Any] = {
        "context": context,
        "images": _images(),
        "object_type": object_type,
        "template_paths": list(version.variables or []),
        "limits": asdict(
            SandboxLimits(
                max_range=conf.get("DOCUMENTS_MAX_RANGE"), max_output_chars=conf.get("DOCUMENTS_MAX_OUTPUT_CHARS")
            )
        ),
        "max_document_bytes": conf.get("DOCUMENTS_MAX_DOCUMENT_BYTES"),
    }
    if version.template.format in OFFICE_FORMATS:
        with version.docx_file.open("rb") as handle:
            job.update(kind=version.template.format, template_bytes=handle.read())
    else:
        job.update(
            kind="pdf",
            html_body=version.html_body,
            css=version.css,
            static_files=_static_files_for(version.html_body, version.css),
        )
    if isolated is None:
        isolated = conf.get("DOCUMENTS_RENDER_ISOLATED")
    if not isolated:
        return run_job_in_process(job)
    return run_job_isolated(
        job, timeout=conf.get("DOCUMENTS_RENDER_TIMEOUT"), memory_mb=conf.get("DOCUMENTS_RENDER_MEMORY_MB")
    )


# --- generation ---------------------------------------------------------------------------------------------


def free_variable_names(*, version: DocumentTemplateVersion) -> list[str]:
    """The `inputs.<name>` values a person fills in for this version (e.g. ["scope", "start_date"])."""
    prefix = f"{FREE_VARIABLE_ROOT}."
    names = [path[len(prefix) :].split(".")[0].split("[")[0] for path in version.variables if path.startswith(prefix)]
    return list(dict.fromkeys(names))


def _inputs(*, version: DocumentTemplateVersion, free_variables: dict[str, Any] | None) -> dict[str, Any]:
    values: dict[str, Any] = {name: "" for name in free_variable_names(version=version)}
    for name, value in (free_variables or {}).items():
        if not isinstance(value, str | int | float | bool) and value is not None:
            raise DocumentGenerationError(f"The value for '{name}' must be text or a number.")
        if isinstance(value, str) and len(value) > MAX_FREE_VARIABLE_CHARS:
            raise DocumentGenerationError(
                f"The value for '{name}' is longer than {MAX_FREE_VARIABLE_CHARS:,} characters."
            )
        values[str(name)] = value
    return values


def _check_generatable(template: DocumentTemplate, fmt: str) -> DocumentTemplateVersion:
    if not template.is_active:
        raise DocumentGenerationError(f"The template “{template.name}” is inactive; activate it or pick another one.")
    if template.current_version is None:
        raise DocumentGenerationError(f"The template “{template.name}” has no content yet: upload it first.")
    if fmt != template.format:
        raise DocumentGenerationError(
            f"The template “{template.name}” produces {template.format.upper()} documents, not {fmt.upper()}."
        )
    return template.current_version


def _output_filename(template: DocumentTemplate, record_ids: list[int], fmt: str) -> str:
    ids = "-".join(str(record_id) for record_id in record_ids[:5]) + ("-etc" if len(record_ids) > 5 else "")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return f"{slugify(template.name) or template.slug}-{template.object_type.replace('_', '-')}-{ids}-{stamp}.{fmt}"


def document_generate(
    *,
    template: DocumentTemplate,
    record_ids: list[int],
    fmt: str | None,
    user: Any,
    free_variables: dict[str, Any] | None = None,
    batch: DocumentBatch | None = None,
    ai_draft: dict[str, Any] | None = None,
) -> GeneratedDocument:
    """Generate one document from the template's current version for `record_ids` and store it.

    The GeneratedDocument row records the version, the outcome and the timing; on failure it keeps the
    person-readable message and the error is re-raised as a DocumentError.
    """
    fmt = fmt or template.format
    version = _check_generatable(template, fmt)
    record_ids = [int(record_id) for record_id in record_ids]
    document = GeneratedDocument.objects.create(
        template=template,
        template_version=version,
        object_type=template.object_type,
        record_ids=record_ids,
        format=fmt,
        status=GenerationStatus.RUNNING,
        batch=batch,
        free_variables=free_variables or {},
        ai_draft=ai_draft or None,
        created_by=user if getattr(user, "pk", None) else None,
    )
    started = time.monotonic()
    try:
        context = build_context(
            object_type=template.object_type,
            record_ids=record_ids,
            user=user,
            options={"include_internal_notes": template.include_internal_notes, "format": fmt},
        )
        context[FREE_VARIABLE_ROOT] = _inputs(version=version, free_variables=free_variables)
        output = template_version_render(version=version, context=context, object_type=template.object_type)
        document.file.save(_output_filename(template, record_ids, fmt), ContentFile(output.data), save=False)
    except DocumentError as exc:
        _mark_failed(document, exc.message, started)
        raise
    except Exception as exc:
        logger.exception("Generating document %s failed", document.pk)
        message = "Generating the document failed unexpectedly; the details are in the portal log."
        _mark_failed(document, message, started)
        raise DocumentGenerationError(message) from exc
    document.size = len(output.data)
    document.status = GenerationStatus.SUCCEEDED
    document.render_ms = int((time.monotonic() - started) * 1000)
    document.save(update_fields=["file", "size", "status", "render_ms"])
    return document


def _mark_failed(document: GeneratedDocument, message: str, started: float) -> None:
    document.status = GenerationStatus.FAILED
    document.error_message = message
    document.render_ms = int((time.monotonic() - started) * 1000)
    document.save(update_fields=["status", "error_message", "render_ms"])


# --- batches ------------------------------------------------------------------------------------------------


def document_batch_create(
    *,
    template: DocumentTemplate,
    record_ids: list[int],
    fmt: str | None,
    user: Any,
    free_variables: dict[str, Any] | None = None,
    enqueue: bool = True,
    ai_draft: dict[str, Any] | None = None,
) -> DocumentBatch:
    """Record a batch (one document per record, zipped) and queue it once the transaction commits.

    `enqueue=False` leaves it pending for the caller to run with `document_batch_generate` (management command).
    """
    fmt = fmt or template.format
    _check_generatable(template, fmt)
    ids = list(dict.fromkeys(int(record_id) for record_id in record_ids))
    if not ids:
        raise DocumentGenerationError("Choose at least one record for the batch.")
    batch = DocumentBatch.objects.create(
        template=template,
        record_ids=ids,
        format=fmt,
        free_variables=free_variables or {},
        ai_draft=ai_draft or None,
        total=len(ids),
        created_by=user if getattr(user, "pk", None) else None,
    )
    if enqueue:
        transaction.on_commit(lambda: _enqueue_batch(batch.pk))
    return batch


def _enqueue_batch(batch_id: int) -> None:
    from django_q.tasks import async_task

    async_task("documents.tasks.generate_document_batch", batch_id, task_name=f"document-batch-{batch_id}")


def document_batch_generate(*, batch_id: int) -> DocumentBatch:
    """Generate every document of a pending batch and zip them; a batch already claimed is left alone."""
    claimed = DocumentBatch.objects.filter(pk=batch_id, status=GenerationStatus.PENDING).update(
        status=GenerationStatus.RUNNING
    )
    batch = DocumentBatch.objects.select_related("template", "created_by").get(pk=batch_id)
    if not claimed:
        return batch
    documents: list[GeneratedDocument] = []
    errors: list[str] = []
    for record_id in batch.record_ids:
        try:
            documents.append(
                document_generate(
                    template=batch.template,
                    record_ids=[record_id],
                    fmt=batch.format,
                    user=batch.created_by,
                    free_variables=batch.free_variables,
                    batch=batch,
                    ai_draft=batch.ai_draft,
                )
            )
            DocumentBatch.objects.filter(pk=batch.pk).update(done=F("done") + 1)
        except DocumentError as exc:
            errors.append(f"Record {record_id}: {exc.message}")
            DocumentBatch.objects.filter(pk=batch.pk).update(failed=F("failed") + 1)
    batch.refresh_from_db()
    if documents:
        _store_batch_zip(batch, documents, errors)
    batch.status = GenerationStatus.SUCCEEDED if documents else GenerationStatus.FAILED
    batch.error = "\n".join(errors)
    batch.finished_at = timezone.now()
    batch.save(update_fields=["zip_file", "status", "error", "finished_at"])
    return batch


def _store_batch_zip(batch: DocumentBatch, documents: list[GeneratedDocument], errors: list[str]) -> None:
    with tempfile.SpooledTemporaryFile(max_size=20 * 1024 * 1024) as buffer:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            used: set[str] = set()
            for document in documents:
                name = PurePosixPath(document.file.name).name
                if name in used:
                    name = f"{document.pk}-{name}"
                used.add(name)
                with document.file.open("rb") as handle:
                    archive.writestr(name, handle.read())
            if errors:
                archive.writestr("ERRORS.txt", "\n".join(errors) + "\n")
        buffer.seek(0)
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        name = f"{slugify(batch.template.name) or batch.template.slug}-batch-{batch.pk}-{stamp}.zip"
        batch.zip_file.save(name, File(buffer), save=False)
