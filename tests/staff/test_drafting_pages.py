"""The generator's inputs step: fill inputs from knowledgebase snippets, preview and send an AI draft, review it,
generate with the draft kept; drafting is hidden when off and its failures leave generation working."""

from __future__ import annotations

import json

import pytest
import responses
from django.urls import reverse

from documents.models import DraftingProvider, GeneratedDocument, KnowledgebaseSnippet

URL = "https://llm.example.com/v1/chat/completions"
KEY = "sk-live-SECRET-987"


@pytest.fixture
def generator(staff_client):
    return staff_client("portal.generate_documents")


@pytest.fixture
def project(make_projects):
    return make_projects(1)[0]


@pytest.fixture
def provider() -> DraftingProvider:
    return DraftingProvider.objects.create(enabled=True, endpoint_url=URL, model="gpt-test", api_key=KEY)


def generate_url(template) -> str:
    return reverse("documents:generate", args=[template.slug])


def test_drafting_is_hidden_without_a_provider(generator, sow_template, project):
    page = generator.get(generate_url(sow_template), {"selected": project.psa_id}).content.decode()
    assert 'name="input_scope"' in page
    assert "Draft the inputs with AI" not in page and 'name="ai_prompt"' not in page


def test_the_preview_shows_exactly_what_is_sent_and_sends_nothing(generator, sow_template, project, provider):
    with responses.RequestsMock() as mocked:
        response = generator.post(
            generate_url(sow_template),
            {"records": str(project.psa_id), "ai_prompt": "Formal tone", "action": "ai_preview"},
        )
        assert not mocked.calls
    page = response.content.decode()
    assert "Draft the inputs with AI (gpt-test)" in page
    preview = response.context["drafting_preview"]
    assert json.loads(preview)["records"] == {
        "project": {"name": "Network refresh", "company": {"name": "Contoso Ltd"}, "phases": [
            {"name": "Design", "hours": 4}, {"name": "Build", "hours": 12}]}
    }  # fmt: skip
    assert "Send to gpt-test" in page and KEY not in page
    assert GeneratedDocument.objects.count() == 0


@responses.activate
def test_a_draft_fills_the_inputs_and_is_kept_with_the_document(generator, sow_template, project, provider):
    responses.post(URL, json={"choices": [{"message": {"content": '{"scope": "Replace both core switches."}'}}]})
    url = generate_url(sow_template)

    response = generator.post(url, {"records": str(project.psa_id), "ai_prompt": "Short", "action": "ai_draft"})

    page = response.content.decode()
    assert "Replace both core switches.</textarea>" in page
    assert "Review and edit before generating" in page and KEY not in page
    sent = json.loads(json.loads(responses.calls[0].request.body)["messages"][1]["content"])
    assert sent["inputs_to_draft"] == ["scope"] and sent["instructions"] == "Short"
    hidden_draft = response.context["form"].data["ai_draft"]

    # the person edits the draft, then generates
    response = generator.post(
        url,
        {"records": str(project.psa_id), "input_scope": "Replace both core switches by May.", "ai_draft": hidden_draft},
    )

    document = GeneratedDocument.objects.get()
    assert response.status_code == 302
    assert document.free_variables == {"scope": "Replace both core switches by May."}
    assert document.ai_draft["values"] == {"scope": "Replace both core switches."}
    assert document.ai_draft["model"] == "gpt-test" and document.ai_draft["prompt"] == "Short"
    assert "AI draft by gpt-test" in generator.get(response.url).content.decode()


@responses.activate
def test_a_failed_draft_is_explained_and_generation_still_works(generator, sow_template, project, provider):
    responses.post(URL, status=401, json={"error": {"message": f"Incorrect API key provided: {KEY}"}})
    url = generate_url(sow_template)

    response = generator.post(
        url, {"records": str(project.psa_id), "input_scope": "My own words", "ai_prompt": "x", "action": "ai_draft"}
    )

    page = response.content.decode()
    assert "The AI provider rejected the API key (HTTP 401)" in page and KEY not in page
    assert "My own words" in page
    response = generator.post(url, {"records": str(project.psa_id), "input_scope": "My own words"})
    document = GeneratedDocument.objects.get()
    assert response.status_code == 302 and document.ai_draft is None


def test_an_input_is_filled_from_a_chosen_snippet(generator, sow_template, project):
    KnowledgebaseSnippet.objects.create(name="Standard scope", slug="standard-scope", body="Managed network care.")
    url = generate_url(sow_template)
    page = generator.get(url, {"selected": project.psa_id}).content.decode()
    assert 'name="snippet_scope"' in page and "Standard scope" in page

    response = generator.post(
        url, {"records": str(project.psa_id), "snippet_scope": "standard-scope", "action": "fill_snippets"}
    )

    assert "Managed network care.</textarea>" in response.content.decode()
    assert GeneratedDocument.objects.count() == 0


def test_a_chosen_snippet_is_used_when_the_input_is_left_empty(generator, sow_template, project):
    KnowledgebaseSnippet.objects.create(name="Standard scope", slug="standard-scope", body="Managed network care.")

    generator.post(generate_url(sow_template), {"records": str(project.psa_id), "snippet_scope": "standard-scope"})

    assert GeneratedDocument.objects.get().free_variables == {"scope": "Managed network care."}


def test_the_provider_admin_never_shows_the_key_and_keeps_it_when_left_empty(client, superuser, provider):
    client.force_login(superuser)
    url = reverse("admin:documents_draftingprovider_change", args=[provider.pk])
    assert KEY not in client.get(url).content.decode()

    response = client.post(url, {"enabled": "on", "endpoint_url": URL, "model": "gpt-4o", "api_key": "", "timeout": 20})

    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.api_key == KEY and provider.model == "gpt-4o"
    response = client.post(
        url, {"enabled": "on", "endpoint_url": "http://llm.example.com/v1", "model": "m", "api_key": "", "timeout": 20}
    )
    assert "must start with https://" in response.content.decode()
