"""Sync PSA records into the cache tables: fetch pages, map, bulk upsert; incremental by watermark; reconcile deletions.

The shape, per object type: load a page from the PSA, diff it against the cache by payload hash, apply the new and
changed rows in one transaction, then refresh the children (notes, sites, phases…) of the parents on that page.
The type's watermark moves only once every page of the type has committed, so a crash never skips a record.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from integrations.cache import PreparedPage, UpsertCounts, prepare_records, upsert_records
from integrations.connectwise.client import ConnectWiseClient
from integrations.connectwise.conditions import compare
from integrations.connectwise.errors import ConnectWiseError, PermissionDenied
from integrations.models import Connection, SyncRun, SyncWatermark
from integrations.object_types import ObjectType, object_types_resolve
from integrations.pipeline import FetchProcessDied, pipelined
from integrations.sqlite_wal import WalCheckpointer, wal_checkpoints_in_background

logger = logging.getLogger(__name__)

PAGE_SIZE = 1000
_ID_CHUNK = 900  # ids per `IN (...)` when marking deletions


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def safety_margin() -> timedelta:
    """How far before the watermark an incremental sync looks again (PSA clocks and commit order are not exact)."""
    return timedelta(seconds=int(_setting("PSA_SYNC_SAFETY_MARGIN_SECONDS", 300)))


def mass_delete_share() -> float:
    """Above this share of a table's live rows, a full sync refuses to mark deletions unless forced."""
    return float(_setting("PSA_SYNC_MASS_DELETE_SHARE", 0.2))


def stale_after() -> timedelta:
    """A run whose heartbeat is older than this is taken to belong to a worker that died."""
    return timedelta(minutes=int(_setting("PSA_SYNC_STALE_MINUTES", 10)))


class SyncAlreadyRunning(Exception):
    """Another sync of the same connection is queued or running; `run` is that sync."""

    def __init__(self, run: SyncRun) -> None:
        self.run = run
        started = run.started_at or run.created_at
        super().__init__(
            f"A sync of {run.connection} is already running (started {started:%Y-%m-%d %H:%M:%S} UTC, run #{run.pk}); "
            "wait for it to finish."
        )


class SyncLost(Exception):
    """This worker's claim on the run was taken over (its heartbeat went stale); it stops without writing more."""


# ------------------------------------------------------------------------------------------------ results


@dataclass
class TypeResult:
    """What a sync did for one object type; stored in SyncRun.type_results."""

    status: str = "pending"  # pending, running, succeeded, skipped, failed
    fetched: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0  # deletions the mass-delete guard refused to mark
    pages: int = 0
    write_seconds: float = 0.0  # time spent writing to the database (the rest is waiting for the PSA)
    message: str = ""

    def add(self, counts: UpsertCounts) -> None:
        self.created += counts.created
        self.updated += counts.updated
        self.unchanged += counts.unchanged


DONE = ("succeeded", "skipped")
ProgressCallback = Callable[[SyncRun, str, TypeResult], None]


# ------------------------------------------------------------------------------------------------ public services


def sync_run_create(
    *,
    connection: Connection,
    mode: str = SyncRun.Mode.INCREMENTAL,
    types: list[str] | None = None,
    requested_by: str = "",
    force: bool = False,
    include_children: bool = True,
) -> tuple[SyncRun, bool]:
    """A new queued run, or (existing active run, False): the partial unique constraint makes the check race-free."""
    keys = [t.key for t in object_types_resolve(types, include_children=include_children)]
    for _ in range(3):
        try:
            with transaction.atomic():
                run = SyncRun.objects.create(
                    connection=connection,
                    mode=mode,
                    object_types=keys,
                    force=force,
                    requested_by=requested_by[:150],
                    heartbeat_at=timezone.now(),
                )
            return run, True
        except IntegrityError:
            active = SyncRun.objects.filter(connection=connection, status__in=SyncRun.ACTIVE).first()
            if active is not None:
                return active, False
            # The active run finished between our insert and our read: try again.
    raise RuntimeError(f"Could not create a sync run for {connection}")  # pragma: no cover - needs a pathological race


def sync_run_is_stale(run: SyncRun, *, now: datetime | None = None) -> bool:
    beat = run.heartbeat_at or run.started_at or run.created_at
    return run.is_active and beat < (now or timezone.now()) - stale_after()


