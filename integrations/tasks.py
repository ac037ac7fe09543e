"""Thin django-q2 entry points for PSA syncs: they take ids only (never secrets) and call the sync services."""

from __future__ import annotations

import logging

from integrations.models import Connection, SyncRun
from integrations.sync import SyncAlreadyRunning, sync_request, sync_run_execute

logger = logging.getLogger(__name__)


def sync_run_task(run_id: int) -> str:
    """Carry out a queued sync run (or resume a stale one)."""
    try:
        run = sync_run_execute(run_id=run_id)
    except SyncAlreadyRunning as exc:
        return str(exc)  # a duplicate delivery while the run is alive: not an error
    return f"Sync run #{run.pk}: {run.status}"


def sync_connection_task(
    connection_id: int, mode: str = SyncRun.Mode.INCREMENTAL, types: list[str] | None = None
) -> str:
    """Queue a sync of one connection (returns the run already active, if any)."""
    connection = Connection.objects.get(pk=connection_id)
    run = sync_request(connection=connection, mode=mode, types=types, requested_by="schedule")
    return f"Sync run #{run.pk} of {connection.name}: {run.status}"


def sync_all_connections_task(mode: str = SyncRun.Mode.INCREMENTAL) -> str:
    """What the default schedules call: queue a sync of every active connection."""
    runs = [
        sync_request(connection=connection, mode=mode, requested_by="schedule")
        for connection in Connection.objects.filter(is_active=True)
    ]
    return ", ".join(f"#{run.pk} {run.connection.name} ({run.status})" for run in runs) or "no active connection"
