"""Services: templates keep every version, documents record the version used, failures keep a readable message."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.contrib.auth import get_user_model

from documents.errors import ContextBuildError, DocumentGenerationError, TemplateRenderError, TemplateValidationError
from documents.models import DocumentBatch, DocumentTemplate, GeneratedDocument, GenerationStatus
from documents.services import (
    document_batch_create,
    document_batch_generate,
    document_generate,
    document_template_create,
    document_template_version_create,
    free_variable_names,
)
from tests.documents.builders import docx_bytes, docx_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return get_user_model().objects.create_user("alex", "alex@example.com", "pw", first_name="Alex", last_name="Morgan")


def make_docx_template(user, *paragraphs: str, slug: str = "sow") -> DocumentTemplate:
    return document_template_create(
        name="Statement of Work",
        slug=slug,
        object_type="project",
        fmt="docx",
        user=user,
        kind=DocumentTemplate.Kind.STATEMENT_OF_WORK,
        docx_bytes=docx_bytes(*paragraphs),
        docx_filename="sow.docx",
    )


def test_editing_a_template_adds_a_version_and_keeps_the_old_one(user, project_builder):
    template = make_docx_template(user, "v1 {{ project.name }}")

    second = document_template_version_create(
        template=template, user=user, docx_bytes=docx_bytes("v2 {{ project.nme }}"), docx_filename="sow.docx"
    )

    template.refresh_from_db()
    assert [version.number for version in template.versions.all()] == [2, 1]
    assert template.current_version == second
    assert second.warnings == [
        "'project.nme' is not a known variable for project documents. Did you mean project.name?"
    ]
    first = template.versions.get(number=1)
    assert docx_text(first.docx_file.open("rb").read()) == "v1 {{ project.name }}"
    assert len(first.sha256) == 64 and first.sha256 != second.sha256


def test_saving_identical_content_adds_no_version(user, project_builder):
    template = make_docx_template(user, "{{ project.name }}")
    content = template.current_version.docx_file.open("rb").read()

    again = document_template_version_create(template=template, user=user, docx_bytes=content, docx_filename="x.docx")

    assert again == template.current_version
    assert template.versions.count() == 1


def test_refused_content_stores_nothing(user):
    with pytest.raises(TemplateValidationError):
        make_docx_template(user, "{% if %}")

    assert not DocumentTemplate.objects.exists()


def test_generated_document_records_the_version_and_the_file(user, project_builder, in_process_rendering):
    template = make_docx_template(user, "{{ project.name }} for {{ user.name }}: {{ inputs.scope }}")
    document_template_version_create(
        template=template,
        user=user,
        docx_bytes=docx_bytes("v2 {{ project.name }} {{ inputs.scope }}"),
        docx_filename="a.docx",
    )
    template.refresh_from_db()

    document = document_generate(
        template=template, record_ids=[12], fmt=None, user=user, free_variables={"scope": "Phase 1"}
    )

    assert document.status == GenerationStatus.SUCCEEDED
    assert document.template_version.number == 2
    assert document.record_ids == [12]
    assert document.format == "docx"
    assert document.free_variables == {"scope": "Phase 1"}
    assert document.render_ms is not None
    assert document.file.name.startswith("documents/generated/")
    assert "statement-of-work-project-12-" in document.file.name
    data = document.file.open("rb").read()
    assert document.size == len(data)
    assert docx_text(data) == "v2 Network refresh Phase 1"


def test_unfilled_free_variables_render_empty(user, project_builder, in_process_rendering):
    template = make_docx_template(user, "[{{ inputs.scope }}]")

    document = document_generate(template=template, record_ids=[12], fmt="docx", user=user)

    assert free_variable_names(version=template.current_version) == ["scope"]
    assert docx_text(document.file.open("rb").read()) == "[]"


def test_pdf_generation_through_the_isolated_worker(user, project_builder):
    template = document_template_create(
        name="Project brief",
        slug="brief",
        object_type="project",
        fmt="pdf",
        user=user,
        html_body="<h1>{{ project.name }}</h1>{{ charts.tickets_by_status }}",
        css="h1 { color: #036; }",
    )

    document = document_generate(template=template, record_ids=[13], fmt="pdf", user=user)

    assert document.status == GenerationStatus.SUCCEEDED
    assert document.file.open("rb").read().startswith(b"%PDF")


def test_render_failure_is_recorded_with_the_readable_message(user, project_builder, in_process_rendering):
    template = make_docx_template(user, "{{ project.nme }}")

    with pytest.raises(TemplateRenderError) as error:
        document_generate(template=template, record_ids=[12], fmt="docx", user=user)

    document = GeneratedDocument.objects.get()
    assert document.status == GenerationStatus.FAILED
    assert document.error_message == str(error.value)
    assert "'project.nme', which is not defined for a project. Did you mean project.name?" in document.error_message
    assert not document.file


def test_missing_context_builder_is_recorded_as_failed(user, in_process_rendering, no_project_builder):
    template = make_docx_template(user, "{{ user.name }}")

    with pytest.raises(ContextBuildError, match="no data source is registered for project records"):
        document_generate(template=template, record_ids=[12], fmt="docx", user=user)

    assert GeneratedDocument.objects.get().status == GenerationStatus.FAILED


def test_wrong_format_is_refused(user, project_builder):
    template = make_docx_template(user, "{{ project.name }}")

    with pytest.raises(DocumentGenerationError, match="produces DOCX documents, not PDF"):
        document_generate(template=template, record_ids=[12], fmt="pdf", user=user)


def test_builders_must_return_plain_data(user, in_process_rendering):
    from documents.contexts import context_builder_replaced

    template = make_docx_template(user, "{{ project }}")
    with (
        context_builder_replaced("project", lambda **kwargs: {"project": user}),
        pytest.raises(ContextBuildError, match=r"put a User at context.project"),
    ):
        document_generate(template=template, record_ids=[12], fmt="docx", user=user)


def test_batch_zips_one_document_per_record_and_counts_progress(
    user, project_builder, in_process_rendering, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *args, **kwargs: queued.append(args))
    template = make_docx_template(user, "{{ project.name }}{% if project.id == 99 %}{{ project.nope }}{% endif %}")

    with django_capture_on_commit_callbacks(execute=True):
        batch = document_batch_create(template=template, record_ids=[12, 13, 99, 12], fmt=None, user=user)

    assert queued == [("documents.tasks.generate_document_batch", batch.pk)]
    from documents.tasks import generate_document_batch

    generate_document_batch(batch.pk)

    batch.refresh_from_db()
    assert (batch.status, batch.total, batch.done, batch.failed) == (GenerationStatus.SUCCEEDED, 3, 2, 1)
    assert "Record 99: The template uses 'project.nope'" in batch.error
    archive = zipfile.ZipFile(io.BytesIO(batch.zip_file.open("rb").read()))
    names = sorted(archive.namelist())
    assert names[0] == "ERRORS.txt" and len(names) == 3
    texts = sorted(docx_text(archive.read(name)) for name in names[1:])
    assert texts == ["Cloud backup", "Network refresh"]
    assert batch.documents.count() == 3


def test_a_batch_is_processed_once(user, project_builder, in_process_rendering):
    template = make_docx_template(user, "{{ project.name }}")
    batch = DocumentBatch.objects.create(template=template, record_ids=[12], format="docx", total=1)

    document_batch_generate(batch_id=batch.pk)
    document_batch_generate(batch_id=batch.pk)

    assert GeneratedDocument.objects.count() == 1
