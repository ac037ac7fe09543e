"""Portal-side helper for the hardening scenarios: run as `python -m tests.hardening.probe <command> <json args>`.

The scenarios run the portal in subprocesses with their own DATABASE_URL (a worker cannot see pytest-django's test
database), so the test process asks this probe to act on, and read from, that database. It prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import timedelta
from typing import Any


def _setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    django.setup()


def prepare(base_url: str) -> dict[str, Any]:
    """A connection to the emulator; no schedules, so nothing but the scenario enqueues a sync."""
    from django_q.models import Schedule

    from integrations.emulator import DEFAULT_CLIENT_ID, DEFAULT_COMPANY_ID, DEFAULT_PRIVATE_KEY, DEFAULT_PUBLIC_KEY
    from integrations.models import Connection

    Schedule.objects.all().delete()
    connection = Connection.objects.create(
        name="Hardening",
        region=Connection.Region.CUSTOM,
        custom_url=base_url,
        company_id=DEFAULT_COMPANY_ID,
        public_key=DEFAULT_PUBLIC_KEY,
        private_key=DEFAULT_PRIVATE_KEY,
        client_id=DEFAULT_CLIENT_ID,
        is_default=True,
    )
    return {"connection": connection.pk}


def request(mode: str, types: list[str]) -> dict[str, Any]:
    """What the admin button and the schedule do: sync_request (enqueues to the worker once committed)."""
    from integrations.models import Connection
    from integrations.sync import sync_request

    run = sync_request(
        connection=Connection.objects.get(name="Hardening"), mode=mode, types=types, requested_by="hardening"
    )
    return {"run": run.pk, "status": run.status}


def _run_dict(run) -> dict[str, Any]:
    return {
        "run": run.pk,
        "status": run.status,
        "requested_by": run.requested_by,
        "type_results": run.type_results,
        "errors": run.errors,
        "requests": run.requests,
        "retries": run.retries,
        "throttled_seconds": run.throttled_seconds,
        "pages_done": run.pages_done,
        "current_type": run.current_type,
    }


def wait(run_id: int, timeout: float, until: str = "finished") -> dict[str, Any]:
    """Poll a run until it finishes (or, with until="paging", until it has written a page of tickets)."""
    from integrations.models import SyncRun

    deadline = time.monotonic() + timeout
    while True:
        run = SyncRun.objects.get(pk=run_id)
        if until == "finished" and not run.is_active:
            return _run_dict(run)
        if until == "paging" and run.current_type == "tickets":  # the ticket pages and their children are under way
            return _run_dict(run)
        if time.monotonic() > deadline:
            return {**_run_dict(run), "timed_out": True}
        time.sleep(0.2)


def sync(mode: str, types: list[str], timeout: float) -> dict[str, Any]:
    """request, then wait: one process start instead of two."""
    return wait(request(mode, types)["run"], timeout)


def runs() -> list[dict[str, Any]]:
    from integrations.models import SyncRun

    return [_run_dict(run) for run in SyncRun.objects.order_by("pk")]


def backdate(run_id: int, minutes: int) -> dict[str, Any]:
    """Age a run's heartbeat, as if its worker had been gone that long; report whether it now counts as stale."""
    from django.utils import timezone

    from integrations.models import SyncRun
    from integrations.sync import sync_run_is_stale

    SyncRun.objects.filter(pk=run_id).update(heartbeat_at=timezone.now() - timedelta(minutes=minutes))
    return {"stale": sync_run_is_stale(SyncRun.objects.get(pk=run_id))}


def state(types: list[str]) -> dict[str, Any]:
    """Live rows, duplicates and watermarks per object type (children included)."""
    from django.db.models import Count

    from integrations.models import SyncWatermark
    from integrations.object_types import object_types_resolve

    tables = {}
    for object_type in object_types_resolve(types):
        rows = object_type.model.objects
        duplicates = rows.values("connection", "psa_id").annotate(n=Count("id")).filter(n__gt=1).count()
        tables[object_type.key] = {
            "live": rows.filter(is_deleted=False).count(),
            "deleted": rows.filter(is_deleted=True).count(),
            "live_ids": sorted(rows.filter(is_deleted=False).values_list("psa_id", flat=True)),
            "duplicates": duplicates,
        }
    watermarks = {w.object_type: str(w.last_updated) for w in SyncWatermark.objects.all()}
    return {"tables": tables, "watermarks": watermarks}


