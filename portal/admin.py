"""django-q2's Schedule and Task pages are for superusers only: a schedule can name any importable function."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django_q import admin as q_admin
from django_q import models as q_models


class SuperuserOnlyMixin:
    """Hides a model admin from everyone but superusers, whatever their model permissions say."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return request.user.is_active and request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser and super().has_delete_permission(request, obj)


_REPLACEMENTS = {
    q_models.Schedule: q_admin.ScheduleAdmin,
    q_models.Success: q_admin.TaskAdmin,
    q_models.Failure: q_admin.FailAdmin,
    q_models.OrmQ: q_admin.QueueAdmin,
}

for _model, _base in _REPLACEMENTS.items():
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, type(f"SuperuserOnly{_base.__name__}", (SuperuserOnlyMixin, _base), {}))
