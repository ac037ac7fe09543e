"""The generator: template, records, inputs, generate, preview, download; batches with progress; errors in words."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.urls import reverse
from docx import Document

from documents.models import DocumentBatch, GeneratedDocument
from documents.services import document_batch_generate


@pytest.fixture
def generator(staff_client):
    return staff_client("portal.generate_documents")


def test_the_template_chooser_searches_and_filters(generator, sow_template):
    url = reverse("documents:template_choose")
    assert "Statement of Work" in generator.get(url, {"q": "statement"}).content.decode()
    assert (
        "Statement of Work"
        in generator.get(url, {"kind": "statement_of_work", "object_type": "project"}).content.decode()
    )
    assert "Statement of Work" not in generator.get(url, {"object_type": "service_ticket"}).content.decode()


def test_the_picker_keeps_the_selection_across_pages_and_searches(generator, sow_template, make_projects):
    projects = make_projects(30)
    url = reverse("documents:record_pick", args=[sow_template.slug])

    page = generator.get(
        url, {"selected": [projects[0].psa_id, projects[29].psa_id], "q": "Project 02"}
    ).content.decode()

    assert f'name="selected" value="{projects[29].psa_id}"' in page  # off this page: carried as a hidden input
    assert "<span data-selected-count>2</span>" in page
    assert 'formaction="/documents/new/statement-of-work/generate/"' in page


def test_select_all_matching_selects_every_filtered_record(generator, sow_template, make_projects):
    make_projects(30)
    url = reverse("documents:record_pick", args=[sow_template.slug])
    page = generator.get(url, {"state": "closed", "select_all": "1"}).content.decode()
    assert "<span data-selected-count>10</span>" in page


def test_generating_one_document_shows_its_outline_and_downloads_it(generator, sow_template, make_projects):
    project = make_projects(1)[0]
    url = reverse("documents:generate", args=[sow_template.slug])
    form = generator.get(url, {"selected": project.psa_id}).content.decode()
    assert 'name="input_scope"' in form  # the template's free variable

    response = generator.post(url, {"records": str(project.psa_id), "input_scope": "Replace the core switches"})

    document = GeneratedDocument.objects.get()
    assert response.status_code == 302 and response.url == reverse("documents:document_detail", args=[document.pk])
    preview = generator.get(response.url).content.decode()
    assert 'aria-level="2">Statement of Work<' in preview
    assert "Project: Network refresh for Contoso Ltd" in preview
    assert "<td>Build</td><td>12</td>" in preview
    download = generator.get(reverse("documents:document_download", args=[document.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    text = "\n".join(p.text for p in Document(io.BytesIO(b"".join(download.streaming_content))).paragraphs)
    assert "Replace the core switches" in text


def test_a_record_gone_from_the_psa_is_explained_on_the_page(generator, sow_template, make_projects):
    project = make_projects(1)[0]
    project.is_deleted = True
    project.save()

    response = generator.post(reverse("documents:generate", args=[sow_template.slug]), {"records": str(project.psa_id)})

    assert response.status_code == 200
    page = response.content.decode()
    assert "is no longer in ConnectWise: pick another project" in page
    assert "Traceback" not in page


def test_a_template_error_is_shown_in_words(generator, sow_template, make_projects, monkeypatch):
    from documents.errors import TemplateRenderError

    def refuse(**kwargs):
        raise TemplateRenderError(
            "The template uses “project.budget”, which projects do not have: fix it in the admin."
        )

    monkeypatch.setattr("documents.services.template_version_render", refuse)
    project = make_projects(1)[0]

    response = generator.post(reverse("documents:generate", args=[sow_template.slug]), {"records": str(project.psa_id)})

    assert response.status_code == 200
    assert "which projects do not have: fix it in the admin" in response.content.decode()
    assert GeneratedDocument.objects.get().status == "failed"  # the attempt stays in the history


def test_many_records_one_per_record_become_a_background_batch(
    generator, sow_template, make_projects, django_capture_on_commit_callbacks, monkeypatch
):
    projects = make_projects(3)
    queued: list[int] = []
    monkeypatch.setattr("documents.services._enqueue_batch", queued.append)
    ids = ",".join(str(p.psa_id) for p in projects)

    with django_capture_on_commit_callbacks(execute=True):
        response = generator.post(
            reverse("documents:generate", args=[sow_template.slug]), {"records": ids, "mode": "per_record"}
        )

    batch = DocumentBatch.objects.get()
    assert queued == [batch.pk]  # the view only queues
    assert response.url == reverse("documents:batch_detail", args=[batch.pk])
    progress_url = reverse("documents:batch_progress", args=[batch.pk])
    assert generator.get(progress_url).json()["done"] is False
    assert f'data-progress-url="{progress_url}"' in generator.get(response.url).content.decode()

    document_batch_generate(batch_id=batch.pk)  # what the worker does

    progress = generator.get(progress_url).json()
    assert progress["done"] is True and progress["percent"] == 100 and progress["done"] is True
    archive = zipfile.ZipFile(io.BytesIO(b"".join(generator.get(progress["download_url"]).streaming_content)))
    assert len(archive.namelist()) == 3


def test_combined_mode_makes_one_document_for_all_records(generator, sow_template, make_projects):
    projects = make_projects(2)
    ids = ",".join(str(p.psa_id) for p in projects)
    generator.post(reverse("documents:generate", args=[sow_template.slug]), {"records": ids, "mode": "combined"})
    assert GeneratedDocument.objects.get().record_ids == [p.psa_id for p in projects]


def test_pdf_documents_are_previewed_inline_in_a_same_origin_frame(client, make_user, project_builder, make_projects):
    from documents.services import document_generate, document_template_create

    user = make_user("pdf", "portal.generate_documents")
    client.force_login(user)
    template = document_template_create(
        name="Brief",
        slug="brief",
        object_type="project",
        fmt="pdf",
        user=None,
        html_body="<h1>{{ project.name }}</h1>",
    )
    project = make_projects(1)[0]
    document = document_generate(template=template, record_ids=[project.psa_id], fmt=None, user=user)

    page = client.get(reverse("documents:document_detail", args=[document.pk])).content.decode()
    inline = client.get(reverse("documents:document_inline", args=[document.pk]))

    assert f'src="/documents/{document.pk}/inline/"' in page
    assert inline["Content-Type"] == "application/pdf"
    assert inline["X-Frame-Options"] == "SAMEORIGIN"
    assert not inline["Content-Disposition"].startswith("attachment")
