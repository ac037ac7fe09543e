"""Bulk upsert of PSA payloads into cache tables: one query to read hashes, one bulk write, unchanged rows untouched."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from integrations.models import CachedRecord, Connection

KeyColumns = Callable[[dict], dict]


@dataclass
class UpsertCounts:
    """What one upsert did: rows created, rows rewritten because the payload changed, rows left alone."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: UpsertCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


def payload_hash(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha1(canonical.encode("utf-8"), usedforsecurity=False).hexdigest()


def parse_psa_datetime(value: object) -> datetime | None:
    """ConnectWise timestamps are ISO-8601 strings ending in Z; anything unparsable is treated as absent."""
    if not isinstance(value, str) or not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, timezone.UTC)


def psa_last_updated(payload: dict) -> datetime | None:
    info = payload.get("_info") or {}
    return parse_psa_datetime(info.get("lastUpdated") or payload.get("lastUpdated"))


def upsert_records(
    *,
    model: type[CachedRecord],
    connection: Connection,
    payloads: Iterable[dict],
    key_columns: KeyColumns,
    synced_at: datetime | None = None,
) -> UpsertCounts:
    """Insert new records, rewrite changed ones, skip identical ones; revives rows previously marked deleted."""
    synced_at = synced_at or timezone.now()
    by_id: dict[int, dict] = {}
    for payload in payloads:
        if isinstance(payload, dict) and isinstance(payload.get("id"), int):
            by_id[payload["id"]] = payload  # a page can repeat an id at a boundary: keep the last
    if not by_id:
        return UpsertCounts()
    existing = dict(
        model.objects.filter(connection=connection, psa_id__in=list(by_id))
        .values_list("psa_id", "data_hash")
        .iterator(chunk_size=2000)
    )
    deleted_ids = set(
        model.objects.filter(connection=connection, psa_id__in=list(existing), is_deleted=True).values_list(
            "psa_id", flat=True
        )
    )
    counts = UpsertCounts()
    rows = []
    for psa_id, payload in by_id.items():
        digest = payload_hash(payload)
        if existing.get(psa_id) == digest and psa_id not in deleted_ids:
            counts.unchanged += 1
            continue
        if psa_id in existing:
            counts.updated += 1
        else:
            counts.created += 1
        rows.append(
            model(
                connection=connection,
                psa_id=psa_id,
                data=payload,
                data_hash=digest,
                psa_last_updated=psa_last_updated(payload),
                synced_at=synced_at,
                is_deleted=False,
                **key_columns(payload),
            )
        )
    if rows:
        update_fields = [
            f.name for f in model._meta.concrete_fields if not f.primary_key and f.name not in {"connection", "psa_id"}
        ]
        with transaction.atomic():
            model.objects.bulk_create(
                rows,
                update_conflicts=True,
                unique_fields=["connection", "psa_id"],
                update_fields=update_fields,
                batch_size=500,
            )
    return counts


def ref_name(payload: dict, key: str) -> str:
    """The `name` of a reference object such as `board` or `status`, or "" when absent."""
    value = payload.get(key)
    return (value.get("name") or "") if isinstance(value, dict) else ""


def ref_id(payload: dict, key: str) -> int | None:
    value = payload.get(key)
    return value.get("id") if isinstance(value, dict) and isinstance(value.get("id"), int) else None
