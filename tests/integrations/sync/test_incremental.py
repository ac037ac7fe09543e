"""Incremental sync: only what changed since the watermark is fetched and written; children follow their parents."""

from __future__ import annotations

import pytest

from integrations.models import ServiceTicket, ServiceTicketNote, SyncRun, SyncWatermark
from integrations.object_types import OBJECT_TYPES

from .conftest import run_sync

pytestmark = pytest.mark.django_db

TICKETS = "service/tickets"


def ticket_ids(emulator, count: int) -> list[int]:
    ids = emulator.store.ids(TICKETS)
    return ids[:: len(ids) // count][:count]


def test_only_changed_and_added_records_are_fetched_and_written(psa, emulator, settings):
    settings.PSA_SYNC_SAFETY_MARGIN_SECONDS = 0  # exact counts; the margin has its own test
    run_sync(psa, mode="full")
    changed = ticket_ids(emulator, 3)
    for ticket_id in changed:
        emulator.update_record(TICKETS, ticket_id, {"summary": f"Changed {ticket_id}"})
    added = emulator.add_record(TICKETS, {"summary": "Brand new", "company": {"id": 1, "name": "x"}})
    note = emulator.add_record(f"{TICKETS}/notes", {"text": "new note"}, parent_id=changed[0])
    emulator.stats.reset()

    run = run_sync(psa)

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    tickets = run.type_results["tickets"]
    assert (tickets["fetched"], tickets["created"], tickets["updated"], tickets["unchanged"]) == (4, 1, 3, 0)
    notes = run.type_results["ticket_notes"]
    assert notes["created"] == 1 and notes["updated"] == 0
    assert ServiceTicketNote.objects.get(connection=psa, psa_id=note["id"]).ticket_psa_id == changed[0]
    assert ServiceTicket.objects.get(connection=psa, psa_id=changed[1]).summary == f"Changed {changed[1]}"
    assert ServiceTicket.objects.filter(connection=psa, psa_id=added["id"]).exists()
    # Every other type: one empty page (/count is asked only when a page is full); children only for the 4 tickets.
    by_path = emulator.stats.requests_by_path
    note_requests = sum(n for path, n in by_path.items() if path.endswith("/notes") and TICKETS in path)
    assert note_requests == 4
    assert emulator.stats.requests_total == run.requests
    top_level = [t for t in OBJECT_TYPES if not t.is_child]
    ticket_children = [t for t in OBJECT_TYPES if t.parent == "tickets"]
    assert run.requests == len(top_level) + 4 * len(ticket_children), dict(by_path)
    others = [r for key, r in run.type_results.items() if key not in ("tickets", "ticket_notes")]
    assert sum(r["created"] + r["updated"] for r in others) == 0


def test_nothing_changed_means_nothing_written(psa, emulator, settings):
    settings.PSA_SYNC_SAFETY_MARGIN_SECONDS = 0
    run_sync(psa, mode="full", types=["tickets"])
    before = SyncWatermark.objects.get(connection=psa, object_type="tickets").last_updated

    run = run_sync(psa, types=["tickets"])

    assert run.total("fetched") == 0 and run.total("created") + run.total("updated") == 0
    assert SyncWatermark.objects.get(connection=psa, object_type="tickets").last_updated == before


def test_records_at_the_watermark_boundary_are_not_lost(psa, emulator):
    """A record committed late with a timestamp at (or just before) the watermark is caught by the safety margin."""
    run_sync(psa, mode="full", types=["tickets"])
    first, late = ticket_ids(emulator, 2)
    stamp = emulator.update_record(TICKETS, first, {"summary": "first"})["_info"]["lastUpdated"]
    run_sync(psa, types=["tickets"])
    assert (
        SyncWatermark.objects.get(connection=psa, object_type="tickets").last_updated.strftime("%Y-%m-%dT%H:%M:%SZ")
        == stamp
    )
    record = emulator.update_record(TICKETS, late, {"summary": "late, same second"})
    record["_info"]["lastUpdated"] = stamp  # same timestamp as the watermark

    run = run_sync(psa, types=["tickets"])

    assert ServiceTicket.objects.get(connection=psa, psa_id=late).summary == "late, same second"
    assert run.type_results["tickets"]["updated"] == 1


def test_first_incremental_sync_loads_everything(psa, emulator):
    run = run_sync(psa, types=["companies"])

    assert run.type_results["companies"]["created"] == len(emulator.store.ids("company/companies"))
    assert SyncWatermark.objects.filter(connection=psa, object_type="companies").exists()