def sync_request(
    *,
    connection: Connection,
    mode: str = SyncRun.Mode.INCREMENTAL,
    types: list[str] | None = None,
    requested_by: str = "",
    force: bool = False,
) -> SyncRun:
    """Queue a sync in the background (django-q2), or return the run already queued or running for the connection.

    A stale active run (its worker died) is enqueued again, and the worker that picks it up resumes it.
    """
    run, created = sync_run_create(
        connection=connection, mode=mode, types=types, requested_by=requested_by, force=force
    )
    if created or sync_run_is_stale(run):
        run_id = run.pk
        transaction.on_commit(lambda: _enqueue(run_id))
    return run


def _enqueue(run_id: int) -> None:
    from django_q.tasks import async_task

    async_task("integrations.tasks.sync_run_task", run_id, task_name=f"PSA sync run {run_id}", group="psa-sync")


def sync_connection(
    *,
    connection: Connection,
    mode: str = SyncRun.Mode.INCREMENTAL,
    types: list[str] | None = None,
    requested_by: str = "",
    force: bool = False,
    client: ConnectWiseClient | None = None,
    progress: ProgressCallback | None = None,
    include_children: bool = True,
) -> SyncRun:
    """Run a sync now, in this process. Raises SyncAlreadyRunning when another live sync holds the connection;
    a stale one (its worker died) is resumed instead."""
    run, created = sync_run_create(
        connection=connection,
        mode=mode,
        types=types,
        requested_by=requested_by,
        force=force,
        include_children=include_children,
    )
    if not created and not sync_run_is_stale(run):
        raise SyncAlreadyRunning(run)
    return sync_run_execute(run_id=run.pk, client=client, progress=progress)


def sync_run_execute(
    *, run_id: int, client: ConnectWiseClient | None = None, progress: ProgressCallback | None = None
) -> SyncRun:
    """Claim a queued (or stale) run with a conditional UPDATE and carry it out; raises SyncAlreadyRunning if a live
    worker holds it. Types a resumed run already finished are not synced again."""
    token = uuid.uuid4().hex
    now = timezone.now()
    claimed = SyncRun.objects.filter(pk=run_id, status=SyncRun.Status.QUEUED).update(
        status=SyncRun.Status.RUNNING, started_at=now, heartbeat_at=now, worker_token=token
    )
    resumed = False
    if not claimed:
        claimed = SyncRun.objects.filter(
            pk=run_id, status=SyncRun.Status.RUNNING, heartbeat_at__lt=now - stale_after()
        ).update(heartbeat_at=now, worker_token=token)
        resumed = bool(claimed)
    run = SyncRun.objects.select_related("connection").get(pk=run_id)
    if not claimed:
        if run.is_active:
            raise SyncAlreadyRunning(run)
        return run  # already finished: a duplicate delivery of the task
    if resumed:
        logger.warning("Resuming %s: its worker stopped sending heartbeats", run)
    return _Syncer(run, token=token, client=client, progress=progress, resumed=resumed).execute()


# ------------------------------------------------------------------------------------------------ the engine


