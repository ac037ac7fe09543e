"""Staff pages of the PSA side: the record browser (list and detail) and the sync status with "Sync now"."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView, TemplateView

from documents.contexts import build_context
from documents.errors import DocumentError
from documents.selectors import document_template_list
from integrations.browse import (
    BROWSERS,
    PAGE_SIZE,
    RecordBrowser,
    RecordSearch,
    UnknownRecordType,
    record_browser,
    record_get,
    record_search,
)
from integrations.connectwise.errors import ConnectWiseError
from integrations.models import Connection, SyncRun
from integrations.selectors import sync_run_active
from integrations.services import default_connection
from integrations.sync import sync_request, sync_run_is_stale, sync_summary
from portal.access import RUN_SYNCS, VIEW_RECORDS, StaffPermissionRequiredMixin


class RecordBrowserMixin(StaffPermissionRequiredMixin):
    """Resolves the object type of the URL to its browser and the connection whose cache is shown."""

    permission_required = VIEW_RECORDS

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.browser: RecordBrowser = record_browser(kwargs["object_type"])
        except UnknownRecordType:
            raise Http404("No such record type.") from None
        self.connection: Connection | None = default_connection()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(browser=self.browser, connection=self.connection, **kwargs)  # type: ignore[misc]


class RecordTypeIndexView(StaffPermissionRequiredMixin, TemplateView):
    """The object types one can browse, with how many live records each has in the cache."""

    permission_required = VIEW_RECORDS
    template_name = "integrations/record_types.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        connection = default_connection()
        types = [
            {
                "browser": browser,
                "count": browser.model.objects.filter(connection=connection, is_deleted=False).count()
                if connection
                else 0,
            }
            for browser in BROWSERS.values()
        ]
        return super().get_context_data(connection=connection, types=types, **kwargs)


class RecordListView(RecordBrowserMixin, ListView):
    """One object type's cached records: search, filters, pagination."""

    template_name = "integrations/record_list.html"
    paginate_by = PAGE_SIZE
    context_object_name = "records"

    def get_queryset(self) -> QuerySet:
        if self.connection is None:
            self.search = None
            return self.browser.model.objects.none()
        self.search: RecordSearch | None = record_search(
            browser=self.browser, connection=self.connection, params=self.request.GET
        )
        return self.search.queryset

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(search=self.search, **kwargs)
        context["rows"] = self.browser.rows(context["records"])
        return context


class RecordDetailView(RecordBrowserMixin, TemplateView):
    """One record: its key columns and the data a template will see for it (the context builder's output)."""

    template_name = "integrations/record_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        if self.connection is None:
            raise Http404("No ConnectWise connection is set up yet.")
        record = record_get(browser=self.browser, connection=self.connection, psa_id=kwargs["psa_id"])
        if record is None:
            raise Http404(f"This {self.browser.label} is not in the cache (deleted in ConnectWise, or not synced yet).")
        template_context: dict[str, Any] | None = None
        context_error = ""
        try:
            template_context = build_context(
                object_type=self.browser.object_type,
                record_ids=[record.psa_id],
                user=self.request.user,
                options={"include_internal_notes": False, "format": "docx", "connection_id": self.connection.pk},
            )
        except (DocumentError, ConnectWiseError) as exc:
            context_error = str(exc)
        return super().get_context_data(
            record=record,
            row=self.browser.rows([record])[0],
            title=self.browser.title(record),
            template_context=context_tree(template_context) if template_context is not None else None,
            context_error=context_error,
            templates=document_template_list(object_type=self.browser.object_type),
            **kwargs,
        )


CONTEXT_LIST_LIMIT = 50


def context_tree(value: Any, *, depth: int = 0) -> dict[str, Any]:
    """Plain context data as typed nodes for `integrations/_value.html` (templates cannot ask a value its type)."""
    if depth > 8:
        return {"kind": "scalar", "text": "…", "empty": False}
    if isinstance(value, dict):
        return {"kind": "dict", "items": [(str(k), context_tree(v, depth=depth + 1)) for k, v in value.items()]}
    if isinstance(value, list | tuple):
        shown, more = list(value[:CONTEXT_LIST_LIMIT]), max(len(value) - CONTEXT_LIST_LIMIT, 0)
        if shown and all(isinstance(item, dict) for item in shown):
            columns = list(dict.fromkeys(key for item in shown for key in item))
            rows = [[context_tree(item.get(key), depth=depth + 1) for key in columns] for item in shown]
            return {"kind": "table", "columns": columns, "rows": rows, "more": more}
        return {"kind": "list", "items": [context_tree(item, depth=depth + 1) for item in shown], "more": more}
    return {"kind": "scalar", "text": "" if value is None else str(value), "empty": value in (None, "")}


# --- sync status ----------------------------------------------------------------------------------------------

_LACKS_PERMISSION = re.compile(r"lacks (?P<permission>.+?)\.?$")


