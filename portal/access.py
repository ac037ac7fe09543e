"""Who may open a staff page: a logged-in staff user holding the page's permission, else a friendly 403."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

VIEW_RECORDS = "portal.view_records"
GENERATE_DOCUMENTS = "portal.generate_documents"
RUN_SYNCS = "portal.run_syncs"
MANAGE_TEMPLATES = "documents.change_documenttemplate"
VIEW_ALL_DOCUMENTS = "documents.view_generateddocument"

PERMISSION_LABELS = {
    VIEW_RECORDS: "View records",
    GENERATE_DOCUMENTS: "Generate documents",
    RUN_SYNCS: "Run syncs",
    MANAGE_TEMPLATES: "Manage templates (documents › document template › change)",
    VIEW_ALL_DOCUMENTS: "See everyone's documents",
}

Permissions = str | Iterable[str] | None


def _as_tuple(permissions: Permissions) -> tuple[str, ...]:
    if permissions is None:
        return ()
    return (permissions,) if isinstance(permissions, str) else tuple(permissions)


def staff_has_access(user: Any, permissions: Permissions) -> bool:
    """True for an active staff user holding at least one of `permissions` (or any staff user when there are none)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    wanted = _as_tuple(permissions)
    return not wanted or any(user.has_perm(permission) for permission in wanted)


def check_staff_access(request: HttpRequest, permissions: Permissions) -> HttpResponse | None:
    """None when the request may go on; a redirect to the login page for anonymous users; raises 403 otherwise."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if staff_has_access(user, permissions):
        return None
    if not user.is_staff:
        raise PermissionDenied("These pages are for staff members: ask an administrator to mark your account as staff.")
    names = " or ".join(f"“{PERMISSION_LABELS.get(p, p)}”" for p in _as_tuple(permissions))
    raise PermissionDenied(f"This page needs the {names} permission: ask an administrator to grant it to you.")


class StaffPermissionRequiredMixin:
    """Class-based views: set `permission_required` to one permission or a tuple (any of them is enough)."""

    permission_required: Permissions = None

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        refused = check_staff_access(request, self.permission_required)
        if refused is not None:
            return refused
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def staff_permission_required(permissions: Permissions = None) -> Callable:
    """Function views: `@staff_permission_required(VIEW_RECORDS)`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            refused = check_staff_access(request, permissions)
            return refused if refused is not None else view(request, *args, **kwargs)

        wrapped.permission_required = permissions  # type: ignore[attr-defined]
        return wrapped

    return decorator
