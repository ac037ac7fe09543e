"""The emulator's record store: generated data plus a test-controlled overlay of updates, additions and deletions."""

from __future__ import annotations

import copy
import json
import threading
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .dataset import ANCHOR, DAY, Dataset, Record, Table
from .query import RecordView, format_timestamp

CACHE_LIMIT = 5_000  # built records kept (~10 kB each): re-reading recent pages is free, memory stays bounded
# Serialised records kept (UTF-8 JSON, ~2-7 kB each): a page is then a join of cached bytes, not a build + dumps per
# record. Bounded by bytes; Emulator.warm() lifts the bound for collections a benchmark pre-renders.
JSON_CACHE_BYTES = 64 * 1024 * 1024


class UnknownRecord(KeyError):
    """The record does not exist (never generated, or deleted)."""


class Clock:
    """The time mutations are stamped with. Defaults to wall-clock time (never before the generated history),
    so a client's own "last sync started at" watermark works; tests can pin or advance it."""

    def __init__(self) -> None:
        self._pinned: int | None = None
        self._last = 0
        self._lock = threading.Lock()

    def now(self) -> int:
        if self._pinned is not None:
            return self._pinned
        return max(int(time.time()), ANCHOR + DAY)

    def set(self, when: datetime | int) -> None:
        self._pinned = int(when.timestamp()) if isinstance(when, datetime) else int(when)

    def advance(self, seconds: int) -> None:
        self._pinned = self.now() + int(seconds)

    def tick(self) -> int:
        """A mutation timestamp strictly later than the previous one, so `lastUpdated > [previous]` finds it."""
        with self._lock:
            stamp = max(self.now(), self._last + 1)
            self._last = stamp
            return stamp


