"""Document templates (with their versions), generated documents and batches of generated documents."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from documents import conf
from integrations.fields import SecretField


class ObjectType(models.TextChoices):
    """The PSA record types a document can be about."""

    COMPANY = "company", "Company"
    CONTACT = "contact", "Contact"
    PROJECT = "project", "Project"
    SERVICE_TICKET = "service_ticket", "Service ticket"
    OPPORTUNITY = "opportunity", "Opportunity"
    CONFIGURATION = "configuration", "Configuration"
    AGREEMENT = "agreement", "Agreement"


class DocumentFormat(models.TextChoices):
    """Output formats: Word templates produce .docx, HTML/CSS templates PDF, PowerPoint templates .pptx."""

    DOCX = "docx", "Word (.docx)"
    PDF = "pdf", "PDF"
    PPTX = "pptx", "PowerPoint (.pptx)"


class GenerationStatus(models.TextChoices):
    """Lifecycle of a generated document or batch."""

    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


def _template_upload_to(instance: DocumentTemplateVersion, filename: str) -> str:
    return f"{conf.get('DOCUMENTS_TEMPLATE_UPLOAD_TO')}{instance.template.slug}/v{instance.number}-{filename}"


def _output_upload_to(instance: GeneratedDocument, filename: str) -> str:
    return instance.created_at.strftime(conf.get("DOCUMENTS_OUTPUT_UPLOAD_TO")) + filename


def _batch_upload_to(instance: DocumentBatch, filename: str) -> str:
    return instance.created_at.strftime(conf.get("DOCUMENTS_BATCH_UPLOAD_TO")) + filename


class DocumentTemplate(models.Model):
    """A named document template (Word or HTML/CSS) for one PSA object type; its content lives in versions."""

    class Kind(models.TextChoices):
        STATEMENT_OF_WORK = "statement_of_work", "Statement of work"
        TICKET_SUMMARY = "ticket_summary", "Ticket summary"
        CLIENT_REPORT = "client_report", "Client report"
        TECHNICAL_DOCUMENTATION = "technical_documentation", "Technical documentation"
        IMPLEMENTATION_GUIDE = "implementation_guide", "Implementation guide"
        EXECUTIVE_BRIEF = "executive_brief", "Executive brief"
        PROPOSAL = "proposal", "Proposal"
        SERVICE_AGREEMENT = "service_agreement", "Service agreement"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    kind = models.CharField(max_length=40, choices=Kind.choices, default=Kind.OTHER)
    object_type = models.CharField(max_length=40, choices=ObjectType.choices)
    format = models.CharField(max_length=10, choices=DocumentFormat.choices, default=DocumentFormat.DOCX)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    include_internal_notes = models.BooleanField(
        default=False, help_text="Give the template internal notes too (never for documents sent to clients)."
    )
    current_version = models.ForeignKey(
        "DocumentTemplateVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DocumentTemplateVersion(models.Model):
    """One immutable revision of a template's content; editing a template adds a version, never rewrites one."""

    template = models.ForeignKey(DocumentTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    # The Office package of Word and PowerPoint templates (.docx or .pptx, by the template's format).
    docx_file = models.FileField(upload_to=_template_upload_to, blank=True, max_length=300)
    html_body = models.TextField(blank=True)
    css = models.TextField(blank=True)
    sha256 = models.CharField(max_length=64)
    variables = models.JSONField(default=list, blank=True, help_text="Variables the template uses.")
    warnings = models.JSONField(default=list, blank=True, help_text="Warnings found when the version was saved.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="documents_version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"


class DocumentBatch(models.Model):
    """A request for one document per record, delivered as a zip; counters show progress while it runs."""

    template = models.ForeignKey(DocumentTemplate, on_delete=models.PROTECT, related_name="batches")
    record_ids = models.JSONField(default=list)
    format = models.CharField(max_length=10, choices=DocumentFormat.choices)
    free_variables = models.JSONField(default=dict, blank=True)
    ai_draft = models.JSONField(null=True, blank=True, help_text="The AI draft the inputs started from, if any.")
    status = models.CharField(max_length=20, choices=GenerationStatus.choices, default=GenerationStatus.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    zip_file = models.FileField(upload_to=_batch_upload_to, blank=True, max_length=300)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "document batches"

    def __str__(self) -> str:
        return f"{self.template} x{self.total} ({self.get_status_display()})"


class GeneratedDocument(models.Model):
    """One generated document: which template version and records it came from, the file, and how it went."""

    template = models.ForeignKey(DocumentTemplate, on_delete=models.PROTECT, related_name="generated_documents")
    template_version = models.ForeignKey(
        DocumentTemplateVersion, on_delete=models.PROTECT, related_name="generated_documents"
    )
    object_type = models.CharField(max_length=40, choices=ObjectType.choices)
    record_ids = models.JSONField(default=list)
    format = models.CharField(max_length=10, choices=DocumentFormat.choices)
    file = models.FileField(upload_to=_output_upload_to, blank=True, max_length=300)
    size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=20, choices=GenerationStatus.choices, default=GenerationStatus.PENDING)
    error_message = models.TextField(blank=True)
    batch = models.ForeignKey(DocumentBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents")
    free_variables = models.JSONField(default=dict, blank=True, help_text="Values the person filled in.")
    ai_draft = models.JSONField(
        null=True, blank=True, help_text="The AI draft the inputs started from: prompt, model, fields sent, values."
    )
    render_ms = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["object_type", "created_at"])]

    def __str__(self) -> str:
        return f"{self.template} for {self.object_type} {', '.join(map(str, self.record_ids))}"


class KnowledgebaseSnippet(models.Model):
    """A named piece of standard text (terms, boilerplate) templates use as `kb.<slug>` ('-' read as '_')."""

    class BodyFormat(models.TextChoices):
        PLAIN = "plain", "Plain text"
        MARKDOWN = "markdown", "Markdown"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True, help_text="Templates use it as kb.<slug>; '-' becomes '_'.")
    body = models.TextField(help_text="The text templates get (Markdown is kept as written).")
    body_format = models.CharField(max_length=10, choices=BodyFormat.choices, default=BodyFormat.PLAIN)
    tags = models.CharField(max_length=300, blank=True, help_text="Comma-separated, for finding snippets.")
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def variable_name(self) -> str:
        return self.slug.replace("-", "_")


class DraftingProvider(models.Model):
    """The optional AI provider (one row) that drafts a template's free inputs; off until configured here."""

    enabled = models.BooleanField(default=False)
    endpoint_url = models.URLField(
        "chat completions URL",
        max_length=500,
        blank=True,
        help_text="OpenAI-compatible, e.g. https://api.openai.com/v1/chat/completions (https; http only on localhost).",
    )
    model = models.CharField(max_length=200, blank=True, help_text="Model name sent with each request.")
    api_key = SecretField("API key", max_length=500, blank=True)
    timeout = models.PositiveIntegerField("timeout (seconds)", default=30)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "AI drafting provider"

    def __str__(self) -> str:
        return f"{self.model or 'AI provider'} ({'on' if self.enabled else 'off'})"

    @property
    def is_usable(self) -> bool:
        return bool(self.enabled and self.endpoint_url and self.model)
