"""Starter templates: each renders in Word and PDF against emulator-synced data with real content; loading is
idempotent and leaves edited templates alone."""

from __future__ import annotations

import io
from importlib import import_module

import pypdf
import pytest
from django.core import mail
from django.core.management import call_command
from django.db.models import Count

from documents.models import DocumentTemplate
from documents.selectors import generated_document_bytes
from documents.services import document_generate, document_template_create, document_template_version_create
from documents.starter_templates import starter_templates, starter_templates_load
from integrations.models import (
    Agreement,
    AgreementAddition,
    Company,
    Opportunity,
    OpportunityForecastItem,
    Project,
    ProjectPhase,
    ProjectTicket,
    ServiceTicket,
)
from tests.documents.builders import docx_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_process_rendering")]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def busiest(model, psa, child, parent_column):
    counts = child.objects.filter(connection=psa).values(parent_column).annotate(n=Count("id")).order_by("-n")
    return model.objects.get(connection=psa, psa_id=counts[0][parent_column])


def expectations(kind: str, psa) -> tuple[list[int], list[str]]:
    """Record ids to generate for and texts the document must contain (names, summaries, totals)."""
    if kind in ("statement-of-work", "implementation-guide"):
        project = busiest(Project, psa, ProjectTicket, "project_psa_id")
        company = Company.objects.get(connection=psa, psa_id=project.company_psa_id)
        phase = ProjectPhase.objects.filter(connection=psa, project_psa_id=project.psa_id).order_by("psa_id").first()
        ticket = ProjectTicket.objects.filter(connection=psa, project_psa_id=project.psa_id).first()
        return [project.psa_id], [project.name, company.name, phase.description, ticket.summary]
    if kind == "ticket-summary":
        tickets = list(ServiceTicket.objects.filter(connection=psa, closed=False).order_by("psa_id")[:3])
        return [t.psa_id for t in tickets], [tickets[0].data["company"]["name"], *(t.summary[:30] for t in tickets)]
    if kind in ("client-report", "executive-brief", "technical-documentation"):
        company = busiest(Company, psa, ServiceTicket, "company_psa_id")
        count = ServiceTicket.objects.filter(connection=psa, company_psa_id=company.psa_id, is_deleted=False).count()
        texts = [company.name, "Demo MSP Solutions"]
        if kind == "client-report":
            tickets = ServiceTicket.objects.filter(connection=psa, company_psa_id=company.psa_id)
            open_ticket = tickets.filter(closed=False).first()
            texts += [str(count), open_ticket.summary[:30]]
        elif kind == "technical-documentation":
            texts.append(company.data.get("name"))
        else:
            texts.append(str(count))
        return [company.psa_id], texts
    if kind == "proposal":
        opportunity = busiest(Opportunity, psa, OpportunityForecastItem, "opportunity_psa_id")
        items = OpportunityForecastItem.objects.filter(connection=psa, opportunity_psa_id=opportunity.psa_id)
        total = sum(item.data["revenue"] for item in items if item.data.get("includeFlag", True))
        return [opportunity.psa_id], [opportunity.name, f"{total:,.2f}"]
    if kind == "service-agreement":
        agreement = busiest(Agreement, psa, AgreementAddition, "agreement_psa_id")
        addition = AgreementAddition.objects.filter(connection=psa, agreement_psa_id=agreement.psa_id).first()
        return [agreement.psa_id], [agreement.name, addition.data["invoiceDescription"][:25]]
    raise AssertionError(kind)


def normalise(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    "kind",
    [
        "statement-of-work",
        "ticket-summary",
        "client-report",
        "technical-documentation",
        "implementation-guide",
        "executive-brief",
        "proposal",
        "service-agreement",
    ],
)
def test_starter_template_renders_real_content_in_word_and_pdf(psa, kind):
    ids, texts = expectations(kind, psa)
    for starter in (s for s in starter_templates() if s.slug.startswith(f"{kind}-")):
        template = document_template_create(
            name=starter.name,
            slug=starter.slug,
            object_type=starter.object_type,
            fmt=starter.fmt,
            user=None,
            kind=starter.kind,
            **starter.content(),
        )
        assert template.current_version.warnings == [], starter.slug

        document = document_generate(
            template=template, record_ids=ids, fmt=None, user=None, free_variables={"notes": "Reviewed by Dana"}
        )

        data = generated_document_bytes(document=document)
        text = normalise(docx_text(data) if starter.fmt == "docx" else pdf_text(data))
        for expected in texts:
            assert normalise(expected) in text, f"{starter.slug}: {expected!r} missing"
        if starter.fmt == "pdf":
            pages = len(pypdf.PdfReader(io.BytesIO(data)).pages)
            assert f"Page {pages} of {pages}" in text
        else:
            assert "NUMPAGES" in _footer_xml(data)


def _footer_xml(data: bytes) -> str:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return "".join(package.read(name).decode() for name in package.namelist() if "footer" in name)


def test_loading_twice_creates_sixteen_templates_once():
    first = starter_templates_load()
    second = starter_templates_load()

    assert [r.action for r in first] == ["created"] * 16
    assert [r.action for r in second] == ["unchanged"] * 16
    assert DocumentTemplate.objects.filter(slug__in=[r.slug for r in first]).count() == 16
    assert {t.format for t in DocumentTemplate.objects.all()} == {"docx", "pdf"}


def test_changed_shipped_content_updates_unedited_templates_only(monkeypatch, superuser):
    starter_templates_load()
    edited = DocumentTemplate.objects.get(slug="proposal-pdf")
    document_template_version_create(template=edited, user=superuser, html_body="<h1>Ours</h1>", css="")
    changed = [
        type(s)(**{**s.__dict__, "html_body": s.html_body + "<p>v2</p>"}) if s.fmt == "pdf" else s
        for s in starter_templates()
    ]
    monkeypatch.setattr("documents.starter_templates.starter_templates", lambda: changed)

    results = {r.slug: r.action for r in starter_templates_load()}

    assert results["proposal-pdf"] == "skipped"
    assert results["client-report-pdf"] == "updated"
    assert results["client-report-docx"] == "unchanged"
    assert DocumentTemplate.objects.get(slug="proposal-pdf").current_version.html_body == "<h1>Ours</h1>"
    assert DocumentTemplate.objects.get(slug="client-report-pdf").current_version.number == 2


def test_command_and_migration_load_the_same_templates(monkeypatch):
    out = io.StringIO()
    call_command("load_starter_templates", stdout=out)
    assert "18 created" in out.getvalue()  # 16 documents + 2 PowerPoint decks
    loaded_by_command = set(DocumentTemplate.objects.values_list("slug", flat=True))

    DocumentTemplate.objects.all().delete()
    monkeypatch.delattr(mail, "outbox")  # the migrations leave test databases alone; pretend this is not one
    templates = import_module("documents.migrations.0002_load_starter_templates")
    decks = import_module("documents.migrations.0003_pptx_knowledgebase_drafting")
    for _ in range(2):
        templates.load_starter_templates(None, None)
        decks.load_starter_decks(None, None)

    assert set(DocumentTemplate.objects.values_list("slug", flat=True)) == loaded_by_command
    assert DocumentTemplate.objects.count() == 18
