"""Bulk upsert of PSA payloads into cache tables: one query to read hashes, one bulk write, unchanged rows untouched."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import NamedTuple

import orjson
from django.conf import settings
from django.db import connections, router, transaction
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
    # The newest PSA lastUpdated among the payloads given (so callers tracking a watermark need not parse it again).
    newest: datetime | None = field(default=None, compare=False, repr=False)

    def add(self, other: UpsertCounts) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged


def canonical_json(payload: dict) -> str:
    """The payload as compact JSON with sorted keys: what is hashed and, on the fast path, what is stored.

    orjson gives byte-for-byte the text of `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`
    at a third of the cost (this runs once per synced record).
    """
    return _canonical_bytes(payload).decode("utf-8")


def _canonical_bytes(payload: dict) -> bytes:
    return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS, default=str)


def payload_hash(payload: dict) -> str:
    return _digest(_canonical_bytes(payload))


def _digest(canonical: bytes) -> str:
    return hashlib.sha1(canonical, usedforsecurity=False).hexdigest()


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


class PreparedRecord(NamedTuple):
    """One payload ready to be written: its canonical JSON text (what is stored), that text's hash, its PSA
    lastUpdated and its key columns. A tuple, so a page of them crosses a process boundary cheaply."""

    psa_id: int
    canonical: str
    digest: str
    stamp: datetime | None
    columns: dict


@dataclass(slots=True)
class PreparedPage:
    """Payloads prepared for `upsert_records` without database access, so a full sync can prepare the next pages in
    its fetching process (integrations.pipeline) while it writes. A page can repeat an id at a boundary: the last
    one is kept."""

    records: dict[int, PreparedRecord]
    newest: datetime | None
    size: int  # payloads given, repeats and non-records included

    @property
    def ids(self) -> list[int]:
        return list(self.records)


def prepare_records(payloads: Iterable[dict], key_columns: KeyColumns) -> PreparedPage:
    records: dict[int, PreparedRecord] = {}
    newest: datetime | None = None
    size = 0
    for payload in payloads:
        size += 1
        if not isinstance(payload, dict):
            continue
        stamp = psa_last_updated(payload)
        if stamp is not None and (newest is None or stamp > newest):
            newest = stamp
        psa_id = payload.get("id")
        if isinstance(psa_id, int):
            canonical = _canonical_bytes(payload)
            records[psa_id] = PreparedRecord(
                psa_id, canonical.decode("utf-8"), _digest(canonical), stamp, key_columns(payload)
            )
    return PreparedPage(records, newest, size)


def upsert_records(
    *,
    model: type[CachedRecord],
    connection: Connection,
    payloads: Iterable[dict] | PreparedPage,
    key_columns: KeyColumns | None = None,
    synced_at: datetime | None = None,
) -> UpsertCounts:
    """Insert new records, rewrite changed ones, skip identical ones; revives rows previously marked deleted.

    `payloads` is a list of PSA payloads (mapped with `key_columns`) or a page `prepare_records` already prepared.
    """
    synced_at = synced_at or timezone.now()
    if isinstance(payloads, PreparedPage):
        page = payloads
    else:
        if key_columns is None:
            raise TypeError("upsert_records needs key_columns to map raw payloads")
        page = prepare_records(payloads, key_columns)
    counts = UpsertCounts(newest=page.newest)
    if not page.records:
        return counts
    # One read: the stored hash and deleted flag of every id on the page (unchanged rows are then left alone).
    existing: dict[int, tuple[str, bool]] = {
        psa_id: (digest, deleted)
        for psa_id, digest, deleted in _stored(model, connection, page.ids).values_list(
            "psa_id", "data_hash", "is_deleted"
        )
        if psa_id in page.records
    }
    rows: list[PreparedRecord] = []
    for psa_id, record in page.records.items():
        if existing.get(psa_id) == (record.digest, False):
            counts.unchanged += 1
            continue
        if psa_id in existing:
            counts.updated += 1
        else:
            counts.created += 1
        rows.append(record)
    if rows:
        db = router.db_for_write(model)
        with transaction.atomic(using=db):
            if connections[db].vendor in ("sqlite", "postgresql"):
                _upsert_sql(model, connection, rows, synced_at, db)
            else:  # pragma: no cover - the portal runs on SQLite or PostgreSQL
                _upsert_orm(model, connection, rows, synced_at)
    return counts


def _stored(model: type[CachedRecord], connection: Connection, ids: list[int]):
    """The stored rows of these ids (and, for a dense page, maybe a few more, which the caller ignores).

    A forward-only page is a run of consecutive ids, so a range is the cheap query; `IN (…)` with a thousand
    parameters costs the ORM more to build than SQLite to answer. Sparse ids fall back to IN.
    """
    rows = model.objects.filter(connection=connection)
    low, high = min(ids), max(ids)
    if high - low < 4 * len(ids):
        return rows.filter(psa_id__gte=low, psa_id__lte=high)
    return rows.filter(psa_id__in=ids)


def _upsert_orm(model, connection, rows: list[PreparedRecord], synced_at) -> None:
    objects = [
        model(
            connection=connection,
            psa_id=row.psa_id,
            data=orjson.loads(row.canonical),
            data_hash=row.digest,
            psa_last_updated=row.stamp,
            synced_at=synced_at,
            is_deleted=False,
            **row.columns,
        )
        for row in rows
    ]
    update_fields = [
        f.name for f in model._meta.concrete_fields if not f.primary_key and f.name not in {"connection", "psa_id"}
    ]
    model.objects.bulk_create(
        objects, update_conflicts=True, unique_fields=["connection", "psa_id"], update_fields=update_fields
    )


# Field types whose get_db_prep_save returns a value of this exact Python type as is (and None as None), on SQLite
# and PostgreSQL alike; anything else (dates, decimals, JSON, a str for an integer column…) goes through the field.
_PASS_THROUGH: dict[str, type] = {
    **dict.fromkeys(("CharField", "TextField", "SlugField", "EmailField", "URLField"), str),
    **dict.fromkeys(
        (
            "IntegerField",
            "BigIntegerField",
            "SmallIntegerField",
            "PositiveIntegerField",
            "PositiveBigIntegerField",
            "PositiveSmallIntegerField",
        ),
        int,
    ),
    "BooleanField": bool,
    "FloatField": float,
}


def _datetime_adapter(field, db_connection) -> Callable[[datetime | None], object]:
    """`field.get_db_prep_save` for the aware datetimes a sync writes, without the ORM's per-value checks: SQLite
    gets the naive time in the connection's zone as text (what Django stores), PostgreSQL the datetime itself."""
    prep = field.get_db_prep_save

    def slow(value):
        return prep(value, connection=db_connection)

    if not settings.USE_TZ or db_connection.vendor not in ("sqlite", "postgresql"):
        return slow
    if db_connection.vendor == "postgresql":

        def fast(value):
            return (
                value if value is None or (type(value) is datetime and value.utcoffset() is not None) else slow(value)
            )

        return fast
    zone = db_connection.timezone

    def fast_sqlite(value):
        if value is None:
            return None
        if type(value) is datetime and value.utcoffset() is not None:
            return str(value.astimezone(zone).replace(tzinfo=None))
        return slow(value)

    return fast_sqlite


