"""Pages fetched and prepared in a forked child process: the same rows as with a thread, errors and request
counters carried over to the run, and no process left behind, whichever way the sync ends."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from integrations import sync
from integrations.emulator import Emulator
from integrations.emulator.faults import FaultPlan
from integrations.models import Contact, SyncRun, SyncWatermark, TimeEntry

from .conftest import make_connection, psa_count, run_sync, serve

pytestmark = pytest.mark.django_db

ENTRIES = "time/entries"
ROW_FIELDS = ("psa_id", "data", "data_hash", "psa_last_updated", "is_deleted", "company_psa_id", "member_identifier")


def child_processes() -> set[int]:
    """Processes whose parent is this one (live or not yet reaped), read from /proc."""
    me = str(os.getpid())
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[1] == me:  # the field after the state is the parent's pid
            found.add(int(entry.name))
    return found


@pytest.fixture(autouse=True)
def _linux_only():
    if not hasattr(os, "fork") or not Path("/proc/self/stat").exists():
        pytest.skip("the fetching process needs fork and /proc")


def rows(model, connection) -> list[tuple]:
    fields = [f for f in ROW_FIELDS if f in {f.name for f in model._meta.concrete_fields}]
    return list(model.objects.filter(connection=connection).order_by("psa_id").values_list(*fields))


def test_the_fetching_process_writes_what_the_thread_writes_and_counts_every_request(emulator, settings, monkeypatch):
    monkeypatch.setattr(sync, "PAGE_SIZE", 40)  # several pages per type
    results = {}
    with serve(emulator) as server:
        for mode in (True, False):
            settings.PSA_SYNC_FETCH_PROCESS = mode
            connection = make_connection(server.base_url, name=f"mode {mode}")
            before = emulator.stats.requests_total
            run = run_sync(connection, mode="full", types=["contacts", "time_entries"], include_children=False)
            served = emulator.stats.requests_total - before
            assert run.status == SyncRun.Status.SUCCEEDED, run.errors
            assert run.requests == served  # the child's requests reach the run's counters
            assert run.type_results["time_entries"]["pages"] == -(-psa_count(emulator, ENTRIES) // 40)
            results[mode] = (rows(Contact, connection), rows(TimeEntry, connection))
    assert len(results[True][1]) == psa_count(emulator, ENTRIES)
    assert results[True] == results[False]


def test_a_403_raised_in_the_fetching_process_skips_only_its_type(db, settings):
    settings.PSA_SYNC_FETCH_PROCESS = True
    emulator = Emulator(seed=5, scale=60, denied_groups=["time"])
    before = child_processes()  # other tests' helpers (a rendering worker…) may be running
    with serve(emulator) as server:
        connection = make_connection(server.base_url)
        run = run_sync(connection, mode="full", types=["contacts", "time_entries"], include_children=False)
    assert run.status == SyncRun.Status.PARTIAL
    assert run.type_results["time_entries"]["status"] == "skipped"
    message = run.type_results["time_entries"]["message"]
    assert "Time & Expense › " in message and "Time Entry" in message, message  # the permission, by name
    assert Contact.objects.filter(connection=connection).count() == psa_count(emulator, "company/contacts")
    assert not TimeEntry.objects.filter(connection=connection).exists()
    assert child_processes() <= before  # nothing of this sync left running


def test_throttling_met_by_the_fetching_process_is_ridden_out_and_counted(db, settings, monkeypatch):
    settings.PSA_SYNC_FETCH_PROCESS = True
    monkeypatch.setattr(sync, "PAGE_SIZE", 25)
    emulator = Emulator(seed=6, scale=60, faults=FaultPlan(rate_limit_every=3, retry_after=1))
    with serve(emulator) as server:
        connection = make_connection(server.base_url)
        run = run_sync(connection, mode="full", types=["time_entries"], include_children=False)
    assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    throttled = emulator.stats.faults["rate_limited"]
    assert throttled > 0
    assert run.retries == throttled
    assert run.throttled_seconds == pytest.approx(throttled * 1.0)
    assert TimeEntry.objects.filter(connection=connection).count() == psa_count(emulator, ENTRIES)


def test_a_killed_fetching_process_fails_its_type_keeps_the_watermark_and_a_rerun_completes(
    psa, emulator, settings, monkeypatch
):
    settings.PSA_SYNC_FETCH_PROCESS = True
    monkeypatch.setattr(sync, "PAGE_SIZE", 30)
    parent = os.getpid()
    real = sync.prepare_records
    prepared = {"n": 0}

    def dies_on_the_third_page(payloads, key_columns):
        if os.getpid() != parent and payloads and "timeStart" in payloads[0]:  # time entries, in the child
            prepared["n"] += 1  # the child's own copy of the counter
            if prepared["n"] == 3:
                os.kill(os.getpid(), signal.SIGKILL)  # as the out-of-memory killer would
        return real(payloads, key_columns)

    monkeypatch.setattr(sync, "prepare_records", dies_on_the_third_page)
    before = child_processes()

    run = run_sync(psa, mode="full", types=["contacts", "time_entries"], include_children=False)

    entries = run.type_results["time_entries"]
    assert run.status == SyncRun.Status.PARTIAL
    assert entries["status"] == "failed"
    assert "killed (signal 9)" in entries["message"]
    assert any("killed" in e for e in run.errors)
    assert run.type_results["contacts"]["status"] == "succeeded"
    assert not SyncWatermark.objects.filter(connection=psa, object_type="time_entries").exists()
    assert 0 < TimeEntry.objects.filter(connection=psa).count() < psa_count(emulator, ENTRIES)
    assert child_processes() <= before  # reaped: no zombie, no orphan

    monkeypatch.undo()
    settings.PSA_SYNC_FETCH_PROCESS = True
    again = run_sync(psa, mode="full", types=["time_entries"], include_children=False)
    assert again.status == SyncRun.Status.SUCCEEDED, again.errors
    assert TimeEntry.objects.filter(connection=psa, is_deleted=False).count() == psa_count(emulator, ENTRIES)


def test_a_writer_that_stops_early_stops_the_fetching_process(psa, emulator, settings, monkeypatch):
    settings.PSA_SYNC_FETCH_PROCESS = True
    monkeypatch.setattr(sync, "PAGE_SIZE", 20)
    real = sync.upsert_records
    calls = {"n": 0}

    def crashing(**kwargs):
        calls["n"] += 1
        if calls["n"] > 1:
            raise RuntimeError("worker crashed")
        return real(**kwargs)

    monkeypatch.setattr(sync, "upsert_records", crashing)
    before = child_processes()
    with pytest.raises(RuntimeError, match="worker crashed"):
        run_sync(psa, mode="full", types=["time_entries"], include_children=False)
    assert child_processes() <= before
    assert TimeEntry.objects.filter(connection=psa).count() == 20
