"""End to end in Chromium: log in, generate a Statement of Work from synced demo data, run a batch, run a sync."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from django.urls import reverse
from docx import Document

from documents.models import DocumentBatch, DocumentTemplate
from documents.services import document_template_create
from integrations.cache_models import Project
from integrations.emulator import Emulator
from integrations.models import Connection, SyncRun
from tests.integrations.sync.conftest import make_connection, run_sync, serve
from tests.staff.conftest import ALL_PORTAL_PERMISSIONS, grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def sow_docx() -> bytes:
    document = Document()
    document.add_heading("Statement of Work", level=1)
    document.add_paragraph("Project: {{ project.name }}")
    document.add_heading("Scope", level=2)
    document.add_paragraph("{{ inputs.scope }}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def emulator_url() -> Iterator[str]:
    with serve(Emulator(seed=42, scale="demo")) as server:
        yield server.base_url


@pytest.fixture
def tasks_inline(monkeypatch, settings, tmp_path):
    """django-q2 in sync mode: async_task runs inside the request that queues it (the live server's thread)."""
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def user(django_user_model):
    person = django_user_model.objects.create_user("dana", "dana@example.com", PASSWORD, is_staff=True)
    return grant(person, *ALL_PORTAL_PERMISSIONS)


@pytest.fixture
def synced(emulator_url) -> Connection:
    connection = make_connection(emulator_url, name="Demo tenant")
    connection.is_default = True
    connection.save()
    run = run_sync(connection, mode="full")
    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    return connection


@pytest.fixture
def sow_template(db) -> DocumentTemplate:
    return document_template_create(
        name="Statement of Work",
        slug="statement-of-work",
        object_type="project",
        fmt="docx",
        kind=DocumentTemplate.Kind.STATEMENT_OF_WORK,
        user=None,
        docx_bytes=sow_docx(),
        docx_filename="sow.docx",
    )


def log_in(page, live_server, next_path: str = "/") -> None:
    page.goto(f"{live_server.url}{next_path}")
    assert "/login/" in page.url  # anonymous visitors land on the login page
    page.fill("input[name=username]", "dana")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(next_path) + "$"))


def test_generate_a_statement_of_work_and_download_it(page, live_server, tasks_inline, user, synced, sow_template):
    project = Project.objects.filter(connection=synced, is_deleted=False).order_by("psa_id").first()
    log_in(page, live_server)

    page.click("text=New document")
    page.select_option("select[name=kind]", "statement_of_work")
    page.click("button:has-text('Search')")
    page.click("a:has-text('Statement of Work')")
    page.fill("input[name=q]", project.name)
    page.click("button:has-text('Search')")
    page.check(f"input[name=selected][value='{project.psa_id}']")
    page.click("button:has-text('Continue with the selected')")
    page.fill("textarea[name=input_scope], input[name=input_scope]", "Segment the office network into VLANs.")
    page.get_by_role("button", name="Generate", exact=True).click()

    page.wait_for_selector(".outline")
    assert page.locator(".outline").inner_text().startswith("Statement of Work")
    assert f"Project: {project.name}" in page.locator(".outline").inner_text()
    with page.expect_download() as download_info:
        page.click("a:has-text('Download')")
    path = download_info.value.path()
    text = "\n".join(p.text for p in Document(path).paragraphs)
    assert f"Project: {project.name}" in text
    assert "Segment the office network into VLANs." in text
    assert download_info.value.suggested_filename.endswith(".docx")


def test_run_a_batch_and_watch_it_finish(page, live_server, tasks_inline, user, synced, sow_template):
    log_in(page, live_server, reverse("documents:record_pick", args=[sow_template.slug]))

    page.click("button:has-text('Select all matching')")
    page.click("button:has-text('Continue with the selected')")
    page.check("input[name=mode][value=per_record]")
    page.get_by_role("button", name="Generate", exact=True).click()

    page.wait_for_selector("text=Download the zip")
    batch = DocumentBatch.objects.get()
    assert batch.status == "succeeded" and batch.done == batch.total == Project.objects.filter(is_deleted=False).count()
    with page.expect_download() as download_info:
        page.click("text=Download the zip")
    assert download_info.value.suggested_filename.endswith(".zip")


def test_trigger_a_sync_and_see_its_result(page, live_server, tasks_inline, user, emulator_url):
    connection = make_connection(emulator_url, name="Demo tenant")
    log_in(page, live_server, reverse("integrations:sync_status"))
    assert "Never synced yet" in page.content()

    page.click("button:has-text('Sync now')")

    page.wait_for_selector(".message.success")
    assert "sync of Demo tenant queued" in page.locator(".message.success").inner_text()
    run = SyncRun.objects.get(connection=connection)
    assert run.status == SyncRun.Status.SUCCEEDED
    row = page.locator(f"tr:has-text('#{run.pk}')")
    assert "Succeeded" in row.inner_text()
    assert str(run.total("created")) in row.inner_text()
