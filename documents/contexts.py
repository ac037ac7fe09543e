"""The seam between PSA data and document templates: context builders registered per object type.

A context builder turns record ids into plain data (dicts, lists, strings, numbers, dates; never ORM objects):

    def build_project_context(*, record_ids: list[int], user, options: dict) -> dict: ...

    register_context_builder("project", build_project_context, variables=[
        VariableInfo("project.name", "Project name", "Network refresh"),
        VariableInfo("project.tickets[].summary", "Summary of each ticket", "Replace core switch"),
        VariableInfo("charts.tickets_by_status", "Bar chart of the project's tickets by status"),
    ])

Paths use dots for attributes and `[]` for "each item of a list". Charts are chart specs under `charts`
(see documents.rendering.charts). Builders live with the PSA cache tables; this module only defines the seam.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from documents.errors import ContextBuildError

ContextBuilder = Callable[..., dict[str, Any]]

OBJECT_TYPE_LABELS = {
    "company": "company",
    "contact": "contact",
    "project": "project",
    "service_ticket": "service ticket",
    "opportunity": "opportunity",
    "configuration": "configuration",
    "agreement": "agreement",
}


@dataclass(frozen=True)
class VariableInfo:
    """One variable a template may use: its path (`company.name`), what it is, and an example value."""

    path: str
    description: str = ""
    sample: Any = None


@dataclass(frozen=True)
class _Registration:
    builder: ContextBuilder
    variables: tuple[VariableInfo, ...]


_registry: dict[str, _Registration] = {}

COMMON_VARIABLES = (
    VariableInfo("generated_at", "When the document was generated (use with |date)", "2025-01-31T09:30:00+00:00"),
    VariableInfo("user.name", "Name of the person generating the document", "Alex Morgan"),
    VariableInfo("user.email", "Email of the person generating the document", "alex@example.com"),
    VariableInfo("my_company.name", "Our company's name (not configured yet: empty)", ""),
    VariableInfo("my_company.address", "Our company's address (not configured yet: empty)", ""),
    VariableInfo("my_company.phone", "Our company's phone number (not configured yet: empty)", ""),
    VariableInfo("my_company.email", "Our company's email address (not configured yet: empty)", ""),
    VariableInfo("my_company.website", "Our company's website (not configured yet: empty)", ""),
    VariableInfo("images.logo", "The portal logo, when DOCUMENTS_LOGO_STATIC_PATH is set", None),
    VariableInfo("inputs", "Values the person types in when generating (inputs.<name>)", None),
    VariableInfo(
        "kb.<slug>", "A knowledgebase snippet's text ('-' in the slug read as '_'), e.g. kb.standard_terms", ""
    ),
)
FREE_VARIABLE_ROOT = "inputs"


def register_context_builder(object_type: str, builder: ContextBuilder, variables: Iterable[VariableInfo]) -> None:
    """Make documents about `object_type` possible: `builder` gathers the data, `variables` documents it."""
    if object_type not in OBJECT_TYPE_LABELS:
        raise ValueError(f"Unknown object type {object_type!r}; expected one of {', '.join(OBJECT_TYPE_LABELS)}.")
    _registry[object_type] = _Registration(builder=builder, variables=tuple(variables))


def unregister_context_builder(object_type: str) -> None:
    """Remove a registration (tests)."""
    _registry.pop(object_type, None)


@contextmanager
def context_builder_replaced(
    object_type: str, builder: ContextBuilder | None, variables: Iterable[VariableInfo] = ()
) -> Iterator[None]:
    """Swap the builder for `object_type` (None: none at all) and put the previous one back afterwards (tests)."""
    previous = _registry.get(object_type)
    if builder is None:
        _registry.pop(object_type, None)
    else:
        register_context_builder(object_type, builder, variables)
    try:
        yield
    finally:
        if previous is None:
            _registry.pop(object_type, None)
        else:
            _registry[object_type] = previous


def has_context_builder(object_type: str) -> bool:
    return object_type in _registry


def variable_reference(object_type: str) -> list[VariableInfo]:
    """Every variable a template for `object_type` can use: the common ones, then the builder's."""
    registration = _registry.get(object_type)
    return [*COMMON_VARIABLES, *(registration.variables if registration else ())]


def common_context(user: Any) -> dict[str, Any]:
    """Data every document gets whatever its object type."""
    from documents.knowledgebase import knowledgebase_context  # models import contexts' neighbours: import late

    name = ""
    email = ""
    if user is not None and getattr(user, "is_authenticated", False):
        name = user.get_full_name() or user.get_username()
        email = user.email or ""
    return {
        "generated_at": timezone.now().isoformat(),
        "user": {"name": name, "email": email},
        "my_company": {"name": "", "address": "", "phone": "", "email": "", "website": ""},
        "kb": knowledgebase_context(),
    }


def build_context(*, object_type: str, record_ids: list[int], user: Any, options: dict[str, Any]) -> dict[str, Any]:
    """The data for one document: common context plus what the object type's builder returns (plain data only)."""
    registration = _registry.get(object_type)
    if registration is None:
        label = OBJECT_TYPE_LABELS.get(object_type, object_type)
        raise ContextBuildError(
            f"Documents about a {label} cannot be generated yet: no data source is registered for {label} records."
        )
    if not record_ids:
        raise ContextBuildError("Choose at least one record to generate the document for.")
    data = registration.builder(record_ids=list(record_ids), user=user, options=dict(options))
    if not isinstance(data, dict):
        raise ContextBuildError(f"The {object_type} data source returned {type(data).__name__}, not a dict.")
    context = {**common_context(user), **data}
    _ensure_plain(context, "context")
    return context


_PLAIN_SCALARS = (str, int, float, bool, Decimal, dt.date, dt.time, type(None))


def _ensure_plain(value: Any, path: str) -> None:
    """Refuse ORM objects and other live objects: templates must only ever see plain data."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ContextBuildError(f"Context keys must be strings; {path} has key {key!r}.")
            _ensure_plain(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _ensure_plain(item, f"{path}[{index}]")
    elif not isinstance(value, _PLAIN_SCALARS):
        raise ContextBuildError(
            f"The data source put a {type(value).__name__} at {path}; contexts must hold plain data only."
        )
