"""One sync per connection at a time: the partial unique constraint is the lock, for threads and processes alike."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection as db_connection
from django.utils import timezone

from integrations import sync
from integrations.models import SyncRun
from integrations.services import build_client
from integrations.sync import SyncAlreadyRunning, sync_connection, sync_request

from .conftest import make_connection, no_sleep, run_sync

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.django_db
def test_a_second_sync_is_told_one_is_already_running(psa):
    running = SyncRun.objects.create(
        connection=psa, status=SyncRun.Status.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )

    with pytest.raises(SyncAlreadyRunning, match=r"already running \(started .* run #\d+\)") as caught:
        run_sync(psa)

    assert caught.value.run == running
    assert SyncRun.objects.count() == 1


@pytest.mark.django_db
def test_sync_request_queues_once_and_then_returns_the_active_run(psa, monkeypatch, django_capture_on_commit_callbacks):
    enqueued: list[int] = []
    monkeypatch.setattr(sync, "_enqueue", enqueued.append)

    with django_capture_on_commit_callbacks(execute=True):
        first = sync_request(connection=psa, mode="full", types=["tickets"], requested_by="alice")
    with django_capture_on_commit_callbacks(execute=True):
        second = sync_request(connection=psa, requested_by="bob")

    assert first.status == SyncRun.Status.QUEUED and first.mode == "full"
    assert "tickets" in first.object_types and "ticket_notes" in first.object_types
    assert second.pk == first.pk
    assert enqueued == [first.pk]


@pytest.mark.django_db
def test_a_stale_queued_run_is_enqueued_again(psa, monkeypatch, django_capture_on_commit_callbacks):
    enqueued: list[int] = []
    monkeypatch.setattr(sync, "_enqueue", enqueued.append)
    stale = SyncRun.objects.create(connection=psa, heartbeat_at=timezone.now() - timedelta(hours=2))

    with django_capture_on_commit_callbacks(execute=True):
        run = sync_request(connection=psa)

    assert run.pk == stale.pk and enqueued == [stale.pk]


@pytest.mark.django_db
def test_the_task_carries_out_a_queued_run(psa, shared_emulator, monkeypatch):
    from integrations import tasks

    monkeypatch.setattr(sync, "_enqueue", lambda run_id: None)
    run = sync_request(connection=psa, types=["members"])
    real_build = build_client
    monkeypatch.setattr("integrations.services.build_client", lambda c, **kw: real_build(c, sleep=no_sleep, **kw))

    outcome = tasks.sync_run_task(run.pk)

    run.refresh_from_db()
    assert outcome == f"Sync run #{run.pk}: succeeded" and run.status == SyncRun.Status.SUCCEEDED
    assert tasks.sync_run_task(run.pk) == f"Sync run #{run.pk}: succeeded"  # a duplicate delivery does nothing


@pytest.mark.django_db
def test_default_schedules_exist():
    from django_q.models import Schedule

    funcs = dict(Schedule.objects.values_list("name", "args"))
    assert funcs == {"PSA sync: incremental (every 15 min)": "'incremental'", "PSA sync: full (nightly)": "'full'"}
    assert Schedule.objects.get(name__contains="incremental").minutes == 15


@pytest.mark.skipif(
    "sqlite" in settings.DATABASES["default"]["ENGINE"],
    reason="in-memory shared-cache SQLite reports table locks instead of waiting; the process test covers SQLite",
)
@pytest.mark.django_db(transaction=True)
def test_two_threads_syncing_at_once_exactly_one_runs(own_emulator):
    emulator, base_url = own_emulator
    emulator.faults.configure(latency_ms=10)  # the first sync is still running when the second one asks
    connection = make_connection(base_url, name="Concurrent")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt() -> None:
        try:
            barrier.wait()
            client = build_client(connection, sleep=no_sleep)
            run = sync_connection(connection=connection, types=["companies"], client=client)
            outcomes.append(run.status)
        except SyncAlreadyRunning:
            outcomes.append("refused")
        finally:
            db_connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused", "succeeded"]
    assert SyncRun.objects.filter(connection=connection).count() == 1


def test_two_worker_processes_on_one_sqlite_file_exactly_one_runs(own_emulator, tmp_path):
    """Two `sync_psa` processes against one SQLite file (WAL, as deployed): one syncs, the other is refused."""
    from integrations.emulator import DEFAULT_CLIENT_ID, DEFAULT_COMPANY_ID, DEFAULT_PRIVATE_KEY, DEFAULT_PUBLIC_KEY

    emulator, base_url = own_emulator
    emulator.faults.configure(latency_ms=20)  # the first sync is still running when the second one asks
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'workers.sqlite3'}",
        "REDIS_URL": "",
        "SECRET_KEY": "two-workers-test-secret-key-0123456789abcdefghij",
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "LOG_LEVEL": "ERROR",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run(
        [*manage, "psa_connection", "add", "--name", "Workers", "--site", base_url, "--company-id", DEFAULT_COMPANY_ID,
         "--public-key", DEFAULT_PUBLIC_KEY, "--private-key", DEFAULT_PRIVATE_KEY, "--client-id", DEFAULT_CLIENT_ID],
        env=env, check=True, cwd=ROOT, capture_output=True,
    )  # fmt: skip

    sync_command = [*manage, "sync_psa", "--connection", "Workers", "--only", "companies"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    workers = [subprocess.Popen(sync_command, env=env, cwd=ROOT, **pipes) for _ in range(2)]
    outcomes = [(worker.wait(timeout=60), worker.stderr.read()) for worker in workers]

    assert sorted(code for code, _ in outcomes) == [0, 1], outcomes
    refused = next(err for code, err in outcomes if code)
    assert "already running (started" in refused
