"""Sync status: runs with counts, errors with their fix, progress polling, and "Sync now" that only queues."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations.models import SyncRun

LACKS = "project tickets: skipped, the API member lacks Project › Project Tickets — Inquire All."


@pytest.fixture
def finished_run(connection) -> SyncRun:
    return SyncRun.objects.create(
        connection=connection,
        status=SyncRun.Status.PARTIAL,
        started_at=timezone.now(),
        finished_at=timezone.now(),
        type_results={"projects": {"status": "succeeded", "fetched": 40, "created": 38, "updated": 2, "deleted": 1}},
        object_types=["projects"],
        errors=[LACKS],
    )


def test_the_status_page_shows_counts_errors_and_the_fix(staff_client, finished_run):
    page = staff_client("portal.view_records").get(reverse("integrations:sync_status")).content.decode()
    assert "Acme MSP" in page and "Partial" in page
    assert "<td>38</td>" in page and "<td>2</td>" in page
    assert LACKS in page
    assert (
        "System › Security Roles, give the API member&#x27;s security role “Project › Project Tickets — Inquire All”"
        in page
    )
    assert "Sync now" not in page  # without run_syncs


def test_sync_now_queues_a_run_and_redirects_with_a_message(
    staff_client, connection, monkeypatch, django_capture_on_commit_callbacks
):
    queued: list[int] = []
    monkeypatch.setattr("integrations.sync._enqueue", queued.append)
    client = staff_client("portal.view_records", "portal.run_syncs")
    assert "Sync now" in client.get(reverse("integrations:sync_status")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("integrations:sync_now", args=[connection.pk]), follow=True)

    run = SyncRun.objects.get()
    assert queued == [run.pk]
    assert run.requested_by == "staff" and run.mode == "incremental"
    assert f"sync of Acme MSP queued (run #{run.pk})" in response.content.decode()
    assert reverse("integrations:sync_run_progress", args=[run.pk]) in response.content.decode()  # polled


def test_sync_now_says_when_a_sync_is_already_running(staff_client, connection, monkeypatch):
    monkeypatch.setattr("integrations.sync._enqueue", lambda run_id: None)
    started = timezone.now()
    running = SyncRun.objects.create(
        connection=connection, status=SyncRun.Status.RUNNING, started_at=started, heartbeat_at=started
    )
    client = staff_client("portal.run_syncs", "portal.view_records")

    response = client.post(reverse("integrations:sync_now", args=[connection.pk]), follow=True)

    assert SyncRun.objects.count() == 1
    page = response.content.decode()
    assert f"A sync of Acme MSP is already running (started {timezone.localtime(started):%Y-%m-%d %H:%M}" in page
    assert f"run #{running.pk}" in page


def test_sync_now_needs_the_run_syncs_permission(staff_client, connection):
    client = staff_client("portal.view_records")
    assert client.post(reverse("integrations:sync_now", args=[connection.pk])).status_code == 403
    assert not SyncRun.objects.exists()


def test_the_progress_endpoint_reports_the_running_type(staff_client, connection):
    run = SyncRun.objects.create(
        connection=connection,
        status=SyncRun.Status.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        object_types=["companies", "projects"],
        current_type="projects",
        pages_done=1,
        pages_expected=4,
        type_results={"companies": {"status": "succeeded", "created": 5}, "projects": {"status": "running"}},
    )
    data = staff_client("portal.view_records").get(reverse("integrations:sync_run_progress", args=[run.pk])).json()
    assert data["done"] is False
    assert 50 <= data["percent"] < 100
    assert data["label"] == "Syncing projects: page 1 of 4 · 1 of 2 types done"
