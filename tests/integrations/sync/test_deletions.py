"""Full sync reconciles deletions (marked, never dropped) behind a mass-delete guard."""

from __future__ import annotations

import pytest

from integrations.models import Company, CompanySite, ServiceTicket, ServiceTicketNote, SyncRun

from .conftest import run_sync

pytestmark = pytest.mark.django_db


def test_records_gone_from_the_psa_are_marked_deleted(psa, emulator):
    run_sync(psa, mode="full", types=["tickets"])
    ticket_ids = emulator.store.ids("service/tickets")
    gone = [ticket_ids[0], ticket_ids[len(ticket_ids) // 2], ticket_ids[-1]]  # first, middle and last page edges
    parent_with_notes = next(t for t in ticket_ids if t not in gone and emulator.store.ids("service/tickets/notes", t))
    gone_note = emulator.store.ids("service/tickets/notes", parent_with_notes)[0]
    notes_of_gone = ServiceTicketNote.objects.filter(connection=psa, ticket_psa_id__in=gone).count()
    for ticket_id in gone:
        emulator.delete_record("service/tickets", ticket_id)
    emulator.delete_record("service/tickets/notes", gone_note)

    run = run_sync(psa, mode="full", types=["tickets"])

    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    assert run.type_results["tickets"]["deleted"] == 3
    assert set(ServiceTicket.objects.filter(connection=psa, is_deleted=True).values_list("psa_id", flat=True)) == set(
        gone
    )
    assert ServiceTicket.objects.filter(connection=psa, is_deleted=False).count() == len(ticket_ids) - 3
    assert ServiceTicketNote.objects.get(connection=psa, psa_id=gone_note).is_deleted
    assert run.type_results["ticket_notes"]["deleted"] == notes_of_gone + 1
    assert not ServiceTicketNote.objects.filter(connection=psa, ticket_psa_id__in=gone, is_deleted=False).exists()


def test_incremental_sync_never_marks_parents_deleted(psa, emulator):
    run_sync(psa, mode="full", types=["companies"])
    emulator.delete_record("company/companies", emulator.store.ids("company/companies")[0])

    run = run_sync(psa, types=["companies"])

    assert run.type_results["companies"]["deleted"] == 0
    assert not Company.objects.filter(connection=psa, is_deleted=True).exists()


def test_mass_deletion_trips_the_guard_unless_forced(psa, emulator):
    run_sync(psa, mode="full", types=["companies"])
    company_ids = emulator.store.ids("company/companies")
    doomed = company_ids[: len(company_ids) // 3]
    for company_id in doomed:
        emulator.delete_record("company/companies", company_id)

    guarded = run_sync(psa, mode="full", types=["companies"])

    assert guarded.status == SyncRun.Status.PARTIAL
    assert guarded.type_results["companies"]["skipped"] == len(doomed)
    assert any("mass-delete guard" in error and "--force" in error for error in guarded.errors)
    assert not Company.objects.filter(connection=psa, is_deleted=True).exists()

    forced = run_sync(psa, mode="full", types=["companies"], force=True)

    assert forced.status == SyncRun.Status.SUCCEEDED
    assert forced.type_results["companies"]["deleted"] == len(doomed)
    assert Company.objects.filter(connection=psa, is_deleted=True).count() == len(doomed)
    assert not CompanySite.objects.filter(connection=psa, company_psa_id__in=doomed, is_deleted=False).exists()


def test_a_record_that_comes_back_is_revived(psa, emulator):
    run_sync(psa, mode="full", types=["companies"])
    company = Company.objects.filter(connection=psa).first()
    Company.objects.filter(pk=company.pk).update(is_deleted=True)

    run = run_sync(psa, mode="full", types=["companies"])

    assert run.type_results["companies"]["updated"] == 1
    assert not Company.objects.get(pk=company.pk).is_deleted
