"""Staff pages of the generator: choose a template, pick records, fill in the inputs, generate, preview, download;
the history of generated documents, batches with their progress, and the variable reference."""

from __future__ import annotations

import io
import json
from pathlib import PurePosixPath
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views import View
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.generic import DetailView, FormView, ListView, TemplateView

from documents.contexts import OBJECT_TYPE_LABELS, variable_reference
from documents.drafting import drafting_message, drafting_payload, drafting_provider, drafting_request
from documents.errors import DocumentError
from documents.forms import (
    FREE_VARIABLE_PREFIX,
    MAX_PROMPT_CHARS,
    MAX_RECORDS,
    SNIPPET_PREFIX,
    GenerateForm,
    TemplateSearchForm,
    parse_record_ids,
)
from documents.knowledgebase import knowledgebase_snippet_body, knowledgebase_snippets
from documents.models import DocumentBatch, DocumentFormat, DocumentTemplate, GeneratedDocument, ObjectType
from documents.rendering.pptx import presentation_outline
from documents.selectors import document_template_list
from documents.services import document_batch_create, document_generate, free_variable_names
from integrations.browse import PAGE_SIZE, UnknownRecordType, record_browser, record_search, records_by_psa_id
from integrations.connectwise.errors import ConnectWiseError
from integrations.services import default_connection
from portal.access import (
    GENERATE_DOCUMENTS,
    MANAGE_TEMPLATES,
    VIEW_ALL_DOCUMENTS,
    StaffPermissionRequiredMixin,
)

