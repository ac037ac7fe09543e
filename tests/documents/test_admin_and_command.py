"""Admin upload/edit of templates with validation on the form, and the generate_document command."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from documents.models import DocumentTemplate, GeneratedDocument
from documents.services import document_template_create
from tests.documents.builders import docx_bytes, docx_text

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/documents/documenttemplate/add/"


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(user)
    return client


def form_data(**overrides):
    data = {
        "name": "Statement of Work",
        "slug": "sow",
        "kind": "statement_of_work",
        "object_type": "project",
        "format": "docx",
        "description": "",
        "is_active": "on",
        "html_body": "",
        "css": "",
        "versions-TOTAL_FORMS": "0",
        "versions-INITIAL_FORMS": "0",
        "versions-MIN_NUM_FORMS": "0",
        "versions-MAX_NUM_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_admin_upload_creates_the_template_and_shows_warnings(admin_client, project_builder):
    upload = SimpleUploadedFile("sow.docx", docx_bytes("{{ project.nme }}"))

    response = admin_client.post(ADD_URL, form_data(upload=upload), follow=True)

    template = DocumentTemplate.objects.get(slug="sow")
    assert template.current_version.number == 1
    shown = [str(message) for message in response.context["messages"]]
    assert "Saved as version 1." in shown
    assert "'project.nme' is not a known variable for project documents. Did you mean project.name?" in shown


def test_admin_shows_jinja_errors_on_the_form_and_saves_nothing(admin_client):
    upload = SimpleUploadedFile("sow.docx", docx_bytes("ok", "{{ project.name }"))

    response = admin_client.post(ADD_URL, form_data(upload=upload))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["upload"]
    assert "Template syntax error in the document body, line" in errors[0]
    assert not DocumentTemplate.objects.exists()


def test_admin_refuses_a_disguised_file_on_the_form(admin_client):
    upload = SimpleUploadedFile("sow.docx", b"MZ\x90\x00 not a docx")

    response = admin_client.post(ADD_URL, form_data(upload=upload))

    assert "not a Word .docx document" in response.context["adminform"].form.errors["upload"][0]


def test_admin_edit_of_html_creates_a_new_version(admin_client, project_builder):
    template = document_template_create(
        name="Brief", slug="brief", object_type="project", fmt="pdf", user=None, html_body="<h1>{{ project.name }}</h1>"
    )
    url = f"/admin/documents/documenttemplate/{template.pk}/change/"
    version_rows = {
        "versions-TOTAL_FORMS": "1",
        "versions-INITIAL_FORMS": "1",
        "versions-0-id": str(template.current_version.pk),
        "versions-0-template": str(template.pk),
    }

    response = admin_client.post(
        url,
        form_data(name="Brief", slug="brief", format="pdf", html_body="<h2>{{ project.name }}</h2>", **version_rows),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert [v.number for v in template.versions.all()] == [2, 1]
    assert template.versions.get(number=1).html_body == "<h1>{{ project.name }}</h1>"


def test_admin_lists_generated_documents_read_only(admin_client):
    response = admin_client.get("/admin/documents/generateddocument/")

    assert response.status_code == 200
    assert admin_client.get("/admin/documents/generateddocument/add/").status_code == 403


def test_command_writes_the_document(tmp_path, project_builder, in_process_rendering):
    document_template_create(
        name="SOW",
        slug="sow",
        object_type="project",
        fmt="docx",
        user=None,
        docx_bytes=docx_bytes("{{ project.name }} / {{ inputs.scope }}"),
    )
    output = tmp_path / "sow.docx"
    stdout = io.StringIO()

    call_command(
        "generate_document",
        "--template",
        "sow",
        "--ids",
        "12",
        "--output",
        str(output),
        "--set",
        "scope=Phase 2",
        stdout=stdout,
    )

    assert docx_text(output.read_bytes()) == "Network refresh / Phase 2"
    assert "Wrote" in stdout.getvalue()
    assert GeneratedDocument.objects.get().status == "succeeded"


def test_command_batch_writes_a_zip(tmp_path, project_builder, in_process_rendering):
    document_template_create(
        name="SOW",
        slug="sow",
        object_type="project",
        fmt="docx",
        user=None,
        docx_bytes=docx_bytes("{{ project.name }}"),
    )
    output = tmp_path / "all.zip"

    call_command(
        "generate_document",
        "--template",
        "sow",
        "--ids",
        "12,13",
        "--batch",
        "--output",
        str(output),
        stdout=io.StringIO(),
    )

    assert len(zipfile.ZipFile(output).namelist()) == 2


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--template", "nope", "--ids", "1"], "No template with slug 'nope'"),
        (["--template", "sow", "--ids", "1,x"], "--ids must be record ids"),
        (["--template", "sow", "--ids", "12", "--format", "pdf"], "produces DOCX documents, not PDF"),
        (["--template", "sow", "--ids", "12"], "no data source is registered"),
    ],
)
def test_command_errors_are_clear(tmp_path, arguments, message, no_project_builder):
    document_template_create(
        name="SOW", slug="sow", object_type="project", fmt="docx", user=None, docx_bytes=docx_bytes("{{ user.name }}")
    )

    with pytest.raises(CommandError, match=message):
        call_command("generate_document", *arguments, "--output", str(tmp_path / "x.docx"))
