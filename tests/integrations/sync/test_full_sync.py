"""Full sync against the emulator: every type lands in its table, rows hold the PSA payloads, the command reports."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from integrations.models import Company, ServiceTicket, ServiceTicketNote, SyncRun, SyncWatermark, TimeEntry
from integrations.object_types import OBJECT_TYPES
from integrations.services import build_client
from integrations.sync import sync_summary

from .conftest import make_connection, no_sleep, run_sync, serve

pytestmark = pytest.mark.django_db


def emulator_total(client, object_type, parent_ids) -> int:
    """What the PSA itself says via /count (children: summed over their parents)."""
    if not object_type.is_child:
        return client.count(object_type.endpoint_for())
    if object_type.records_from is not None:  # the forecast endpoint counts containers, so count the items
        return sum(len(object_type.records_from(client.get(object_type.endpoint_for(p)))) for p in parent_ids)
    return sum(client.count(object_type.endpoint_for(p)) for p in parent_ids)


def test_full_sync_caches_every_type_with_the_psa_counts(shared_psa):
    run = run_sync(shared_psa, mode="full")

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    client = build_client(shared_psa, sleep=no_sleep)
    for object_type in OBJECT_TYPES:
        parent_ids = []
        if object_type.is_child:
            parent_model = next(t.model for t in OBJECT_TYPES if t.key == object_type.parent)
            parent_ids = list(parent_model.objects.filter(connection=shared_psa).values_list("psa_id", flat=True))
        cached = object_type.model.objects.filter(connection=shared_psa, is_deleted=False)
        assert cached.count() == emulator_total(client, object_type, parent_ids), object_type.key
        assert run.type_results[object_type.key]["status"] == "succeeded"
    assert run.total("created") == run.total("fetched") > 2000


def test_cached_rows_equal_the_psa_payloads(shared_psa):
    run_sync(shared_psa, mode="full", types=["tickets", "companies", "time_entries"])
    client = build_client(shared_psa, sleep=no_sleep)

    for model, endpoint in ((ServiceTicket, "/service/tickets"), (Company, "/company/companies")):
        rows = list(model.objects.filter(connection=shared_psa).order_by("psa_id"))
        for row in rows[:: max(1, len(rows) // 7)]:
            assert row.data == client.get(f"{endpoint}/{row.psa_id}")
    ticket = ServiceTicket.objects.filter(connection=shared_psa).exclude(company_psa_id=None).first()
    assert ticket.summary == ticket.data["summary"][:255]
    assert ticket.company_psa_id == ticket.data["company"]["id"]
    assert ticket.status_name == ticket.data["status"]["name"]
    assert ticket.psa_last_updated is not None
    note = ServiceTicketNote.objects.filter(connection=shared_psa).first()
    assert note.data == client.get(f"/service/tickets/{note.ticket_psa_id}/notes/{note.psa_id}")
    assert TimeEntry.objects.filter(connection=shared_psa).exclude(member_identifier="").exists()


def test_a_second_full_sync_rewrites_nothing_and_sets_watermarks(shared_psa):
    run_sync(shared_psa, mode="full", types=["companies"])
    again = run_sync(shared_psa, mode="full", types=["companies"])

    result = again.type_results["companies"]
    assert (result["created"], result["updated"], result["deleted"]) == (0, 0, 0)
    assert result["unchanged"] == result["fetched"] > 0
    watermark = SyncWatermark.objects.get(connection=shared_psa, object_type="companies")
    newest = Company.objects.filter(connection=shared_psa).order_by("-psa_last_updated").first().psa_last_updated
    assert watermark.last_updated == newest and watermark.last_full_sync_at is not None
    assert [row["type"] for row in sync_summary(again)] == ["companies", "company_sites", "company_notes"]


def test_sync_psa_command_prints_progress_and_a_summary(shared_psa):
    out = io.StringIO()
    call_command("sync_psa", connection=shared_psa.name, full=True, only="companies,contacts", stdout=out)

    text = out.getvalue()
    assert "Full sync of Emulator" in text
    assert "companies: page 1/1" in text
    assert "company_sites" in text and "contacts" in text and "total" in text
    assert SyncRun.objects.get().status == SyncRun.Status.SUCCEEDED


def test_sync_psa_command_fails_when_a_type_is_skipped():
    from integrations.emulator import Emulator

    with serve(Emulator(seed=3, scale=50, denied_groups=["finance"])) as server:
        connection = make_connection(server.base_url)
        with pytest.raises(CommandError, match="partial"):
            call_command("sync_psa", connection=connection.name, only="invoices,members", stdout=io.StringIO())


def test_sync_psa_command_refuses_an_unknown_type(shared_psa):
    with pytest.raises(CommandError, match="Unknown object type 'tickts'"):
        call_command("sync_psa", connection=shared_psa.name, only="tickts", stdout=io.StringIO())
