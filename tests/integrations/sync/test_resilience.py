"""A crash mid-sync loses nothing, throttling and 5xx bursts are ridden out, a 403 skips only its type."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from integrations import sync
from integrations.emulator import Emulator
from integrations.models import Member, SyncRun, SyncWatermark, TimeEntry

from .conftest import make_connection, run_sync, serve

pytestmark = pytest.mark.django_db

ENTRIES = "time/entries"


def fail_after_pages(monkeypatch, pages: int) -> None:
    """Make the (pages + 1)-th page write blow up, as a worker crash would."""
    calls = {"n": 0}
    real = sync.upsert_records

    def exploding(**kwargs):
        calls["n"] += 1
        if calls["n"] > pages:
            raise RuntimeError("worker crashed")
        return real(**kwargs)

    monkeypatch.setattr(sync, "upsert_records", exploding)


def test_a_crash_after_page_k_keeps_the_watermark_and_a_rerun_loses_nothing(psa, emulator, monkeypatch, settings):
    settings.PSA_SYNC_SAFETY_MARGIN_SECONDS = 0
    monkeypatch.setattr(sync, "PAGE_SIZE", 50)
    run_sync(psa, mode="full", types=["time_entries"])
    watermark = SyncWatermark.objects.get(connection=psa, object_type="time_entries").last_updated
    ids = emulator.store.ids(ENTRIES)
    changed = ids[::3]  # spread over every page
    for entry_id in changed:
        emulator.update_record(ENTRIES, entry_id, {"notes": f"edited {entry_id}"})
    template = {k: v for k, v in emulator.get_record(ENTRIES, ids[0]).items() if k not in ("id", "_info")}
    added = [emulator.add_record(ENTRIES, {**template, "notes": "added"})["id"] for _ in range(5)]
    fail_after_pages(monkeypatch, 2)

    with pytest.raises(RuntimeError, match="worker crashed"):
        run_sync(psa, types=["time_entries"])

    crashed = SyncRun.objects.order_by("-pk").first()
    assert crashed.status == SyncRun.Status.FAILED
    assert any("worker crashed" in e for e in crashed.errors)
    assert SyncWatermark.objects.get(connection=psa, object_type="time_entries").last_updated == watermark
    written = TimeEntry.objects.filter(connection=psa, data__notes__startswith="edited").count()
    assert 0 < written < len(changed)  # two pages made it, the rest did not

    monkeypatch.undo()
    settings.PSA_SYNC_SAFETY_MARGIN_SECONDS = 0
    rerun = run_sync(psa, types=["time_entries"])

    assert rerun.status == SyncRun.Status.SUCCEEDED
    assert rerun.type_results["time_entries"]["fetched"] == len(changed) + len(added)
    assert TimeEntry.objects.filter(connection=psa).count() == len(ids) + len(added)
    assert not TimeEntry.objects.values("psa_id").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert TimeEntry.objects.filter(connection=psa, data__notes__startswith="edited").count() == len(changed)
    assert SyncWatermark.objects.get(connection=psa, object_type="time_entries").last_updated > watermark


def test_a_stale_run_is_resumed_and_keeps_what_it_finished(psa, emulator):
    long_ago = timezone.now() - timedelta(hours=1)
    stale = SyncRun.objects.create(
        connection=psa,
        mode=SyncRun.Mode.FULL,
        object_types=["members", "companies", "company_sites", "company_notes"],
        status=SyncRun.Status.RUNNING,
        started_at=long_ago,
        heartbeat_at=long_ago,
        type_results={"members": {"status": "succeeded", "fetched": 99}},
    )

    run = run_sync(psa, mode="full", types=["companies"])

    assert run.pk == stale.pk and run.status == SyncRun.Status.SUCCEEDED
    assert run.type_results["members"]["fetched"] == 99  # not synced again
    assert not Member.objects.exists()
    assert run.type_results["companies"]["created"] == len(emulator.store.ids("company/companies"))
    assert any("Resumed" in e for e in run.errors)


def test_a_throttling_storm_is_ridden_out(psa, emulator):
    emulator.faults.configure(rate_limit_every=3, retry_after=2)

    run = run_sync(psa, mode="full", types=["companies", "tickets"])

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert run.retries > 0 and run.throttled_seconds >= 2 * run.retries
    assert emulator.stats.faults["rate_limited"] == run.retries


def test_server_error_bursts_are_ridden_out(psa, emulator):
    emulator.faults.configure(error_every=4, error_next=3, error_status=503)

    run = run_sync(psa, mode="full", types=["companies", "tickets"])

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert run.retries >= emulator.stats.faults["server_error"] > 3


def test_a_type_that_keeps_failing_is_reported_and_the_run_is_partial(psa, emulator):
    run_sync(psa, types=["members"])  # discovers the codebase, so the burst below hits the sync itself
    emulator.faults.configure(error_next=5, error_status=500)  # the client's 5 attempts at the first request

    run = run_sync(psa, mode="full", types=["members", "companies"])

    assert run.status == SyncRun.Status.PARTIAL
    assert run.type_results["members"]["status"] == "failed"
    assert "HTTP 500" in run.type_results["members"]["message"]
    assert run.type_results["companies"]["status"] == "succeeded"
    assert any(e.startswith("members:") for e in run.errors)


def test_a_403_skips_that_type_with_the_permission_and_syncs_the_rest(db):
    with serve(Emulator(seed=5, scale=60, denied_groups=["finance"])) as server:
        connection = make_connection(server.base_url)

        run = run_sync(connection, mode="full", types=["agreements", "invoices", "companies", "tickets"])

    assert run.status == SyncRun.Status.PARTIAL
    for key in ("agreements", "invoices"):
        result = run.type_results[key]
        assert result["status"] == "skipped"
        assert "Finance › " in result["message"] and "Inquire All" in result["message"], result["message"]
    assert run.type_results["agreement_additions"]["status"] == "skipped"
    assert run.type_results["companies"]["status"] == run.type_results["tickets"]["status"] == "succeeded"
    assert any("Finance" in e and "agreements" in e for e in run.errors)
    secrets = (connection.public_key, connection.private_key, connection.client_id)
    assert not any(secret in " ".join(run.errors) for secret in secrets)