def queue() -> dict[str, Any]:
    """What django-q2 stored: queued packages, finished tasks (successes and failures), as text."""
    from django_q.models import OrmQ, Task

    stored = [f"{t.func} {t.args!r} {t.kwargs!r} {t.result!r} {t.name}" for t in Task.objects.all()]
    queued = [f"{q.key} {q.payload}" for q in OrmQ.objects.all()]
    return {"tasks": stored, "queued": queued, "failures": Task.objects.filter(success=False).count()}


def value(type_key: str, psa_id: int, column: str) -> Any:
    """One cached column of one record, e.g. a ticket's summary after a reconciling sync."""
    from integrations.object_types import object_types_resolve

    model = object_types_resolve([type_key], include_children=False)[0].model
    row = model.objects.filter(psa_id=psa_id).values(column, "is_deleted").first()
    return row


# -- scale-out: many small tasks shared by two clusters ------------------------------------------------------------

SCALE_FUNC = "tests.hardening.probe.generate_one"


def generate_one(template_id: int, company_psa_id: int, n: int) -> dict[str, Any]:
    """The task the scale-out scenario enqueues 100 times: one document; which process (and session) ran it."""
    from documents.models import DocumentTemplate
    from documents.services import document_generate

    template = DocumentTemplate.objects.get(pk=template_id)
    document = document_generate(template=template, record_ids=[company_psa_id], fmt=None, user=None)
    return {"n": n, "document": document.pk, "pid": os.getpid(), "sid": os.getsid(0)}


def scale_enqueue(slug: str, count: int, types: list[str]) -> dict[str, Any]:
    """Enqueue `count` single-document generations (cycling over the synced companies) and one sync_request."""
    from django_q.tasks import async_task

    from documents.models import DocumentTemplate
    from integrations.object_types import object_types_resolve

    template = DocumentTemplate.objects.get(slug=slug)
    company = object_types_resolve(["companies"], include_children=False)[0].model
    ids = sorted(company.objects.filter(is_deleted=False).values_list("psa_id", flat=True))
    if not ids:
        raise RuntimeError("no synced companies to generate documents for")
    half = count // 2
    for n in range(half):
        async_task(SCALE_FUNC, template.pk, ids[n % len(ids)], n, task_name=f"scale-doc-{n}")
    run = request("full", types)  # the sync goes in amid the documents
    for n in range(half, count):
        async_task(SCALE_FUNC, template.pk, ids[n % len(ids)], n, task_name=f"scale-doc-{n}")
    return {"run": run["run"], "companies": len(ids), "template": template.pk}


def scale_status(run_id: int) -> dict[str, Any]:
    """Documents by status, the sync run, and every stored task of the scenario (results of the generations)."""
    from django.db.models import Count
    from django_q.models import Task

    from documents.models import GeneratedDocument
    from integrations.models import SyncRun

    documents = dict(GeneratedDocument.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    tasks = Task.objects.filter(func=SCALE_FUNC)
    return {
        "documents": documents,
        "run": _run_dict(SyncRun.objects.get(pk=run_id)),
        "results": [t.result for t in tasks.filter(success=True)],
        "failed": [f"{t.name}: {t.result}" for t in Task.objects.filter(success=False)],
        "sync_tasks": [(t.success, t.cluster) for t in Task.objects.filter(func="integrations.tasks.sync_run_task")],
        "attempts": sorted({t.attempt_count for t in tasks}),
    }


COMMANDS = {
    "value": value,
    "prepare": prepare,
    "request": request,
    "wait": wait,
    "sync": sync,
    "runs": runs,
    "backdate": backdate,
    "state": state,
    "queue": queue,
    "scale_enqueue": scale_enqueue,
    "scale_status": scale_status,
}

if __name__ == "__main__":
    _setup_django()
    command, *arguments = sys.argv[1:]
    print(json.dumps(COMMANDS[command](*(json.loads(a) for a in arguments)), default=str))
