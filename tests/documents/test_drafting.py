"""AI drafting: only the template's fields go out (never notes or internal items), the answer fills the right
inputs, and every failure is a sentence without the API key."""

from __future__ import annotations

import json

import pytest
import requests
import responses

from documents.contexts import VariableInfo, context_builder_replaced
from documents.drafting import DraftingError, drafting_payload, drafting_provider, drafting_request
from documents.models import DraftingProvider
from documents.services import document_template_create
from tests.documents.builders import docx_bytes

pytestmark = pytest.mark.django_db

URL = "https://llm.example.com/v1/chat/completions"
KEY = "sk-test-SECRET-123"


def build_project(*, record_ids, user, options):
    return {
        "project": {
            "name": "Network refresh",
            "notes": "Customer is difficult, bill extra",
            "internal_notes": "Margin 12%",
            "tickets": [
                {"summary": "Replace core switch", "status": "Closed", "notes": "root password is hunter2"},
                {"summary": "Staff-only review", "status": "New", "internal": True},
            ],
            "budget": 1200,
        },
        "secret_margin": 0.4,
    }


VARIABLES = [
    VariableInfo("project.name"),
    VariableInfo("project.notes"),
    VariableInfo("project.tickets[].summary"),
    VariableInfo("project.tickets[].notes"),
]


@pytest.fixture
def template():
    with context_builder_replaced("project", build_project, VARIABLES):
        yield document_template_create(
            name="Statement of Work",
            slug="sow",
            object_type="project",
            fmt="docx",
            user=None,
            docx_bytes=docx_bytes(
                "{{ project.name }} {{ project.notes }}",
                "{% for t in project.tickets %}{{ t.summary }} {{ t.notes }}{% endfor %}",
                "{{ inputs.executive_summary }}",
                "{{ inputs.next_steps }}",
            ),
            docx_filename="sow.docx",
        )


@pytest.fixture
def provider() -> DraftingProvider:
    return DraftingProvider.objects.create(enabled=True, endpoint_url=URL, model="gpt-test", api_key=KEY, timeout=7)


def answer(content: str, **message) -> dict:
    return {"choices": [{"message": {"role": "assistant", "content": content, **message}, "finish_reason": "stop"}]}


def draft(template, provider, prompt="Friendly, two sentences each"):
    payload = drafting_payload(template=template, record_ids=[12], user=None)
    return drafting_request(provider=provider, template=template, payload=payload, prompt=prompt)


def test_drafting_is_hidden_until_enabled_and_complete():
    assert drafting_provider() is None
    provider = DraftingProvider.objects.create(enabled=False, endpoint_url=URL, model="m")
    assert drafting_provider() is None
    provider.enabled = True
    provider.save()
    assert drafting_provider() == provider


@responses.activate
def test_the_request_carries_only_the_templates_fields_without_notes_or_internal_items(template, provider):
    responses.post(URL, json=answer('{"executive_summary": "All good.", "next_steps": "Plan the cut-over."}'))

    result = draft(template, provider)

    request = responses.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {KEY}"
    body = json.loads(request.body)
    assert body["model"] == "gpt-test"
    sent = json.loads(body["messages"][1]["content"])
    assert sent == {
        "instructions": "Friendly, two sentences each",
        "document": "Statement of Work",
        "document_kind": "Other",
        "inputs_to_draft": ["executive_summary", "next_steps"],
        "records": {"project": {"name": "Network refresh", "tickets": [{"summary": "Replace core switch"}]}},
    }
    assert "hunter2" not in request.body.decode() and "Margin" not in request.body.decode()
    assert result["values"] == {"executive_summary": "All good.", "next_steps": "Plan the cut-over."}
    assert result["fields_sent"] == ["project.name", "project.tickets[].summary"]
    assert result["model"] == "gpt-test" and result["prompt"] == "Friendly, two sentences each"


@responses.activate
def test_unknown_keys_are_ignored_and_fenced_json_is_accepted(template, provider):
    responses.post(URL, json=answer('```json\n{"next_steps": "Order hardware.", "system": "ignore me"}\n```'))
    assert draft(template, provider)["values"] == {"next_steps": "Order hardware."}


def assert_fails(template, provider, message: str) -> None:
    with pytest.raises(DraftingError) as error:
        draft(template, provider)
    assert message in str(error.value)
    assert KEY not in str(error.value) and KEY not in repr(error.value.__cause__)


@responses.activate
@pytest.mark.parametrize(
    ("mock", "message"),
    [
        ({"body": requests.Timeout("read timed out")}, "did not answer within 7 seconds"),
        ({"body": requests.ConnectionError("refused")}, "could not be reached"),
        ({"status": 401, "json": {"error": {"message": f"Incorrect API key provided: {KEY}"}}}, "rejected the API key"),
        ({"status": 302, "headers": {"Location": "https://elsewhere.example/"}}, "redirect, which is not followed"),
        ({"status": 500, "body": "oops"}, "answered with an error (HTTP 500)"),
        ({"json": answer(None, refusal="I can't help with that.")}, "declined to draft these inputs: “I can't help"),
        ({"json": answer("Sure! Here is your summary.")}, "not in the expected form"),
        ({"json": {"id": "x"}}, "not in the expected form"),
        ({"body": "<html>proxy</html>"}, "not in the expected form"),
        ({"json": answer('{"unrelated": "x"}')}, "drafted none of the inputs"),
    ],
)  # fmt: skip
def test_each_failure_is_a_readable_message_without_the_key(template, provider, mock, message):
    responses.post(URL, **mock)
    assert_fails(template, provider, message)
    assert len(responses.calls) == 1  # a redirect is not followed


@pytest.mark.parametrize("url", ["http://llm.example.com/v1/chat/completions", "ftp://x/y"])
def test_plain_http_is_refused_except_on_this_machine(template, provider, url):
    provider.endpoint_url = url
    with responses.RequestsMock() as mocked:  # no request may go out
        assert_fails(template, provider, "must start with https://")
        assert not mocked.calls


@responses.activate
def test_http_on_localhost_is_allowed(template, provider):
    provider.endpoint_url = "http://127.0.0.1:11434/v1/chat/completions"
    responses.post(provider.endpoint_url, json=answer('{"next_steps": "Go."}'))
    assert draft(template, provider)["values"] == {"next_steps": "Go."}


def test_an_empty_prompt_sends_nothing(template, provider):
    with responses.RequestsMock() as mocked, pytest.raises(DraftingError, match="Write a prompt first"):
        draft(template, provider, prompt="  ")
    assert not mocked.calls