class _Syncer:
    """Carries out one claimed SyncRun."""

    def __init__(
        self,
        run: SyncRun,
        *,
        token: str,
        client: ConnectWiseClient | None,
        progress: ProgressCallback | None,
        resumed: bool,
    ) -> None:
        self.run = run
        self.connection = run.connection
        self.token = token
        self.progress = progress
        self.full = run.mode == SyncRun.Mode.FULL
        self.types = object_types_resolve(run.object_types or None, include_children=False)
        self.results: dict[str, TypeResult] = {
            key: TypeResult(**value) for key, value in (run.type_results or {}).items()
        }
        self.errors: list[str] = list(run.errors or [])
        if resumed:
            self.errors.append("Resumed after the previous worker stopped responding.")
        self._client = client
        self._checkpoints: WalCheckpointer | None = None
        self._base_stats = (0, 0, 0.0)
        if resumed:
            self._base_stats = (run.requests, run.retries, run.throttled_seconds)

    # -- lifecycle ---------------------------------------------------------------------------------------------

    def execute(self) -> SyncRun:
        try:
            if self._client is None:
                from integrations.services import build_client

                self._client = build_client(self.connection)
            with wal_checkpoints_in_background() as self._checkpoints:
                for object_type in self.types:
                    if object_type.is_child:
                        continue  # synced with its parent
                    if self.results.get(object_type.key, TypeResult()).status in DONE:
                        continue  # a resumed run keeps what it finished
                    self.sync_type(object_type, [t for t in self.types if t.parent == object_type.key])
        except SyncLost:
            logger.warning("%s was taken over by another worker; stopping", self.run)
            return SyncRun.objects.get(pk=self.run.pk)
        except ConnectWiseError as exc:
            # Raised before any type started (building the client, discovery): nothing can be synced.
            self.errors.append(self._scrub(str(exc)))
            self._finish(SyncRun.Status.FAILED)
            return self.run
        except Exception as exc:
            self.errors.append(self._scrub(f"Unexpected error: {type(exc).__name__}: {exc}"))
            self._finish(SyncRun.Status.FAILED)
            raise
        statuses = [self.results[t.key].status for t in self.types if t.key in self.results]
        if statuses and all(s == "succeeded" for s in statuses) and not any(r.skipped for r in self.results.values()):
            status = SyncRun.Status.SUCCEEDED
        elif any(s in ("succeeded", "skipped") for s in statuses):
            status = SyncRun.Status.PARTIAL
        else:
            status = SyncRun.Status.FAILED
        self._finish(status)
        return self.run

    def _finish(self, status: str) -> None:
        if self._client is not None and self._client.codebase:
            from integrations.services import remember_discovery

            remember_discovery(self.connection, self._client)  # later runs skip companyinfo
        self.run.status = status
        self.run.finished_at = timezone.now()
        self.run.current_type = ""
        self._save_progress(final=True)

    def _stats(self) -> dict[str, Any]:
        stats = self._client.stats if self._client is not None else None
        base_requests, base_retries, base_throttled = self._base_stats
        return {
            "requests": base_requests + (stats.requests if stats else 0),
            "retries": base_retries + (stats.retries if stats else 0),
            "throttled_seconds": base_throttled + (stats.throttled_seconds if stats else 0.0),
        }

    def _save_progress(self, *, final: bool = False) -> None:
        """Heartbeat + live progress in one conditional UPDATE; finding no row means another worker took over."""
        values = {
            "heartbeat_at": timezone.now(),
            "current_type": self.run.current_type,
            "pages_done": self.run.pages_done,
            "pages_expected": self.run.pages_expected,
            "type_results": {key: asdict(result) for key, result in self.results.items()},
            "errors": self.errors,
            **self._stats(),
        }
        if final:
            values.update(status=self.run.status, finished_at=self.run.finished_at)
        for name, value in values.items():
            setattr(self.run, name, value)
        if not SyncRun.objects.filter(pk=self.run.pk, worker_token=self.token).update(**values):
            raise SyncLost(self.run.pk)

    def _committed(self) -> None:
        if self._checkpoints is not None:
            self._checkpoints.committed()

    def _report(self, object_type: ObjectType) -> None:
        self._save_progress()
        if self.progress is not None:
            self.progress(self.run, object_type.key, self.results[object_type.key])

    def _scrub(self, message: str) -> str:
        for secret in (self.connection.public_key, self.connection.private_key, self.connection.client_id):
            if isinstance(secret, str) and len(secret) >= 4:
                message = message.replace(secret, "[redacted]")
        return message[:2000]

    # -- one top-level type ------------------------------------------------------------------------------------

    def sync_type(self, object_type: ObjectType, children: list[ObjectType]) -> None:
        result = self.results[object_type.key] = TypeResult(status="running")
        for child in children:
            self.results[child.key] = TypeResult(status="running")
        watermark = SyncWatermark.objects.filter(connection=self.connection, object_type=object_type.key).first()
        since = watermark.last_updated if watermark and not self.full else None
        conditions = compare("lastUpdated", ">", since - safety_margin()) if since else None
        self.run.current_type = object_type.key
        self.run.pages_done = 0
        pages: Iterator[PreparedPage] | None = None
        try:
            # An incremental sync usually finds less than a page, so it asks /count only when the first page is
            # full; a full sync asks first, and fetches the next pages while writing one (when it has no children,
            # so the fetching process or thread is the client's only user).
            counted = since is None
            self.run.pages_expected = self._pages_expected(object_type, conditions) if counted else 0
            self._report(object_type)
            newest = since
            previous_last_id = 0
            doomed: list[int] = []  # ids a full sync did not see: marked deleted at the end, if the guard allows

            def prepare(payloads: list[dict]) -> PreparedPage:
                return prepare_records(payloads, object_type.key_columns)

            raw_pages = self._pages(object_type, conditions=conditions)
            if counted and not children:
                # The next pages are fetched and prepared while this one is written (integrations.pipeline).
                pages = pipelined(raw_pages, prepare, self._client)
            else:
                pages = (prepare(payloads) for payloads in raw_pages)
            for page in pages:
                if not counted:
                    counted = True
                    full_page = page.size >= PAGE_SIZE
                    self.run.pages_expected = self._pages_expected(object_type, conditions) if full_page else 1
                writing = time.perf_counter()
                with transaction.atomic():
                    counts = upsert_records(model=object_type.model, connection=self.connection, payloads=page)
                result.write_seconds += time.perf_counter() - writing
                self._committed()
                ids = page.ids
                result.fetched += page.size
                result.add(counts)
                result.pages += 1
                if counts.newest is not None and (newest is None or counts.newest > newest):
                    newest = counts.newest
                if self.full and ids:
                    # Forward-only pages come in id order, so a local id inside this page's range that the page
                    # lacks is gone from the PSA. Memory stays bounded by a page (plus the ids found gone).
                    last_id = max(ids)
                    doomed.extend(self._missing_between(object_type, previous_last_id, last_id, set(ids), counted=True))
                    previous_last_id = last_id
                for child in children:
                    self.sync_children(child, ids)
                self.run.pages_done += 1
                self._report(object_type)
            if self.full:
                doomed.extend(self._missing_between(object_type, previous_last_id, None, set()))
                self._mark_deleted(object_type, children, doomed, result)
            failed_children = [c.label for c in children if self.results[c.key].status == "failed"]
            if failed_children:
                result.status = "succeeded"
                self.errors.append(
                    f"{object_type.label}: watermark kept, since {', '.join(failed_children)} could not be fetched."
                )
            else:
                self._advance_watermark(object_type, newest)
                result.status = "succeeded"
        except PermissionDenied as exc:
            permission = exc.permission or "a permission"
            result.status = "skipped"
            result.message = f"skipped: the API member lacks {permission}"
            self.errors.append(f"{object_type.label}: skipped, the API member lacks {permission}.")
            for child in children:
                if self.results[child.key].status == "running":
                    self.results[child.key].status = "skipped"
                    self.results[child.key].message = f"skipped with {object_type.label}"
        except (ConnectWiseError, FetchProcessDied) as exc:
            result.status = "failed"
            result.message = self._scrub(str(exc))
            self.errors.append(f"{object_type.label}: {result.message}")
            for child in children:
                if self.results[child.key].status == "running":
                    self.results[child.key].status = "failed"
                    self.results[child.key].message = f"not synced: {object_type.label} failed"
        finally:
            if pages is not None:
                pages.close()  # however this ends, a fetching process or thread stops now
        for child in children:
            if self.results[child.key].status == "running":
                self.results[child.key].status = "succeeded"
        self._report(object_type)

    def _pages_expected(self, object_type: ObjectType, conditions: str | None) -> int:
        return math.ceil(self._client.count(object_type.endpoint, conditions=conditions) / PAGE_SIZE)

    def _pages(self, object_type: ObjectType, *, conditions: str | None) -> Iterator[list[dict]]:
        # Forward-only pages are ordered by id and keyed by the last id, so records changing while we page
        # neither shift pages nor get skipped (a change only moves lastUpdated, never the id).
        return self._client.iter_pages(
            object_type.endpoint_for(),
            conditions=conditions,
            page_size=PAGE_SIZE,
            forward_only=True,
            params=object_type.params_for() or None,
        )

    def _missing_between(
        self, object_type: ObjectType, after: int, upto: int | None, seen: set[int], *, counted: bool = False
    ) -> list[int]:
        """Live local ids in (after, upto] that are not in `seen`. With `counted`, every id of `seen` is known to be
        stored and inside the range (the page was just upserted), so an index-only count usually settles it."""
        stored = object_type.model.objects.filter(connection=self.connection, psa_id__gt=after)
        if upto is not None:
            stored = stored.filter(psa_id__lte=upto)
        if counted and stored.count() == len(seen):
            return []  # only the page's own rows are in the range (a count the unique index answers alone)
        live = stored.filter(is_deleted=False)
        return [psa_id for psa_id in live.values_list("psa_id", flat=True) if psa_id not in seen]

    def _mark_deleted(
        self, object_type: ObjectType, children: list[ObjectType], doomed: list[int], result: TypeResult
    ) -> None:
        if not doomed:
            return
        live = object_type.model.objects.filter(connection=self.connection, is_deleted=False).count()
        share = mass_delete_share()
        if not self.run.force and len(doomed) > share * live:
            result.skipped = len(doomed)
            self.errors.append(
                f"{object_type.label}: {len(doomed)} of {live} records are gone from the PSA, more than the "
                f"{share:.0%} mass-delete guard allows; none were marked deleted. If they really were deleted, "
                "run a full sync with --force."
            )
            return
        now = timezone.now()
        with transaction.atomic():
            for start in range(0, len(doomed), _ID_CHUNK):
                chunk = doomed[start : start + _ID_CHUNK]
                result.deleted += object_type.model.objects.filter(
                    connection=self.connection, psa_id__in=chunk, is_deleted=False
                ).update(is_deleted=True, synced_at=now)
                for child in children:
                    # A parent gone from the PSA takes its notes, sites, phases… with it.
                    self.results[child.key].deleted += child.model.objects.filter(
                        connection=self.connection, is_deleted=False, **{f"{child.parent_column}__in": chunk}
                    ).update(is_deleted=True, synced_at=now)

    def _advance_watermark(self, object_type: ObjectType, newest: datetime | None) -> None:
        defaults: dict[str, Any] = {}
        if newest is not None:
            defaults["last_updated"] = newest
        if self.full:
            defaults["last_full_sync_at"] = timezone.now()
            if newest is None:  # an empty table: remember the newest we hold, if any
                newest = object_type.model.objects.filter(connection=self.connection).aggregate(
                    latest=Max("psa_last_updated")
                )["latest"]
                defaults["last_updated"] = newest
        if defaults:
            SyncWatermark.objects.update_or_create(
                connection=self.connection, object_type=object_type.key, defaults=defaults
            )

    # -- children ----------------------------------------------------------------------------------------------

    def sync_children(self, child: ObjectType, parent_ids: list[int]) -> None:
        """Fetch every child of these parents, upsert them in one batch, and mark the parents' other children gone."""
        result = self.results[child.key]
        if result.status != "running" or not parent_ids:
            return
        payloads: list[dict] = []
        parent_of: dict[int, int] = {}
        try:
            for parent_id in parent_ids:
                for record in self._child_records(child, parent_id):
                    if isinstance(record, dict) and isinstance(record.get("id"), int):
                        payloads.append(record)
                        parent_of[record["id"]] = parent_id
        except PermissionDenied as exc:
            permission = exc.permission or "a permission"
            result.status = "skipped"
            result.message = f"skipped: the API member lacks {permission}"
            self.errors.append(f"{child.label}: skipped, the API member lacks {permission}.")
            return
        except ConnectWiseError as exc:
            result.status = "failed"
            result.message = self._scrub(str(exc))
            self.errors.append(f"{child.label}: {result.message}")
            return

        def columns(payload: dict) -> dict:
            values = child.key_columns(payload)
            values[child.parent_column] = parent_of[payload["id"]]  # child payloads do not always name their parent
            return values

        now = timezone.now()
        writing = time.perf_counter()
        with transaction.atomic():
            counts = upsert_records(
                model=child.model, connection=self.connection, payloads=payloads, key_columns=columns
            )
            stale = child.model.objects.filter(
                connection=self.connection, is_deleted=False, **{f"{child.parent_column}__in": parent_ids}
            ).exclude(psa_id__in=list(parent_of))
            result.deleted += stale.update(is_deleted=True, synced_at=now)
        result.write_seconds += time.perf_counter() - writing
        self._committed()
        result.fetched += len(payloads)
        result.pages += 1
        result.add(counts)

    def _child_records(self, child: ObjectType, parent_id: int) -> Iterator[dict]:
        path = child.endpoint_for(parent_id)
        if child.records_from is not None:
            yield from child.records_from(self._client.get(path))
            return
        for page in self._client.iter_pages(
            path, page_size=PAGE_SIZE, forward_only=True, params=child.params_for(parent_id) or None
        ):
            yield from page


def sync_summary(run: SyncRun) -> list[dict[str, Any]]:
    """One row per object type of a run, in registry order, for tables in the command and the admin."""
    rows = []
    for object_type in object_types_resolve(run.object_types or None, include_children=False):
        result = run.type_results.get(object_type.key)
        if result is not None:
            rows.append({"type": object_type.key, "label": object_type.label, **result})
    return rows


__all__ = [
    "SyncAlreadyRunning",
    "SyncLost",
    "TypeResult",
    "sync_connection",
    "sync_request",
    "sync_run_create",
    "sync_run_execute",
    "sync_run_is_stale",
    "sync_summary",
]