def sync_error_fix(error: str) -> str:
    """What to do about one error line of a sync run, when the line itself does not say it."""
    match = _LACKS_PERMISSION.search(error)
    if match:
        return (
            "In ConnectWise, open System › Security Roles, give the API member's security role "
            f"“{match['permission']}”, then sync again."
        )
    if "mass-delete guard" in error or "Check" in error or "check" in error:
        return ""  # the message already says what to do
    if "watermark kept" in error:
        return "The next sync fetches these records again; if it keeps failing, check the permission named above."
    return "Sync again; if the error comes back, test the connection in the admin."


def sync_run_progress(run: SyncRun) -> dict[str, Any]:
    """A run's state as plain data: the status page and its polling endpoint show the same numbers."""
    rows = sync_summary(run)
    total_types = max(len(rows), 1)
    finished = sum(1 for row in rows if row.get("status") in ("succeeded", "skipped", "failed"))
    fraction = finished / total_types
    if run.is_active and run.pages_expected:
        fraction += min(run.pages_done / run.pages_expected, 1) / total_types
    percent = 100 if not run.is_active else min(int(fraction * 100), 99)
    started = run.started_at or run.created_at
    if run.status == SyncRun.Status.QUEUED:
        label = "Queued: waiting for a worker to pick it up."
    elif run.is_active:
        label = f"Syncing {run.current_type.replace('_', ' ') or '…'}: page {run.pages_done} of {run.pages_expected}"
        label += f" · {finished} of {len(rows)} types done"
    else:
        label = f"{run.get_status_display()}: {run.total('created')} created, {run.total('updated')} updated, "
        label += f"{run.total('deleted')} deleted"
    return {
        "label": label,
        "done": not run.is_active,
        "id": run.pk,
        "status": run.status,
        "status_label": run.get_status_display(),
        "active": run.is_active,
        "stale": sync_run_is_stale(run),
        "percent": percent,
        "current_type": run.current_type,
        "pages_done": run.pages_done,
        "pages_expected": run.pages_expected,
        "started": timezone.localtime(started).strftime("%Y-%m-%d %H:%M:%S"),
        "finished": timezone.localtime(run.finished_at).strftime("%Y-%m-%d %H:%M:%S") if run.finished_at else "",
        "created": run.total("created"),
        "updated": run.total("updated"),
        "deleted": run.total("deleted"),
        "fetched": run.total("fetched"),
        "errors": [{"message": error, "fix": sync_error_fix(error)} for error in run.errors or []],
        "types": rows,
    }


class SyncStatusView(StaffPermissionRequiredMixin, TemplateView):
    """Every connection with its running sync (polled) and its last runs: counts, errors and how to fix them."""

    permission_required = VIEW_RECORDS
    template_name = "integrations/sync_status.html"
    runs_shown = 5

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        connections = list(Connection.objects.order_by("-is_default", "name"))
        runs_by_connection: dict[int, list[SyncRun]] = {c.pk: [] for c in connections}
        # One query for the last runs of every connection: few connections, and runs are pruned by nobody yet.
        for run in SyncRun.objects.filter(connection__in=connections).order_by("-created_at", "-pk")[:200]:
            if len(runs_by_connection[run.connection_id]) < self.runs_shown:
                runs_by_connection[run.connection_id].append(run)
        rows = []
        for connection in connections:
            runs = [sync_run_progress(run) for run in runs_by_connection[connection.pk]]
            active = next((run for run in runs if run["active"]), None)
            rows.append({"connection": connection, "runs": runs, "active": active})
        return super().get_context_data(rows=rows, can_sync=self.request.user.has_perm(RUN_SYNCS), **kwargs)


class SyncNowView(StaffPermissionRequiredMixin, View):
    """POST: queue an incremental sync of a connection (or say which one is already running) and go back."""

    permission_required = RUN_SYNCS
    http_method_names = ["post"]

    def post(self, request: HttpRequest, connection_id: int) -> HttpResponse:
        connection = get_object_or_404(Connection, pk=connection_id)
        mode = SyncRun.Mode.FULL if request.POST.get("mode") == SyncRun.Mode.FULL else SyncRun.Mode.INCREMENTAL
        if not connection.is_active:
            messages.error(request, f"{connection.name} is inactive: activate it in the admin before syncing.")
            return HttpResponseRedirect(reverse("integrations:sync_status"))
        previous = sync_run_active(connection=connection)
        run = sync_request(connection=connection, mode=mode, requested_by=request.user.get_username())
        if previous is None or previous.pk != run.pk:
            messages.success(request, f"{run.get_mode_display()} sync of {connection.name} queued (run #{run.pk}).")
        elif sync_run_is_stale(previous):
            messages.warning(
                request,
                f"Sync run #{run.pk} of {connection.name} had stopped responding: it was queued again to resume.",
            )
        else:
            started = timezone.localtime(run.started_at or run.created_at)
            messages.warning(
                request,
                f"A sync of {connection.name} is already running (started {started:%Y-%m-%d %H:%M:%S}, run #{run.pk}); "
                "its progress is shown below.",
            )
        return HttpResponseRedirect(reverse("integrations:sync_status"))


class SyncRunProgressView(StaffPermissionRequiredMixin, View):
    """GET: a run's progress as JSON, polled by the status page."""

    permission_required = VIEW_RECORDS

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        run = get_object_or_404(SyncRun.objects.select_related("connection"), pk=pk)
        return JsonResponse(sync_run_progress(run))
