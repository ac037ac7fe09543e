"""The conditions builder quotes values the way ConnectWise parses them and keeps URLs short."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import urlencode

import pytest

from integrations.connectwise.conditions import (
    all_of,
    any_of,
    compare,
    escape_like,
    format_value,
    in_list,
    not_in_list,
    split_in_condition,
)


def test_it_quotes_strings_escaping_quotes_and_backslashes():
    assert format_value('He said "hi"') == '"He said \\"hi\\""'
    assert format_value("C:\\temp\\") == '"C:\\\\temp\\\\"'


def test_it_keeps_brackets_and_unicode_inside_the_quotes():
    assert compare("summary", "contains", "[P1] Zürich ✓ 東京") == 'summary contains "[P1] Zürich ✓ 東京"'


def test_it_formats_aware_datetimes_as_utc_in_brackets():
    cet = timezone(timedelta(hours=2))
    assert format_value(datetime(2024, 3, 1, 12, 30, 5, 999, tzinfo=cet)) == "[2024-03-01T10:30:05Z]"
    assert compare("lastUpdated", ">", datetime(2016, 8, 20, 18, 4, 26, tzinfo=UTC)) == (
        "lastUpdated>[2016-08-20T18:04:26Z]"
    )


def test_it_refuses_naive_datetimes_and_plain_dates():
    with pytest.raises(ValueError, match="naive datetime"):
        format_value(datetime(2024, 1, 1))
    with pytest.raises(TypeError, match="timezone-aware"):
        format_value(date(2024, 1, 1))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, "True"), (False, "False"), (None, "null"), (42, "42"), (Decimal("12.50"), "12.50"), (0.1, "0.1")],
)
def test_it_formats_booleans_null_and_numbers_bare(value, expected):
    assert format_value(value) == expected


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("=", "board/id=5"),
        ("!=", "board/id!=5"),
        ("<", "board/id<5"),
        ("<=", "board/id<=5"),
        (">", "board/id>5"),
        (">=", "board/id>=5"),
        ("contains", "board/id contains 5"),
        ("like", "board/id like 5"),
        ("not contains", "board/id not contains 5"),
    ],
)
def test_it_builds_each_comparison(operator, expected):
    assert compare("board/id", operator, 5) == expected


def test_it_refuses_unknown_operators_and_field_names_that_smuggle_syntax():
    with pytest.raises(ValueError, match="Unknown ConnectWise operator"):
        compare("id", "==", 1)
    with pytest.raises(ValueError, match="not a ConnectWise field path"):
        compare('id=1 OR name="x"', "=", 1)


def test_it_builds_in_and_not_in_lists():
    assert in_list("board/id", [3, 2, 4]) == "board/id in (3,2,4)"
    assert not_in_list("status/name", ["Closed", 'Say "no"']) == 'status/name not in ("Closed","Say \\"no\\"")'
    with pytest.raises(ValueError, match="at least one value"):
        in_list("id", [])


def test_it_parenthesises_compound_parts_and_skips_empty_ones():
    closed = any_of(compare("closedFlag", "=", False), compare("status/name", "=", "Open"))
    combined = all_of(compare("company/id", "=", 7), closed, None, "", 'summary like "x%" OR id=1')
    assert combined == ('company/id=7 AND (closedFlag=False OR status/name="Open") AND (summary like "x%" OR id=1)')
    assert all_of(compare("id", "=", 1)) == "id=1"


def test_escape_like_makes_wildcards_literal():
    assert escape_like("50%_off[x]") == "50[%][_]off[[]x]"


def test_split_in_condition_keeps_every_request_url_under_2000_characters():
    ids = list(range(100_000, 101_500))
    parts = split_in_condition("id", ids)
    assert len(parts) > 1
    base = "https://api-na.myconnectwise.net/v2025_1/apis/3.0/company/configurations?"
    for part in parts:
        url = base + urlencode({"conditions": part, "pageSize": 1000, "page": 1, "fields": "id,name,type/id"})
        assert len(url) < 2000
    # Every value lands in exactly one condition, in order.
    recovered = [int(v) for part in parts for v in part.removeprefix("id in (").removesuffix(")").split(",")]
    assert recovered == ids


def test_split_in_condition_measures_the_encoded_length_of_quoted_strings():
    names = [f'Client "{n}" & Sons' for n in range(200)]
    parts = split_in_condition("company/name", names, max_length=500)
    assert all(len(urlencode({"c": p})) - 2 <= 500 for p in parts)
    assert sum(p.count("Sons") for p in parts) == 200


def test_split_in_condition_refuses_a_single_value_longer_than_the_limit():
    assert split_in_condition("id", []) == []
    with pytest.raises(ValueError, match="alone makes the condition longer"):
        split_in_condition("summary", ["x" * 300], max_length=100)
