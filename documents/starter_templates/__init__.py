"""The starter templates shipped with the portal and the one service that loads them (migration and command).

Each kind comes in two flavours: `<slug>-docx` (Word, made with python-docx at load time, so nothing binary is
committed) and `<slug>-pdf` (HTML body + starter.css). Two PowerPoint decks (`starter_decks`, made with
python-pptx) are loaded by `starter_decks_load` (migration 0003). Loading is idempotent:
- a missing slug is created;
- an existing template is updated (a new version) only when the shipped content changed AND nobody edited it —
  every version was made by the loader (no `created_by`); a template an admin edited is never touched;
- name, description, active flag and the other settings of an existing template are never overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from documents.models import DocumentFormat, DocumentTemplate
from documents.services import _content_sha256, document_template_create, document_template_version_create
from documents.starter_templates import decks
from documents.starter_templates.catalog import STARTER_KINDS, StarterTemplate
from documents.starter_templates.spec import STARTER_CSS, to_docx, to_html


@dataclass(frozen=True)
class StarterContent:
    """What one starter template (kind × format) stores."""

    slug: str
    name: str
    kind: str
    object_type: str
    fmt: str
    description: str
    docx_bytes: bytes | None = None
    html_body: str = ""
    css: str = ""

    def content(self) -> dict[str, Any]:
        if self.fmt in (DocumentFormat.DOCX, DocumentFormat.PPTX):
            return {"docx_bytes": self.docx_bytes, "docx_filename": f"{self.slug}.{self.fmt}"}
        return {"html_body": self.html_body, "css": self.css}

    @property
    def sha256(self) -> str:
        return _content_sha256(docx_bytes=self.docx_bytes, html_body=self.html_body, css=self.css)


def _flavours(kind: StarterTemplate) -> list[StarterContent]:
    outline = kind.outline()
    common = {"kind": kind.kind, "object_type": kind.object_type, "description": kind.description}
    return [
        StarterContent(
            slug=f"{kind.slug}-docx", name=f"{kind.name} (Word)", fmt=DocumentFormat.DOCX, docx_bytes=to_docx(outline),
            **common,
        ),
        StarterContent(
            slug=f"{kind.slug}-pdf", name=f"{kind.name} (PDF)", fmt=DocumentFormat.PDF, html_body=to_html(outline),
            css=STARTER_CSS, **common,
        ),
    ]  # fmt: skip


def starter_templates() -> list[StarterContent]:
    """Every shipped template, built now (16: 8 kinds × Word and PDF)."""
    return [flavour for kind in STARTER_KINDS for flavour in _flavours(kind)]


def starter_decks() -> list[StarterContent]:
    """The shipped PowerPoint decks, built now."""
    kind = DocumentTemplate.Kind
    return [
        StarterContent(
            slug="quarterly-business-review-pptx",
            name="Quarterly Business Review (PowerPoint)",
            kind=kind.CLIENT_REPORT,
            object_type="company",
            fmt=DocumentFormat.PPTX,
            description="A QBR deck: tickets, SLA, hours, agreements, warranties ending soon, open opportunities.",
            docx_bytes=decks.quarterly_business_review(),
        ),
        StarterContent(
            slug="project-kickoff-pptx",
            name="Project Kickoff (PowerPoint)",
            kind=kind.IMPLEMENTATION_GUIDE,
            object_type="project",
            fmt=DocumentFormat.PPTX,
            description="A kickoff deck: scope, phases, timeline and team of the project.",
            docx_bytes=decks.project_kickoff(),
        ),
    ]


@dataclass(frozen=True)
class StarterLoadResult:
    slug: str
    action: str  # created, updated, unchanged, skipped (edited by a person)
    version: int | None = None


def starter_templates_load() -> list[StarterLoadResult]:
    """Create the missing starter templates and refresh the unedited ones whose shipped content changed.

    Versions are stored without `created_by`: that is how a later load tells shipped content from an edit.
    """
    return _load(starter_templates())


def starter_decks_load() -> list[StarterLoadResult]:
    """The same as `starter_templates_load`, for the PowerPoint decks."""
    return _load(starter_decks())


def _load(starters: list[StarterContent]) -> list[StarterLoadResult]:
    results = []
    for starter in starters:
        with transaction.atomic():
            template = DocumentTemplate.objects.filter(slug=starter.slug).select_related("current_version").first()
            if template is None:
                template = document_template_create(
                    name=starter.name,
                    slug=starter.slug,
                    object_type=starter.object_type,
                    fmt=starter.fmt,
                    user=None,
                    kind=starter.kind,
                    description=starter.description,
                    **starter.content(),
                )
                results.append(StarterLoadResult(starter.slug, "created", template.current_version.number))
                continue
            current = template.current_version
            if current is not None and current.sha256 == starter.sha256:
                results.append(StarterLoadResult(starter.slug, "unchanged", current.number))
                continue
            edited = template.versions.filter(created_by__isnull=False).exists()
            if edited or template.format != starter.fmt or template.object_type != starter.object_type:
                results.append(StarterLoadResult(starter.slug, "skipped", current.number if current else None))
                continue
            version = document_template_version_create(template=template, user=None, **starter.content())
            results.append(StarterLoadResult(starter.slug, "updated", version.number))
    return results
