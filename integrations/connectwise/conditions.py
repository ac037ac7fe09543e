"""A small builder for ConnectWise `conditions` strings that quotes values the way the API expects."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import quote_plus

__all__ = [
    "OPERATORS",
    "Condition",
    "all_of",
    "any_of",
    "compare",
    "escape_like",
    "format_value",
    "in_list",
    "not_in_list",
    "split_in_condition",
]

OPERATORS = frozenset({"=", "!=", "<", "<=", ">", ">=", "contains", "like", "not contains", "not like"})

# Field paths are identifiers joined by "/" (board/name, _info/lastUpdated); anything else could smuggle syntax.
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(/[A-Za-z_][A-Za-z0-9_]*)*$")

# The DevGuide recommends request URLs of at most 2,000 characters; this leaves room for host, codebase, path and
# the other parameters (pageSize, fields, orderBy).
DEFAULT_MAX_CONDITION_LENGTH = 1500


class Condition(str):
    """A condition string that knows whether it must be parenthesised when combined with others."""

    compound: bool = False

    @classmethod
    def _make(cls, text: str, *, compound: bool) -> Condition:
        condition = cls(text)
        condition.compound = compound
        return condition


Value = str | int | Decimal | float | bool | datetime | None


def format_value(value: Value) -> str:
    """Format one value as a ConnectWise literal."""
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: bool is an int
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"ConnectWise conditions cannot compare with {value}")
        return format(value, "f")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"ConnectWise conditions cannot compare with {value}")
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("A naive datetime is ambiguous in a ConnectWise condition: pass a timezone-aware one")
        return value.astimezone(UTC).strftime("[%Y-%m-%dT%H:%M:%SZ]")
    if isinstance(value, date):
        raise TypeError("A date has no time zone: pass a timezone-aware datetime to a ConnectWise condition")
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    raise TypeError(f"Cannot use a {type(value).__name__} in a ConnectWise condition")


def _field(field: str) -> str:
    if not _FIELD.match(field):
        raise ValueError(f"{field!r} is not a ConnectWise field path (letters, digits, _ and /)")
    return field


def compare(field: str, operator: str, value: Value) -> Condition:
    """`field <operator> value`, e.g. compare("board/name", "=", "Help Desk") -> board/name="Help Desk"."""
    op = operator.strip().lower()
    if op not in OPERATORS:
        raise ValueError(f"Unknown ConnectWise operator {operator!r}; use one of {sorted(OPERATORS)}")
    spacing = " " if op[0].isalpha() else ""
    return Condition._make(f"{_field(field)}{spacing}{op}{spacing}{format_value(value)}", compound=False)


def _list_condition(field: str, keyword: str, values: Iterable[Value]) -> Condition:
    formatted = [format_value(v) for v in values]
    if not formatted:
        raise ValueError(f"`{field} {keyword} (...)` needs at least one value")
    return Condition._make(f"{_field(field)} {keyword} ({','.join(formatted)})", compound=False)


def in_list(field: str, values: Iterable[Value]) -> Condition:
    """`field in (v1,v2,...)`."""
    return _list_condition(field, "in", values)


def not_in_list(field: str, values: Iterable[Value]) -> Condition:
    """`field not in (v1,v2,...)`."""
    return _list_condition(field, "not in", values)


def _combine(joiner: str, parts: Sequence[str | None]) -> Condition:
    present = [p for p in parts if p]
    if len(present) == 1:
        only = present[0]
        return only if isinstance(only, Condition) else Condition._make(only, compound=True)
    # Plain strings from callers may contain AND/OR, so they are parenthesised like compound conditions.
    rendered = [f"({p})" if not isinstance(p, Condition) or p.compound else p for p in present]
    return Condition._make(f" {joiner} ".join(rendered), compound=len(present) > 1)


def all_of(*parts: str | None) -> Condition:
    """Join conditions with AND, skipping empty ones and parenthesising compound parts."""
    return _combine("AND", parts)


def any_of(*parts: str | None) -> Condition:
    """Join conditions with OR, skipping empty ones and parenthesising compound parts."""
    return _combine("OR", parts)


def escape_like(text: str) -> str:
    """Escape `like` wildcards so `text` matches literally ([ -> [[], % -> [%], _ -> [_]; DevGuide escaping table)."""
    return text.replace("[", "[[]").replace("%", "[%]").replace("_", "[_]")


def _encoded_length(text: str) -> int:
    # Measure what actually goes on the wire: requests encodes params with urlencode (quote_plus), which escapes
    # character by character, so lengths of pieces add up.
    return len(quote_plus(text))


def split_in_condition(
    field: str, values: Iterable[Value], *, max_length: int = DEFAULT_MAX_CONDITION_LENGTH
) -> list[Condition]:
    """Split `field in (...)` into several conditions whose URL-encoded length stays within `max_length`.

    Run one request per returned condition and concatenate the results. Only `in` can be split this way: a
    `not in` spread over several requests would let each request return the values the others exclude.
    """
    prefix = f"{_field(field)} in ("
    overhead = _encoded_length(prefix) + _encoded_length(")")
    comma = _encoded_length(",")
    conditions: list[Condition] = []
    batch: list[str] = []
    length = overhead
    for value in values:
        item = format_value(value)
        item_length = _encoded_length(item)
        if overhead + item_length > max_length:
            raise ValueError(f"The value {item[:40]} alone makes the condition longer than {max_length} characters")
        added = item_length + (comma if batch else 0)
        if batch and length + added > max_length:
            conditions.append(Condition._make(f"{prefix}{','.join(batch)})", compound=False))
            batch, length, added = [], overhead, item_length
        batch.append(item)
        length += added
    if batch:
        conditions.append(Condition._make(f"{prefix}{','.join(batch)})", compound=False))
    return conditions
