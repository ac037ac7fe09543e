"""`lastUpdated > [t]` answered from the emulator's index gives exactly what evaluating it record by record gives,
before and after records are updated, added and deleted."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from integrations.emulator import Emulator
from integrations.emulator.query import compile_conditions, format_timestamp

COLLECTIONS = ["service/tickets", "company/companies", "time/entries", "company/configurations"]


def by_record(emulator: Emulator, key: str, condition: str) -> list[int]:
    predicate = compile_conditions(condition)
    store = emulator.store
    return [i for i in store.ids(key) if predicate(store.view(key, i))]


def by_index(emulator: Emulator, key: str, condition: str) -> list[int]:
    return emulator._filtered_ids(key, None, {"conditions": condition}, forward_only=False)


def probes(emulator: Emulator, key: str, count: int = 12) -> list[str]:
    """Conditions at, just before and just after real timestamps, plus both ends."""
    rng = random.Random(key)
    stamps = [emulator.store.view(key, i).epoch(("lastUpdated",)) for i in emulator.store.ids(key)]
    chosen = [min(stamps) - 1, max(stamps), max(stamps) + 1, *rng.sample(stamps, min(count, len(stamps)))]
    conditions = []
    for stamp in chosen:
        for delta in (-1, 0, 1):
            literal = format_timestamp(stamp + delta)
            conditions += [f"lastUpdated > [{literal}]", f"lastUpdated >= [{literal}]", f"LastUpdated>[{literal}]"]
    return conditions


@pytest.mark.parametrize("key", COLLECTIONS)
def test_the_index_agrees_with_record_by_record_evaluation(key):
    emulator = Emulator(seed=11, scale=80)
    assert emulator.store.updated_after(key, 0) is not None  # the index is what answers below
    for condition in probes(emulator, key):
        assert by_index(emulator, key, condition) == by_record(emulator, key, condition), condition


def test_the_index_follows_updates_additions_and_deletions():
    emulator = Emulator(seed=12, scale=80)
    key = "service/tickets"
    emulator.clock.set(datetime(2027, 3, 1, tzinfo=UTC))
    watermark = "lastUpdated > [2027-03-01T00:00:00Z]"
    assert by_index(emulator, key, watermark) == []  # builds the index
    ids = emulator.store.ids(key)
    emulator.clock.advance(30)
    emulator.update_record(key, ids[4], {"summary": "changed"})
    template = {k: v for k, v in emulator.get_record(key, ids[0]).items() if k not in ("id", "_info")}
    added = emulator.add_record(key, {**template, "summary": "new"})["id"]
    emulator.delete_record(key, ids[7])
    assert by_index(emulator, key, watermark) == by_record(emulator, key, watermark) == [ids[4], added]
    for condition in probes(emulator, key, count=6):
        assert by_index(emulator, key, condition) == by_record(emulator, key, condition), condition


def test_other_conditions_still_go_record_by_record():
    emulator = Emulator(seed=13, scale=40)
    key = "service/tickets"
    some = format_timestamp(emulator.store.view(key, emulator.store.ids(key)[10]).epoch(("lastUpdated",)))
    for condition in (
        f"lastUpdated > [{some}] and closedFlag = false",
        f"_info/lastUpdated > [{some}]",
        f"lastUpdated < [{some}]",
    ):
        assert by_index(emulator, key, condition) == by_record(emulator, key, condition), condition