class Store:
    """Reads and writes records by collection key ("service/tickets", "service/tickets/notes", ...)."""

    def __init__(self, dataset: Dataset, clock: Clock) -> None:
        self.dataset = dataset
        self.clock = clock
        self._lock = threading.RLock()
        self._overrides: dict[str, dict[int, Record]] = {}
        self._deleted: dict[str, set[int]] = {}
        self._added_parent: dict[str, dict[int, int]] = {}
        self._ids_cache: dict[str, list[int]] = {}
        self._cache: dict[tuple[str, int], Record] = {}
        self._json: dict[tuple[str, int], bytes] = {}
        self._json_bytes = 0
        self.json_cache_bytes: int | None = JSON_CACHE_BYTES  # None: unbounded
        self._versions: dict[str, int] = {}  # bumped by every mutation of a collection
        self._updated_index: dict[str, tuple[int, list[int], list[int]] | None] = {}

    @staticmethod
    def dumps(payload: Any) -> bytes:
        """A record as the API serialises it (before the {{base}}/{{host}} placeholders are filled in)."""
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()

    # ------------------------------------------------------------------ reads

    def table(self, key: str) -> Table:
        return self.dataset.tables[key]

    def _generated(self, table: Table, record_id: int) -> bool:
        return record_id in table.ids

    def exists(self, key: str, record_id: int) -> bool:
        if record_id in self._deleted.get(key, ()):
            return False
        return record_id in self._overrides.get(key, {}) or self._generated(self.table(key), record_id)

    def get(self, key: str, record_id: int) -> Record:
        if not self.exists(key, record_id):
            raise UnknownRecord(record_id)
        override = self._overrides.get(key, {}).get(record_id)
        if override is not None:
            return override
        cache_key = (key, record_id)
        record = self._cache.get(cache_key)
        if record is None:
            if len(self._cache) >= CACHE_LIMIT:
                self._cache.clear()
            record = self.table(key).build(record_id)
            self._cache[cache_key] = record
        return record

    def get_json(self, key: str, record_id: int) -> bytes:
        """`dumps(get(key, record_id))`, cached: mutations drop the cached text of the records they touch."""
        cache_key = (key, record_id)
        text = self._json.get(cache_key)
        if text is not None:
            return text
        with self._lock:  # a mutation between build and store must not leave stale text behind
            text = self.dumps(self.get(key, record_id))
            limit = self.json_cache_bytes
            if limit is None or self._json_bytes + len(text) <= limit:
                self._json[cache_key] = text
                self._json_bytes += len(text)
            return text

    @property
    def json_cached_bytes(self) -> int:
        return self._json_bytes

    def _forget(self, key: str, record_id: int) -> None:
        self._versions[key] = self._versions.get(key, 0) + 1
        self._cache.pop((key, record_id), None)
        text = self._json.pop((key, record_id), None)
        if text is not None:
            self._json_bytes -= len(text)

    def parent_of(self, key: str, record_id: int) -> int | None:
        added = self._added_parent.get(key, {})
        if record_id in added:
            return added[record_id]
        table = self.table(key)
        return table.parent_of(record_id) if table.parent_of else None

    def ids(self, key: str, parent_id: int | None = None) -> list[int]:
        """Live ids in ascending order, for the whole collection or one parent's children."""
        table = self.table(key)
        deleted = self._deleted.get(key, set())
        if parent_id is not None:
            assert table.children_of is not None
            generated: Iterable[int] = table.children_of(parent_id)
            added = [i for i, p in self._added_parent.get(key, {}).items() if p == parent_id]
            return sorted({*generated, *added} - deleted) if added or deleted else list(generated)
        cached = self._ids_cache.get(key)
        if cached is None:
            added_ids = [i for i in self._overrides.get(key, {}) if not self._generated(table, i)]
            cached = sorted(set(table.ids) - deleted) if deleted else list(table.ids)
            if added_ids:
                cached = sorted([*cached, *added_ids])
            self._ids_cache[key] = cached
        return cached

    def view(self, key: str, record_id: int) -> RecordView:
        """What conditions read: precomputed timestamps when the record is still as generated, else the record."""
        table = self.table(key)
        override = self._overrides.get(key, {}).get(record_id)
        if override is not None:
            return RecordView(override)
        epochs = table.epochs(record_id) if table.epochs else None
        return RecordView(loader=lambda: self.get(key, record_id), epochs=epochs)

    def updated_after(self, key: str, epoch: int, *, inclusive: bool = False) -> set[int] | None:
        """Ids of a collection whose lastUpdated, read as `conditions` read it, is after `epoch` (or at it).

        A PSA answers `lastUpdated > [t]` from an index, not by reading every record; so does this, from a sorted
        index built once per state of the collection (any mutation rebuilds it). None when some record has no
        plain timestamp there, so the caller evaluates the condition record by record instead.
        """
        with self._lock:
            version = self._versions.get(key, 0)
            cached = self._updated_index.get(key)
            if key not in self._updated_index or (cached is not None and cached[0] != version):
                cached = self._build_updated_index(key, version)
                self._updated_index[key] = cached
        if cached is None:
            return None
        _version, stamps, ids = cached
        start = bisect_left(stamps, epoch) if inclusive else bisect_right(stamps, epoch)
        return set(ids[start:])

    def _build_updated_index(self, key: str, version: int) -> tuple[int, list[int], list[int]] | None:
        pairs = []
        for record_id in self.ids(key):
            stamp = self.view(key, record_id).epoch(("lastUpdated",))
            if type(stamp) is not int:
                return None
            pairs.append((stamp, record_id))
        pairs.sort()
        return version, [stamp for stamp, _ in pairs], [record_id for _, record_id in pairs]

    # ------------------------------------------------------------------ writes (test-only mutation API)

    def update(self, key: str, record_id: int, changes: dict[str, Any], *, updated_by: str = "APIMember") -> Record:
        with self._lock:
            record = copy.deepcopy(self.get(key, record_id))
            info = {**record.get("_info", {}), **changes.get("_info", {})}
            record.update({k: v for k, v in changes.items() if k not in ("id", "_info")})
            info["lastUpdated"] = format_timestamp(self.clock.tick())
            info["updatedBy"] = updated_by
            record["_info"] = info
            self._overrides.setdefault(key, {})[record_id] = record
            self._forget(key, record_id)
            return record

    def add(self, key: str, fields: dict[str, Any], *, parent_id: int | None = None) -> Record:
        with self._lock:
            table = self.table(key)
            if table.parent_key and parent_id is None:
                raise ValueError(f"{key} records belong to a parent: pass parent_id.")
            existing = list(table.ids[-1:]) + list(self._overrides.get(key, {}))
            record_id = max(existing, default=0) + 1
            stamp = format_timestamp(self.clock.tick())
            record = {"id": record_id, **{k: v for k, v in fields.items() if k not in ("id", "_info")}}
            record["_info"] = {
                "lastUpdated": stamp,
                "updatedBy": "APIMember",
                "dateEntered": stamp,
                "enteredBy": "APIMember",
                **fields.get("_info", {}),
            }
            self._overrides.setdefault(key, {})[record_id] = record
            self._forget(key, record_id)
            if parent_id is not None:
                self._added_parent.setdefault(key, {})[record_id] = parent_id
            self._ids_cache.pop(key, None)
            return record

    def delete(self, key: str, record_id: int) -> None:
        with self._lock:
            if not self.exists(key, record_id):
                raise UnknownRecord(record_id)
            self._deleted.setdefault(key, set()).add(record_id)
            self._overrides.get(key, {}).pop(record_id, None)
            self._forget(key, record_id)
            self._ids_cache.pop(key, None)