def _upsert_sql(model, connection, rows: list[PreparedRecord], synced_at, db: str) -> None:
    """`INSERT … ON CONFLICT (connection, psa_id) DO UPDATE` with executemany (SQLite and PostgreSQL).

    Same effect as bulk_create(update_conflicts=True), without the ORM's per-field SQL compilation, and the payload
    is JSON-encoded once (the canonical text that was hashed is what gets stored).
    """
    db_connection = connections[db]
    quote = db_connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    base = {"connection", "psa_id", "data", "data_hash", "psa_last_updated", "synced_at", "is_deleted"}
    key_fields = [f for f in fields if f.name not in base]
    by_name = {f.name: f for f in fields}
    ordered = [by_name[name] for name in ("connection", "psa_id", "data", "data_hash", "psa_last_updated")]
    ordered += [by_name["synced_at"], by_name["is_deleted"], *key_fields]
    json_placeholder = "%s::jsonb" if db_connection.vendor == "postgresql" else "%s"
    placeholders = ", ".join(json_placeholder if f.name == "data" else "%s" for f in ordered)
    columns = ", ".join(quote(f.column) for f in ordered)
    updates = ", ".join(
        f"{quote(f.column)} = EXCLUDED.{quote(f.column)}" for f in ordered if f.name not in ("connection", "psa_id")
    )
    conflict = f"{quote(by_name['connection'].column)}, {quote(by_name['psa_id'].column)}"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608 - names only
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )
    prep_datetime = _datetime_adapter(by_name["synced_at"], db_connection)
    synced = prep_datetime(synced_at)
    key_preps = [
        (
            f.name,
            _datetime_adapter(f, db_connection)
            if f.get_internal_type() == "DateTimeField"
            else partial(f.get_db_prep_save, connection=db_connection),
            f.get_default(),
            _PASS_THROUGH.get(f.get_internal_type()),
        )
        for f in key_fields
    ]
    params = []
    for row in rows:
        values = row.columns
        key_values = []
        for name, prep, default, plain in key_preps:
            value = values.get(name, default)
            # str into a text column, int into an integer column…: what get_db_prep_save would return unchanged.
            if value is None or (plain is not None and type(value) is plain):
                key_values.append(value)
            else:
                key_values.append(prep(value))
        params.append(
            (
                connection.pk,
                row.psa_id,
                row.canonical,
                row.digest,
                prep_datetime(row.stamp),
                synced,
                False,
                *key_values,
            )
        )
    with db_connection.cursor() as cursor:
        cursor.executemany(sql, params)


def ref_name(payload: dict, key: str) -> str:
    """The `name` of a reference object such as `board` or `status`, or "" when absent."""
    value = payload.get(key)
    return (value.get("name") or "") if isinstance(value, dict) else ""


def ref_id(payload: dict, key: str) -> int | None:
    value = payload.get(key)
    return value.get("id") if isinstance(value, dict) and isinstance(value.get("id"), int) else None
