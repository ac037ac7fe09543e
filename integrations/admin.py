"""Admin for ConnectWise connections (write-only secrets, Test connection, permission audit) and reference data."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from integrations import models
from integrations.connectwise.errors import ConnectWiseError
from integrations.forms import ConnectionForm
from integrations.services import connection_audit_permissions, connection_test, describe_error
from integrations.sync import sync_request


@admin.register(models.Connection)
class ConnectionAdmin(admin.ModelAdmin):
    form = ConnectionForm
    list_display = ["name", "site", "company_id", "is_active", "is_default", "test_outcome", "last_tested_at"]
    list_filter = ["is_active", "region", "last_test_ok"]
    search_fields = ["name", "company_id"]
    actions = ["test_selected", "sync_selected"]
    readonly_fields = [
        "secret_state",
        "codebase",
        "api_host",
        "last_tested_at",
        "last_test_ok",
        "last_test_message",
        "reference_summary",
    ]
    fieldsets = [
        (None, {"fields": ["name", "region", "custom_url", "company_id", "is_active", "is_default"]}),
        ("API member keys (write-only)", {"fields": ["public_key", "private_key", "client_id", "secret_state"]}),
        ("Advanced", {"fields": ["api_version", "verify_tls", "timeout_seconds"], "classes": ["collapse"]}),
        (
            "Last test",
            {"fields": ["last_tested_at", "last_test_ok", "last_test_message", "codebase", "api_host"]},
        ),
        ("Reference data", {"fields": ["reference_summary"]}),
    ]
    change_form_template = "admin/integrations/connection/change_form.html"

    @admin.display(description="Site")
    def site(self, obj: models.Connection) -> str:
        return obj.site_url

    @admin.display(description="Last test")
    def test_outcome(self, obj: models.Connection) -> str:
        if obj.last_test_ok is None:
            return "never tested"
        return format_html(
            '<span title="{}">{}</span>', obj.last_test_message, "✔ OK" if obj.last_test_ok else "✘ failed"
        )

    @admin.display(description="Stored secrets")
    def secret_state(self, obj: models.Connection) -> str:
        broken = obj.undecryptable_fields()
        if broken:
            return (
                f"Cannot be decrypted with the current FIELD_ENCRYPTION_KEY: {', '.join(broken)}. "
                "Restore the old key (comma-separated, after the new one) and run "
                "`manage.py rotate_encryption_key`, or re-enter them."
            )
        missing = obj.missing_secrets()
        return f"Missing: {', '.join(missing)}" if missing else "All three are stored (encrypted)."

    @admin.display(description="Pulled reference data")
    def reference_summary(self, obj: models.Connection) -> str:
        if not obj.reference_pulled_at:
            return "Not pulled yet: use Test connection."
        counts = ", ".join(f"{count} {label}" for label, count in obj.reference_counts.items())
        return f"{counts} (pulled {obj.reference_pulled_at:%Y-%m-%d %H:%M} UTC)"

    def get_urls(self) -> list:
        custom = [
            path(
                "<int:pk>/test/",
                self.admin_site.admin_view(self.test_view),
                name="integrations_connection_test",
            ),
            path(
                "<int:pk>/permissions/",
                self.admin_site.admin_view(self.permissions_view),
                name="integrations_connection_permissions",
            ),
            path(
                "<int:pk>/sync/",
                self.admin_site.admin_view(self.sync_view),
                name="integrations_connection_sync",
            ),
        ]
        return custom + super().get_urls()

    def sync_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Sync now: queue a sync (or find the one running) and go to its run page."""
        connection = get_object_or_404(models.Connection, pk=pk)
        if not self.has_change_permission(request, connection) or request.method != "POST":
            return HttpResponseRedirect(reverse("admin:integrations_connection_change", args=[pk]))
        mode = models.SyncRun.Mode.FULL if request.POST.get("mode") == "full" else models.SyncRun.Mode.INCREMENTAL
        run = self._request_sync(request, connection, mode)
        return HttpResponseRedirect(reverse("admin:integrations_syncrun_change", args=[run.pk]))

    @admin.action(description="Sync selected connections now", permissions=["change"])
    def sync_selected(self, request: HttpRequest, queryset) -> None:
        for connection in queryset:
            self._request_sync(request, connection, models.SyncRun.Mode.INCREMENTAL)

    def _request_sync(self, request: HttpRequest, connection: models.Connection, mode: str) -> models.SyncRun:
        asked_at = timezone.now()
        run = sync_request(connection=connection, mode=mode, requested_by=request.user.get_username())
        if run.created_at >= asked_at:
            self.message_user(request, f"{connection.name}: sync #{run.pk} queued.", messages.SUCCESS)
        else:
            started = run.started_at or run.created_at
            self.message_user(
                request,
                f"{connection.name}: a sync is already running (started {started:%Y-%m-%d %H:%M} UTC): run #{run.pk}.",
                messages.WARNING,
            )
        return run

    def test_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        connection = get_object_or_404(models.Connection, pk=pk)
        if not self.has_change_permission(request, connection) or request.method != "POST":
            return HttpResponseRedirect(reverse("admin:integrations_connection_change", args=[pk]))
        self._report_test(request, connection)
        return HttpResponseRedirect(reverse("admin:integrations_connection_change", args=[pk]))

    def permissions_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        connection = get_object_or_404(models.Connection, pk=pk)
        if not self.has_view_permission(request, connection):
            return HttpResponseRedirect(reverse("admin:index"))
        results, error = [], ""
        if request.method == "POST":
            try:
                results = connection_audit_permissions(connection=connection)
            except ConnectWiseError as exc:
                error = describe_error(exc)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "original": connection,
            "title": f"Permission audit: {connection.name}",
            "results": results,
            "error": error,
        }
        return TemplateResponse(request, "admin/integrations/connection/permissions.html", context)

    @admin.action(description="Test selected connections", permissions=["change"])
    def test_selected(self, request: HttpRequest, queryset) -> None:
        for connection in queryset:
            self._report_test(request, connection)

    def _report_test(self, request: HttpRequest, connection: models.Connection) -> None:
        result = connection_test(connection=connection)
        level = messages.SUCCESS if result.ok else messages.ERROR
        self.message_user(request, f"{connection.name}: {result.message}", level)
        for warning in result.warnings:
            self.message_user(request, f"{connection.name}: {warning}", messages.WARNING)


class ReferenceAdmin(admin.ModelAdmin):
    """Read-only view of reference data pulled by Test connection."""

    list_display = ["psa_id", "__str__", "connection", "is_deleted", "synced_at"]
    list_filter = ["connection", "is_deleted"]
    list_select_related = ["connection"]
    search_fields = ["psa_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


for _model in (
    models.ServiceBoard,
    models.BoardStatus,
    models.BoardType,
    models.BoardSubType,
    models.BoardItem,
    models.Priority,
    models.ProjectBoard,
    models.ProjectBoardStatus,
    models.ConfigurationType,
    models.CustomFieldDefinition,
):
    admin.site.register(_model, ReferenceAdmin)

from integrations import cache_admin  # noqa: E402,F401  (cache tables, sync runs)
