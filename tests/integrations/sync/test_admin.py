"""Admin: read-only cache tables without N+1, Sync now queues a run and shows it, run pages show counts and errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations import sync
from integrations.models import SyncRun
from integrations.object_types import OBJECT_TYPES

from .conftest import run_sync

pytestmark = pytest.mark.django_db


def test_every_cache_table_lists_searches_and_shows_a_row(
    admin_client_logged_in, shared_psa, django_assert_max_num_queries
):
    run_sync(shared_psa, mode="full", types=["companies", "tickets", "time_entries", "opportunities"])
    for model in dict.fromkeys(t.model for t in OBJECT_TYPES):
        url = reverse(f"admin:integrations_{model._meta.model_name}_changelist")
        with django_assert_max_num_queries(15):  # constant, whatever the number of rows
            response = admin_client_logged_in.get(url)
        assert response.status_code == 200, model
        assert admin_client_logged_in.get(url, {"q": "a"}).status_code == 200
        row = model.objects.first()
        if row is not None:
            detail = admin_client_logged_in.get(
                reverse(f"admin:integrations_{model._meta.model_name}_change", args=[row.pk])
            )
            assert detail.status_code == 200 and b"PSA payload" in detail.content


def test_sync_now_queues_a_run_and_points_to_it(
    admin_client_logged_in, connection, monkeypatch, django_capture_on_commit_callbacks
):
    enqueued: list[int] = []
    monkeypatch.setattr(sync, "_enqueue", enqueued.append)
    page = admin_client_logged_in.get(reverse("admin:integrations_connection_change", args=[connection.pk]))
    assert b"Sync now" in page.content

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_logged_in.post(reverse("admin:integrations_connection_sync", args=[connection.pk]))

    run = SyncRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:integrations_syncrun_change", args=[run.pk])
    assert enqueued == [run.pk] and run.requested_by == "root"
    again = admin_client_logged_in.post(
        reverse("admin:integrations_connection_sync", args=[connection.pk]), follow=True
    )
    assert b"already running" in again.content
    assert SyncRun.objects.count() == 1


def test_sync_run_pages_show_counts_and_errors(admin_client_logged_in, shared_psa):
    run = run_sync(shared_psa, mode="full", types=["companies"])
    SyncRun.objects.filter(pk=run.pk).update(errors=["companies: something to act on"])

    listing = admin_client_logged_in.get(reverse("admin:integrations_syncrun_changelist"))
    detail = admin_client_logged_in.get(reverse("admin:integrations_syncrun_change", args=[run.pk]))

    assert listing.status_code == 200 and b"succeeded" in listing.content
    assert detail.status_code == 200
    assert b"company sites" in detail.content and b"something to act on" in detail.content