CONTENT_TYPES = {
    DocumentFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    DocumentFormat.PDF: "application/pdf",
    DocumentFormat.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OUTLINE_LIMIT = 400  # blocks of a DOCX preview; the download has everything


# --- who sees which documents -----------------------------------------------------------------------------------


def visible_documents(user: Any) -> QuerySet[GeneratedDocument]:
    """Everyone's documents for holders of documents.view_generateddocument, else the user's own."""
    documents = GeneratedDocument.objects.select_related("template", "template_version", "created_by")
    return documents if user.has_perm(VIEW_ALL_DOCUMENTS) else documents.filter(created_by=user)


def visible_batches(user: Any) -> QuerySet[DocumentBatch]:
    batches = DocumentBatch.objects.select_related("template", "created_by")
    return batches if user.has_perm(VIEW_ALL_DOCUMENTS) else batches.filter(created_by=user)


def docx_outline(data: bytes) -> list[dict[str, Any]]:
    """Headings, paragraphs and tables of a .docx in body order, as python-docx reads them."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = Document(io.BytesIO(data))
    blocks: list[dict[str, Any]] = []
    for block in document.iter_inner_content():
        if len(blocks) >= OUTLINE_LIMIT:
            blocks.append({"kind": "more"})
            break
        if isinstance(block, Paragraph):
            text = block.text.strip()
            if not text:
                continue
            style = (block.style.name if block.style is not None else "") or ""
            if style.startswith("Heading") or style == "Title":
                level = int(style.split()[-1]) if style.split()[-1].isdigit() else 1
                blocks.append({"kind": "heading", "level": min(level + 1, 6), "text": text})
            else:
                blocks.append({"kind": "paragraph", "text": text, "list": "List" in style})
        elif isinstance(block, Table):
            rows = [[cell.text for cell in row.cells] for row in block.rows]
            blocks.append({"kind": "table", "head": rows[0] if rows else [], "rows": rows[1:]})
    return blocks


def _file_response(field_file: Any, *, fmt: str | None, attachment: bool) -> FileResponse:
    if not field_file:
        raise Http404("This file is not available (the generation failed or the file was removed).")
    try:
        handle = field_file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage; regenerate the document.") from None
    content_type = CONTENT_TYPES.get(fmt, "application/zip") if fmt else "application/zip"
    return FileResponse(
        handle, as_attachment=attachment, filename=PurePosixPath(field_file.name).name, content_type=content_type
    )


# --- generator: template, records, inputs --------------------------------------------------------------------


class TemplateChooseView(StaffPermissionRequiredMixin, ListView):
    """Step 1: the templates one can generate from, with search and filters by kind, object type and format."""

    permission_required = GENERATE_DOCUMENTS
    template_name = "documents/template_choose.html"
    context_object_name = "templates"

    def get_queryset(self) -> QuerySet[DocumentTemplate]:
        self.form = TemplateSearchForm(self.request.GET or None)
        templates = document_template_list()
        if self.form.is_valid():
            data = self.form.cleaned_data
            if data["q"]:
                templates = templates.filter(Q(name__icontains=data["q"]) | Q(description__icontains=data["q"]))
            for name in ("kind", "object_type", "format"):
                if data[name]:
                    templates = templates.filter(**{name: data[name]})
        return templates.order_by("name")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(form=self.form, **kwargs)


class GeneratorStepMixin(StaffPermissionRequiredMixin):
    """Loads the template of the URL (active, with content) and the browser of its object type."""

    permission_required = GENERATE_DOCUMENTS

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.template = get_object_or_404(document_template_list(), slug=kwargs["slug"])
        try:
            self.browser = record_browser(self.template.object_type)
        except UnknownRecordType:
            raise Http404("Records of this type cannot be browsed.") from None
        self.connection = default_connection()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(  # type: ignore[misc]
            template=self.template, browser=self.browser, connection=self.connection, **kwargs
        )


class RecordPickView(GeneratorStepMixin, TemplateView):
    """Step 2: search and filter the template's records and tick them; the selection travels in the query string
    (`selected`), so it survives pagination and new searches without JavaScript."""

    template_name = "documents/record_pick.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        selected = parse_record_ids(self.request.GET.getlist("selected"))
        search = page = None
        if self.connection is not None:
            search = record_search(browser=self.browser, connection=self.connection, params=self.request.GET)
            if self.request.GET.get("select_all"):
                matching = search.queryset.values_list("psa_id", flat=True)[:MAX_RECORDS]
                selected = list(dict.fromkeys([*selected, *matching]))[:MAX_RECORDS]
            paginator = Paginator(search.queryset, PAGE_SIZE)
            page = paginator.get_page(self.request.GET.get("page"))
        on_page = {record.psa_id for record in page.object_list} if page is not None else set()
        return super().get_context_data(
            search=search,
            page_obj=page,
            rows=self.browser.rows(page.object_list) if page is not None else [],
            selected=set(selected),
            selected_count=len(selected),
            selected_elsewhere=[psa_id for psa_id in selected if psa_id not in on_page],
            max_records=MAX_RECORDS,
            **kwargs,
        )


class GenerateView(GeneratorStepMixin, FormView):
    """Step 3: the selected records, the template's free inputs, then generate: one document now (and show it),
    or a batch queued in the background (and follow its progress)."""

    template_name = "documents/generate.html"
    form_class = GenerateForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        source = request.POST.getlist("records") if request.method == "POST" else request.GET.getlist("selected")
        self.record_ids = parse_record_ids(source)[: MAX_RECORDS + 1]
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.record_ids:
            messages.warning(request, "Tick at least one record first.")
            return HttpResponseRedirect(reverse("documents:record_pick", args=[self.template.slug]))
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs.update(
            free_variables=free_variable_names(version=self.template.current_version),
            record_count=len(self.record_ids),
            object_type=self.template.object_type,
            snippets=[(snippet.slug, snippet.name) for snippet in knowledgebase_snippets().only("slug", "name")],
        )
        kwargs.setdefault("initial", {})["records"] = ",".join(map(str, self.record_ids))
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        records = []
        if self.connection is not None:
            records = records_by_psa_id(browser=self.browser, connection=self.connection, psa_ids=self.record_ids[:50])
        back = reverse("documents:record_pick", args=[self.template.slug])
        back += "?" + urlencode([("selected", psa_id) for psa_id in self.record_ids])
        has_inputs = bool(free_variable_names(version=self.template.current_version))
        return super().get_context_data(
            records=records,
            record_ids=self.record_ids,
            missing=max(len(self.record_ids[:50]) - len(records), 0),
            back_url=back,
            drafting=drafting_provider() if has_inputs else None,
            **kwargs,
        )

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = request.POST.get("action") or "generate"
        if action in {"fill_snippets", "ai_preview", "ai_draft"}:
            return self.form_action(action)
        return super().post(request, *args, **kwargs)

    def form_action(self, action: str) -> HttpResponse:
        """Fill inputs from snippets, preview what drafting sends, or draft: the same page again, never a document."""
        data = self.request.POST.copy()
        form = self.get_form()
        extra: dict[str, Any] = {}
        if action == "fill_snippets":
            filled = []
            for name, slug in form.chosen_snippets().items():
                body = knowledgebase_snippet_body(slug=slug)
                if body is not None:
                    data[f"{FREE_VARIABLE_PREFIX}{name}"] = body
                    data[f"{SNIPPET_PREFIX}{name}"] = ""
                    filled.append(name.replace("_", " "))
            extra["notice"] = f"Filled from snippets: {', '.join(filled)}." if filled else "Pick a snippet first."
        else:
            extra.update(self.draft(action, data))
        form = self.get_form_class()(**{**self.get_form_kwargs(), "data": data})
        return self.render_to_response(self.get_context_data(form=form, **extra))

    def draft(self, action: str, data: Any) -> dict[str, Any]:
        """Preview the request (action ai_preview) or send it and put the answer in the inputs (ai_draft)."""
        provider = drafting_provider()
        if provider is None:
            return {"drafting_error": "AI drafting is not configured."}
        if not self.record_ids:
            return {"drafting_error": "Choose at least one record first."}
        prompt = str(data.get("ai_prompt") or "")[:MAX_PROMPT_CHARS]
        try:
            payload = drafting_payload(
                template=self.template, record_ids=self.record_ids[:MAX_RECORDS], user=self.request.user
            )
            if action == "ai_preview":
                return {"drafting_preview": drafting_message(payload=payload, prompt=prompt)}
            draft = drafting_request(provider=provider, template=self.template, payload=payload, prompt=prompt)
        except (DocumentError, ConnectWiseError) as exc:
            return {"drafting_error": str(exc)}
        for name, value in draft["values"].items():
            data[f"{FREE_VARIABLE_PREFIX}{name}"] = value
        data["ai_draft"] = json.dumps(draft)
        drafted = ", ".join(name.replace("_", " ") for name in draft["values"])
        return {"notice": f"Drafted by {draft['model']}: {drafted}. Review and edit before generating."}

    def form_valid(self, form: GenerateForm) -> HttpResponse:
        record_ids: list[int] = form.cleaned_data["records"]
        inputs = form.free_variable_values()
        for name, slug in form.chosen_snippets().items():
            if not inputs.get(name):  # a snippet picked but not filled in: generate with it
                inputs[name] = knowledgebase_snippet_body(slug=slug) or ""
        ai_draft = form.cleaned_data.get("ai_draft")
        per_record = len(record_ids) > 1 and form.cleaned_data.get("mode") != GenerateForm.Mode.COMBINED
        try:
            if per_record:
                batch = document_batch_create(
                    template=self.template,
                    record_ids=record_ids,
                    fmt=None,
                    user=self.request.user,
                    free_variables=inputs,
                    ai_draft=ai_draft,
                )
                messages.success(
                    self.request, f"Generating {batch.total} documents in the background; this page shows progress."
                )
                return HttpResponseRedirect(reverse("documents:batch_detail", args=[batch.pk]))
            document = document_generate(
                template=self.template,
                record_ids=record_ids,
                fmt=None,
                user=self.request.user,
                free_variables=inputs,
                ai_draft=ai_draft,
            )
        except (DocumentError, ConnectWiseError) as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, f"“{self.template.name}” generated.")
        return HttpResponseRedirect(reverse("documents:document_detail", args=[document.pk]))


# --- history, preview, download, regenerate -----------------------------------------------------------------------


class DocumentHistoryView(StaffPermissionRequiredMixin, ListView):
    """Generated documents, newest first: one's own, or everyone's with documents.view_generateddocument."""

    permission_required = (GENERATE_DOCUMENTS, VIEW_ALL_DOCUMENTS)
    template_name = "documents/history.html"
    context_object_name = "documents"
    paginate_by = 25

    def get_queryset(self) -> QuerySet[GeneratedDocument]:
        documents = visible_documents(self.request.user).order_by("-created_at", "-pk")
        self.mine = self.request.GET.get("mine") == "1" or not self.request.user.has_perm(VIEW_ALL_DOCUMENTS)
        if self.mine:
            documents = documents.filter(created_by=self.request.user)
        self.object_type = self.request.GET.get("object_type", "")
        if self.object_type in ObjectType.values:
            documents = documents.filter(object_type=self.object_type)
        return documents

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            mine=self.mine,
            sees_all=self.request.user.has_perm(VIEW_ALL_DOCUMENTS),
            object_type=self.object_type,
            object_types=ObjectType.choices,
            batches=visible_batches(self.request.user).filter(created_by=self.request.user)[:5],
            **kwargs,
        )


class DocumentAccessMixin(StaffPermissionRequiredMixin):
    """A document the user may see; someone else's is a 404 unless they may see everyone's."""

    permission_required = (GENERATE_DOCUMENTS, VIEW_ALL_DOCUMENTS)

    def get_document(self, pk: int) -> GeneratedDocument:
        return get_object_or_404(visible_documents(self.request.user), pk=pk)


class DocumentDetailView(DocumentAccessMixin, DetailView):
    """A generated document: its facts, a preview (inline PDF, or the outline of a DOCX) and its downloads."""

    template_name = "documents/document_detail.html"
    context_object_name = "document"

    def get_object(self, queryset: QuerySet | None = None) -> GeneratedDocument:
        return self.get_document(self.kwargs["pk"])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        document: GeneratedDocument = self.object
        outline: list[dict[str, Any]] = []
        preview_error = ""
        if document.file and document.format in (DocumentFormat.DOCX, DocumentFormat.PPTX):
            try:
                with document.file.open("rb") as handle:
                    data = handle.read()
                outline = docx_outline(data) if document.format == DocumentFormat.DOCX else presentation_outline(data)
            except FileNotFoundError:
                preview_error = "The file is missing from storage; regenerate the document."
            except Exception:  # a preview must never break the page: the download still works
                preview_error = "This document cannot be previewed; download it to open it."
        return super().get_context_data(
            outline=outline,
            preview_error=preview_error,
            object_label=OBJECT_TYPE_LABELS.get(document.object_type, document.object_type),
            can_regenerate=self.request.user.has_perm(GENERATE_DOCUMENTS),
            **kwargs,
        )


class DocumentDownloadView(DocumentAccessMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        document = self.get_document(pk)
        return _file_response(document.file, fmt=document.format, attachment=True)


@method_decorator(xframe_options_sameorigin, name="dispatch")
class DocumentInlineView(DocumentAccessMixin, View):
    """The PDF shown in the preview frame (same-origin framing only)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        document = self.get_document(pk)
        if document.format != DocumentFormat.PDF:
            raise Http404("Only PDF documents are shown inline.")
        return _file_response(document.file, fmt=document.format, attachment=False)


class DocumentRegenerateView(DocumentAccessMixin, View):
    """POST: generate the document again from the same template, records and inputs (with the current version)."""

    permission_required = GENERATE_DOCUMENTS
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        original = self.get_document(pk)
        try:
            document = document_generate(
                template=original.template,
                record_ids=list(original.record_ids),
                fmt=original.format,
                user=request.user,
                free_variables=dict(original.free_variables or {}),
                ai_draft=original.ai_draft,
            )
        except (DocumentError, ConnectWiseError) as exc:
            messages.error(request, f"Could not regenerate the document: {exc}")
            return HttpResponseRedirect(reverse("documents:document_detail", args=[original.pk]))
        note = ""
        if document.template_version_id != original.template_version_id:
            note = f" with the template's current version v{document.template_version.number}"
        messages.success(request, f"Regenerated{note}.")
        return HttpResponseRedirect(reverse("documents:document_detail", args=[document.pk]))


# --- batches -----------------------------------------------------------------------------------------------------


def batch_progress(batch: DocumentBatch) -> dict[str, Any]:
    finished = batch.done + batch.failed
    percent = 100 if batch.finished_at else (int(finished * 100 / batch.total) if batch.total else 0)
    label = f"{batch.get_status_display()}: {batch.done} of {batch.total} generated"
    if batch.failed:
        label += f", {batch.failed} failed"
    return {
        "label": label,
        "done": batch.finished_at is not None,
        "id": batch.pk,
        "status": batch.status,
        "status_label": batch.get_status_display(),
        "total": batch.total,
        "generated": batch.done,
        "failed": batch.failed,
        "percent": percent,
        "finished": batch.finished_at is not None,
        "error": batch.error,
        "download_url": reverse("documents:batch_download", args=[batch.pk]) if batch.zip_file else "",
    }


class BatchAccessMixin(StaffPermissionRequiredMixin):
    permission_required = (GENERATE_DOCUMENTS, VIEW_ALL_DOCUMENTS)

    def get_batch(self, pk: int) -> DocumentBatch:
        return get_object_or_404(visible_batches(self.request.user), pk=pk)


class BatchDetailView(BatchAccessMixin, TemplateView):
    """A batch: a progress bar polled from `batch_progress`, then the zip and its documents."""

    template_name = "documents/batch_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        batch = self.get_batch(kwargs["pk"])
        documents = batch.documents.select_related("template_version").order_by("pk")[:100]
        return super().get_context_data(batch=batch, progress=batch_progress(batch), documents=documents, **kwargs)


class BatchProgressView(BatchAccessMixin, View):
    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        return JsonResponse(batch_progress(self.get_batch(pk)))


class BatchDownloadView(BatchAccessMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _file_response(self.get_batch(pk).zip_file, fmt=None, attachment=True)


# --- variable reference --------------------------------------------------------------------------------------------


class VariableIndexView(StaffPermissionRequiredMixin, TemplateView):
    permission_required = (GENERATE_DOCUMENTS, MANAGE_TEMPLATES)
    template_name = "documents/variables_index.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(object_types=ObjectType.choices, **kwargs)


class VariableReferenceView(StaffPermissionRequiredMixin, TemplateView):
    """Every variable a template about one object type can use, with what it is and a sample value."""

    permission_required = (GENERATE_DOCUMENTS, MANAGE_TEMPLATES)
    template_name = "documents/variables.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        object_type = kwargs["object_type"]
        if object_type not in ObjectType.values:
            raise Http404("No such object type.")
        return super().get_context_data(
            label=ObjectType(object_type).label,
            variables=variable_reference(object_type),
            object_types=ObjectType.choices,
            **kwargs,
        )
