"""`manage.py sync_psa`: sync a connection's PSA records into the cache now (or queue it); progress and a summary."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.models import Connection, SyncRun
from integrations.object_types import UnknownObjectType, object_types_resolve
from integrations.sync import SyncAlreadyRunning, TypeResult, sync_connection, sync_request, sync_summary

COUNTS = ("fetched", "created", "updated", "unchanged", "deleted", "skipped")


class Command(BaseCommand):
    help = "Sync ConnectWise PSA records into the local cache (incremental by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--connection", help="Connection name (default: the default connection).")
        parser.add_argument("--full", action="store_true", help="Fetch everything and mark records gone as deleted.")
        parser.add_argument("--only", help="Comma-separated object types, e.g. tickets,companies (children follow).")
        parser.add_argument("--async", dest="background", action="store_true", help="Queue it for the worker.")
        parser.add_argument("--force", action="store_true", help="Mark deletions beyond the mass-delete guard.")

    def handle(self, *args, **options) -> None:
        connection = self._connection(options.get("connection"))
        types = [t for t in (options.get("only") or "").split(",") if t.strip()] or None
        try:
            object_types_resolve(types)
        except UnknownObjectType as exc:
            raise CommandError(str(exc)) from None
        mode = SyncRun.Mode.FULL if options.get("full") else SyncRun.Mode.INCREMENTAL
        requested_by = "manage.py sync_psa"
        if options.get("background"):
            run = sync_request(
                connection=connection, mode=mode, types=types, requested_by=requested_by, force=options["force"]
            )
            self.stdout.write(f"Sync run #{run.pk} of {connection.name} is {run.status}.")
            return
        self.stdout.write(f"{mode.label} sync of {connection.name}")
        try:
            run = sync_connection(
                connection=connection,
                mode=mode,
                types=types,
                requested_by=requested_by,
                force=options["force"],
                progress=self._progress,
            )
        except SyncAlreadyRunning as exc:
            raise CommandError(str(exc)) from None
        self._summary(run)
        if run.status != SyncRun.Status.SUCCEEDED:
            raise CommandError(f"Sync run #{run.pk} ended {run.status}: " + " | ".join(run.errors))

    def _connection(self, name: str | None) -> Connection:
        if name:
            connection = Connection.objects.filter(name=name).first()
            if connection is None:
                raise CommandError(f"No connection named {name!r}; see `manage.py psa_connection list`.")
            return connection
        connection = Connection.objects.filter(is_active=True).order_by("-is_default", "name").first()
        if connection is None:
            raise CommandError("No active connection yet: add one with `manage.py psa_connection add`.")
        return connection

    def _progress(self, run: SyncRun, key: str, result: TypeResult) -> None:
        if result.status == "running":
            if run.pages_done:
                self.stdout.write(
                    f"  {key}: page {run.pages_done}/{max(run.pages_expected, run.pages_done)}, "
                    f"{result.fetched} records"
                )
            return
        line = f"  {key}: {result.status}, {result.fetched} records"
        self.stdout.write(self.style.WARNING(line) if result.status != "succeeded" else line)

    def _summary(self, run: SyncRun) -> None:
        rows = sync_summary(run)
        width = max([len(r["type"]) for r in rows] + [len("type")])
        header = f"{'type':<{width}}  {'status':<9}" + "".join(f"{c:>10}" for c in COUNTS)
        self.stdout.write("")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for row in rows:
            self.stdout.write(
                f"{row['type']:<{width}}  {row['status']:<9}" + "".join(f"{row.get(c, 0):>10}" for c in COUNTS)
            )
        totals = "".join(f"{sum(r.get(c, 0) for r in rows):>10}" for c in COUNTS)
        self.stdout.write("-" * len(header))
        self.stdout.write(f"{'total':<{width}}  {run.status:<9}{totals}")
        elapsed = (run.finished_at - run.started_at).total_seconds() if run.finished_at and run.started_at else 0
        self.stdout.write(
            f"Run #{run.pk}: {run.requests} requests, {run.retries} retries, "
            f"{run.throttled_seconds:.0f} s throttled, {elapsed:.1f} s."
        )
        for error in run.errors:
            self.stdout.write(self.style.WARNING(f"  ! {error}"))
