"""The variable reference shown in the admin: every variable per object type, with a sample value from the cache."""

from __future__ import annotations

import re
from typing import Any

from documents.builders.common import live
from documents.contexts import OBJECT_TYPE_LABELS, build_context, variable_reference
from documents.errors import ContextBuildError
from integrations.models import (
    Agreement,
    CachedRecord,
    Company,
    Configuration,
    Connection,
    Contact,
    Opportunity,
    Project,
    ServiceTicket,
)

SAMPLE_MODELS: dict[str, type[CachedRecord]] = {
    "company": Company,
    "contact": Contact,
    "project": Project,
    "service_ticket": ServiceTicket,
    "opportunity": Opportunity,
    "configuration": Configuration,
    "agreement": Agreement,
}
_MISSING = object()


def value_at(data: Any, path: str) -> Any:
    """The value at `company.name` or `phases[].tickets[].summary` (first item of each list); _MISSING if absent."""
    for part in re.findall(r"[^.\[\]]+|\[\]", path):
        if part == "[]":
            if not isinstance(data, list) or not data:
                return _MISSING
            data = data[0]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return _MISSING
    return data


def _sample_record_id(model: type[CachedRecord], connection: Connection) -> int | None:
    """A recently updated record to take samples from (a client, not our own company; an open opportunity)."""
    rows = live(model, connection)
    if model is Company:
        rows = rows.exclude(type_names__icontains="Owner")
    ordering = ("closed", "-psa_last_updated") if model is Opportunity else ("-psa_last_updated",)
    return rows.order_by(*ordering).values_list("psa_id", flat=True).first()


def variable_reference_rows() -> list[dict[str, Any]]:
    """One section per object type: variables with a description and a sample (from the cache when possible)."""
    connection = Connection.objects.filter(is_active=True).order_by("-is_default", "name").first()
    sections = []
    for object_type, label in OBJECT_TYPE_LABELS.items():
        context: dict[str, Any] = {}
        source = "Samples are examples: no synced data yet."
        record_id = _sample_record_id(SAMPLE_MODELS[object_type], connection) if connection else None
        if record_id is not None:
            try:
                context = build_context(
                    object_type=object_type, record_ids=[record_id], user=None, options={"connection_id": connection.pk}
                )
                source = f"Samples from {label} #{record_id} of {connection.name}."
            except ContextBuildError as exc:
                source = f"Samples are examples ({exc.message})"
        rows = []
        for info in variable_reference(object_type):
            value = value_at(context, info.path) if context else _MISSING
            if isinstance(value, dict | list) and info.path.startswith("charts."):
                value = f"{value.get('kind', '')} chart" if isinstance(value, dict) else value
            rows.append(
                {
                    "path": info.path,
                    "description": info.description,
                    "sample": info.sample if value is _MISSING or isinstance(value, dict | list) else value,
                }
            )
        sections.append({"object_type": object_type, "label": label.capitalize(), "source": source, "rows": rows})
    return sections
