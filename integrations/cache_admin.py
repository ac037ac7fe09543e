"""Read-only admin for the PSA cache tables, sync runs and watermarks (imported at the end of integrations.admin)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.db import models as db_models
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from integrations.models import SyncRun, SyncWatermark
from integrations.object_types import OBJECT_TYPES
from integrations.sync import sync_summary

BASE_FIELDS = {"id", "connection", "psa_id", "data", "data_hash", "psa_last_updated", "synced_at", "is_deleted"}
FILTERED_TEXT = ("status_name", "board_name", "type_name", "stage_name", "agreement_status", "charge_to_type")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the sync only: people browse them, never edit them."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class CachedRecordAdmin(ReadOnlyAdmin):
    """List, search and filter one cache table by its key columns; the detail shows the full PSA payload."""

    list_select_related = ["connection"]
    list_per_page = 100
    show_full_result_count = False  # COUNT(*) on a 100k-row table for every page is wasted work
    date_hierarchy = None
    exclude = ["data", "data_hash"]

    @admin.display(description="PSA payload")
    def payload(self, obj) -> str:
        return format_html(
            '<pre style="white-space:pre-wrap;max-height:40em;overflow:auto">{}</pre>',
            json.dumps(obj.data, indent=2, ensure_ascii=False, sort_keys=True),
        )


def _admin_for(model: type) -> type[CachedRecordAdmin]:
    fields = [f for f in model._meta.concrete_fields if f.name not in BASE_FIELDS]
    columns = [f.name for f in fields][:7]
    text = [f.name for f in fields if isinstance(f, db_models.CharField)]
    flags = [f.name for f in fields if isinstance(f, db_models.BooleanField)]
    return type(
        f"{model.__name__}Admin",
        (CachedRecordAdmin,),
        {
            "list_display": ["psa_id", *columns, "psa_last_updated", "is_deleted"],
            "list_display_links": ["psa_id"],
            "search_fields": ["=psa_id", *text],
            "list_filter": ["connection", "is_deleted", *flags, *[n for n in text if n in FILTERED_TEXT]],
            "readonly_fields": [
                "connection",
                "psa_id",
                *[f.name for f in fields],
                "psa_last_updated",
                "synced_at",
                "is_deleted",
                "payload",
            ],
            "__module__": __name__,
        },
    )


for _model in dict.fromkeys(t.model for t in OBJECT_TYPES):
    admin.site.register(_model, _admin_for(_model))


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "connection", "mode", "status", "progress", "records", "created_at", "finished_at"]
    list_filter = ["status", "mode", "connection"]
    list_select_related = ["connection"]
    readonly_fields = [
        "connection",
        "mode",
        "status",
        "requested_by",
        "force",
        "created_at",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "progress",
        "requests",
        "retries",
        "throttled_seconds",
        "counts_table",
        "error_list",
    ]
    exclude = ["object_types", "type_results", "errors", "current_type", "pages_done", "pages_expected"]

    @admin.display(description="Progress")
    def progress(self, obj: SyncRun) -> str:
        if not obj.is_active:
            return "—"
        if not obj.current_type:
            return "waiting for a worker" if obj.status == SyncRun.Status.QUEUED else "starting"
        return f"{obj.current_type}: page {obj.pages_done} of {max(obj.pages_expected, obj.pages_done)}"

    @admin.display(description="Records (fetched / written / deleted)")
    def records(self, obj: SyncRun) -> str:
        written = obj.total("created") + obj.total("updated")
        return f"{obj.total('fetched')} / {written} / {obj.total('deleted')}"

    @admin.display(description="Per object type")
    def counts_table(self, obj: SyncRun) -> str:
        names = ("status", "fetched", "created", "updated", "unchanged", "deleted", "skipped", "message")
        header = format_html_join("", "<th>{}</th>", ((n,) for n in ("type", *names)))
        rows = format_html_join(
            "",
            "<tr>{}</tr>",
            (
                (format_html_join("", "<td>{}</td>", ((row.get(n, ""),) for n in ("label", *names))),)
                for row in sync_summary(obj)
            ),
        )
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", header, rows)

    @admin.display(description="Errors")
    def error_list(self, obj: SyncRun) -> str:
        if not obj.errors:
            return "none"
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((e,) for e in obj.errors)))


@admin.register(SyncWatermark)
class SyncWatermarkAdmin(ReadOnlyAdmin):
    list_display = ["object_type", "connection", "last_updated", "last_full_sync_at", "updated_at"]
    list_filter = ["connection"]
    list_select_related = ["connection"]


def sync_run_url(run: SyncRun) -> str:
    return reverse("admin:integrations_syncrun_change", args=[run.pk])
