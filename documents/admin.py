"""Admin for document templates (upload or HTML/CSS, validated on save, versions kept) and generation history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from documents import conf
from documents.builders.reference import variable_reference_rows
from documents.errors import TemplateValidationError
from documents.models import (
    DocumentBatch,
    DocumentFormat,
    DocumentTemplate,
    DocumentTemplateVersion,
    DraftingProvider,
    GeneratedDocument,
    KnowledgebaseSnippet,
)
from documents.services import document_template_validate, document_template_version_create


class DocumentTemplateForm(forms.ModelForm):
    """Template fields plus its content: a .docx upload (Word templates) or HTML and CSS (PDF templates)."""

    upload = forms.FileField(
        required=False,
        label="Word (.docx) or PowerPoint (.pptx) template",
        help_text="Uploading a file creates a new version; earlier versions are kept.",
    )
    html_body = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 20, "cols": 100, "style": "font-family: monospace"}),
        help_text="PDF templates: the HTML body, with Jinja ({{ project.name }}, {% for %}...).",
    )
    css = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "cols": 100, "style": "font-family: monospace"}),
        help_text="PDF templates: CSS added after the base stylesheet (page numbers, cover page, tables).",
    )

    class Meta:
        model = DocumentTemplate
        fields = [
            "name",
            "slug",
            "kind",
            "object_type",
            "format",
            "description",
            "is_active",
            "include_internal_notes",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.new_content: dict[str, Any] | None = None
        self.validation_warnings: list[str] = []
        current = self.instance.current_version if self.instance.pk else None
        if current is not None:
            self.fields["html_body"].initial = current.html_body
            self.fields["css"].initial = current.css

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        fmt = cleaned.get("format") or self.instance.format
        object_type = cleaned.get("object_type") or self.instance.object_type
        current = self.instance.current_version if self.instance.pk else None
        if fmt in (DocumentFormat.DOCX, DocumentFormat.PPTX):
            upload = cleaned.get("upload")
            if upload is None:
                if current is None:
                    self.add_error("upload", f"Upload the {DocumentFormat(fmt).label} template.")
                return cleaned
            max_bytes = conf.get("DOCUMENTS_MAX_UPLOAD_BYTES")
            if upload.size > max_bytes:
                self.add_error(
                    "upload",
                    f"The file is {upload.size / 2**20:.1f} MiB; templates may be at most {max_bytes / 2**20:.1f} MiB.",
                )
                return cleaned
            content = {"docx_bytes": upload.read(), "docx_filename": upload.name}
            field = "upload"
        else:
            html_body, css = cleaned.get("html_body") or "", cleaned.get("css") or ""
            if current is not None and (current.html_body, current.css) == (html_body, css):
                return cleaned
            content = {"html_body": html_body, "css": css}
            field = "html_body"
        try:
            result = document_template_validate(fmt=fmt, object_type=object_type, **content)
        except TemplateValidationError as exc:
            self.add_error(field, exc.message)
            return cleaned
        self.new_content = content
        self.validation_warnings = result.warnings
        return cleaned


class DocumentTemplateVersionInline(admin.TabularInline):
    """Every version of the template, newest first; read-only (new content makes a new version)."""

    model = DocumentTemplateVersion
    fk_name = "template"
    extra = 0
    can_delete = False
    fields = ["number", "created_at", "created_by", "docx_file", "variable_count", "warning_list", "sha256"]
    readonly_fields = fields
    ordering = ["-number"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="variables")
    def variable_count(self, version: DocumentTemplateVersion) -> int:
        return len(version.variables or [])

    @admin.display(description="warnings")
    def warning_list(self, version: DocumentTemplateVersion) -> str:
        return "\n".join(version.warnings or []) or "-"


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(admin.ModelAdmin):
    form = DocumentTemplateForm
    list_display = ["name", "kind", "object_type", "format", "is_active", "current_version", "updated_at"]
    list_filter = ["format", "object_type", "kind", "is_active"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["current_version", "created_at", "updated_at"]
    inlines = [DocumentTemplateVersionInline]

    def get_urls(self):
        view = self.admin_site.admin_view(self.variable_reference_view)
        return [path("variables/", view, name="documents_variable_reference"), *super().get_urls()]

    def variable_reference_view(self, request: HttpRequest) -> HttpResponse:
        """Every variable per object type, with a sample value taken from the PSA cache when there is data."""
        context = {
            **self.admin_site.each_context(request),
            "title": "Template variables",
            "opts": self.model._meta,
            "sections": variable_reference_rows(),
        }
        return HttpResponse(engines["django"].from_string(VARIABLE_REFERENCE_TEMPLATE).render(context, request))

    def get_readonly_fields(self, request: HttpRequest, obj: DocumentTemplate | None = None) -> list[str]:
        # A template's format cannot change once it has versions: they would not match it.
        if obj is not None and obj.current_version_id:
            return [*self.readonly_fields, "format"]
        return list(self.readonly_fields)

    def get_fieldsets(self, request: HttpRequest, obj: DocumentTemplate | None = None):
        return [
            (None, {"fields": ["name", "slug", "kind", "object_type", "format", "description"]}),
            ("Options", {"fields": ["is_active", "include_internal_notes"]}),
            ("Word or PowerPoint template", {"fields": ["upload"]}),
            ("PDF template", {"fields": ["html_body", "css"]}),
            ("Version", {"fields": ["current_version", "created_at", "updated_at"]}),
        ]

    def save_model(self, request: HttpRequest, obj: DocumentTemplate, form: DocumentTemplateForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if form.new_content is None:
            return
        try:
            version = document_template_version_create(template=obj, user=request.user, **form.new_content)
        except TemplateValidationError as exc:  # validated in clean(); only a race could bring us here
            messages.error(request, exc.message)
            return
        messages.info(request, f"Saved as version {version.number}.")
        for warning in version.warnings:
            messages.warning(request, warning)


VARIABLE_REFERENCE_TEMPLATE = """{% extends "admin/base_site.html" %}
{% block breadcrumbs %}<div class="breadcrumbs"><a href="{% url 'admin:index' %}">Home</a> ›
<a href="{% url 'admin:documents_documenttemplate_changelist' %}">Document templates</a> › Template variables</div>
{% endblock %}
{% block content %}
<p>Use these in templates as <code>{% templatetag openvariable %} path {% templatetag closevariable %}</code>;
<code>[]</code> means “each item of a list”
(<code>{% templatetag openblock %} for t in tickets {% templatetag closeblock %}</code>).
Custom fields: <code>custom.&lt;caption in snake_case&gt;</code>.
Free text a person types when generating: <code>inputs.&lt;name&gt;</code>.</p>
{% for section in sections %}
<h2 id="{{ section.object_type }}">{{ section.label }}</h2>
<p class="help">{{ section.source }}</p>
<table><thead><tr><th>Variable</th><th>Description</th><th>Sample value</th></tr></thead><tbody>
{% for row in section.rows %}<tr><td><code>{{ row.path }}</code></td><td>{{ row.description }}</td>
<td>{{ row.sample|default_if_none:""|truncatechars:80 }}</td></tr>{% endfor %}
</tbody></table>
{% endfor %}
{% endblock %}"""


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GeneratedDocument)
class GeneratedDocumentAdmin(_ReadOnlyAdmin):
    list_display = [
        "created_at",
        "template",
        "template_version",
        "object_type",
        "record_ids",
        "format",
        "status",
        "size",
        "render_ms",
        "created_by",
    ]
    list_filter = ["status", "format", "object_type", "template"]
    list_select_related = ["template", "template_version__template", "created_by"]
    date_hierarchy = "created_at"


@admin.register(DocumentBatch)
class DocumentBatchAdmin(_ReadOnlyAdmin):
    list_display = ["created_at", "template", "format", "status", "total", "done", "failed", "created_by"]
    list_filter = ["status", "format", "template"]
    list_select_related = ["template", "created_by"]
    date_hierarchy = "created_at"


@admin.register(KnowledgebaseSnippet)
class KnowledgebaseSnippetAdmin(admin.ModelAdmin):
    """Standard texts templates use as `kb.<slug>` and the generator offers for its inputs."""

    list_display = ["name", "slug", "template_variable", "body_format", "tags", "is_active", "updated_at"]
    list_filter = ["is_active", "body_format"]
    search_fields = ["name", "slug", "tags", "body"]
    prepopulated_fields = {"slug": ["name"]}

    @admin.display(description="in templates")
    def template_variable(self, snippet: KnowledgebaseSnippet) -> str:
        return f"{{{{ kb.{snippet.variable_name} }}}}"


class DraftingProviderForm(forms.ModelForm):
    """The API key is write-only: shown empty, kept when left empty, replaced when typed."""

    api_key = forms.CharField(
        label="API key",
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted. Leave empty to keep the current key.",
    )
    clear_api_key = forms.BooleanField(required=False, label="Remove the stored API key")
    endpoint_url = forms.URLField(
        label="Chat completions URL",
        required=False,
        assume_scheme="https",
        max_length=500,
        help_text=DraftingProvider._meta.get_field("endpoint_url").help_text,
    )

    class Meta:
        model = DraftingProvider
        fields = ["enabled", "endpoint_url", "model", "api_key", "timeout"]

    def clean_endpoint_url(self) -> str:
        from documents.drafting import DraftingError, check_endpoint_url

        url = self.cleaned_data.get("endpoint_url") or ""
        if url:
            try:
                check_endpoint_url(url)
            except DraftingError as exc:
                raise forms.ValidationError(exc.message) from exc
        return url

    def clean_timeout(self) -> int:
        timeout = self.cleaned_data["timeout"]
        if not 1 <= timeout <= 300:
            raise forms.ValidationError("Use a timeout between 1 and 300 seconds.")
        return timeout

    def save(self, commit: bool = True) -> DraftingProvider:
        provider = super().save(commit=False)
        if self.cleaned_data.get("clear_api_key"):
            provider.api_key = ""
        elif not self.cleaned_data.get("api_key") and self.instance.pk:
            provider.api_key = DraftingProvider.objects.get(pk=self.instance.pk).api_key
        if commit:
            provider.save()
        return provider


@admin.register(DraftingProvider)
class DraftingProviderAdmin(admin.ModelAdmin):
    """One row: the OpenAI-compatible provider that drafts inputs; the generator hides drafting while it is off."""

    form = DraftingProviderForm
    list_display = ["__str__", "enabled", "endpoint_url", "model", "has_api_key", "timeout", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not DraftingProvider.objects.exists()

    @admin.display(boolean=True, description="API key set")
    def has_api_key(self, provider: DraftingProvider) -> bool:
        return bool(provider.api_key)
