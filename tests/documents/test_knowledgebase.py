"""Knowledgebase snippets: templates read them as `kb.<slug>`, validation knows them, the admin finds them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from documents.contexts import common_context
from documents.models import KnowledgebaseSnippet
from documents.selectors import generated_document_bytes
from documents.services import document_generate, document_template_create
from documents.validation import validate_docx_template
from tests.documents.builders import docx_bytes, docx_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_process_rendering")]

TERMS = "Payment is due within 30 days.\nPrices exclude VAT."


@pytest.fixture
def terms() -> KnowledgebaseSnippet:
    return KnowledgebaseSnippet.objects.create(
        name="Standard terms", slug="standard-terms", body=TERMS, tags="legal, contract"
    )


def test_snippets_are_in_every_context_with_dashes_read_as_underscores(terms):
    KnowledgebaseSnippet.objects.create(name="Old", slug="old-terms", body="x", is_active=False)

    assert common_context(None)["kb"] == {"standard_terms": TERMS}


@pytest.mark.usefixtures("project_builder")
def test_a_template_uses_a_snippet(terms):
    template = document_template_create(
        name="SOW",
        slug="sow",
        object_type="project",
        fmt="docx",
        user=None,
        docx_bytes=docx_bytes("{{ project.name }}", "{{ kb.standard_terms }}"),
        docx_filename="sow.docx",
    )
    assert template.current_version.warnings == []

    document = document_generate(template=template, record_ids=[12], fmt=None, user=None)

    text = docx_text(generated_document_bytes(document=document))
    assert "Payment is due within 30 days." in text and "Prices exclude VAT." in text


@pytest.mark.usefixtures("project_builder")
def test_an_unknown_snippet_is_a_warning_with_a_suggestion(terms):
    result = validate_docx_template(data=docx_bytes("{{ kb.standard_term }}"), filename="t.docx", object_type="project")
    assert result.warnings == [
        "'kb.standard_term' is not a knowledgebase snippet (add it under Documents › Knowledgebase snippets). "
        "Did you mean kb.standard_terms?"
    ]


def test_the_admin_searches_snippets_by_tag_and_body(client, superuser, terms):
    KnowledgebaseSnippet.objects.create(name="Escalation", slug="escalation", body="Call the duty manager.")
    client.force_login(superuser)
    url = reverse("admin:documents_knowledgebasesnippet_changelist")

    by_tag = client.get(url, {"q": "legal"}).content.decode()
    by_body = client.get(url, {"q": "duty manager"}).content.decode()

    assert "Standard terms" in by_tag and "Escalation" not in by_tag
    assert "Escalation" in by_body and "{{ kb.escalation }}" in by_body
