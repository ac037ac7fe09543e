"""The ConnectWise query language (conditions, childConditions, customFieldConditions, orderBy, fields), evaluated."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

MISSING: Any = None  # an absent field reads as null, as it does in ConnectWise conditions

# Top-level names that ConnectWise resolves inside `_info` when the record has no such field (API_NOTES §3).
INFO_ALIASES = frozenset({"lastupdated", "dateentered", "enteredby", "updatedby"})


class QueryError(ValueError):
    """A query parameter the real API would reject with 400."""


# --------------------------------------------------------------------------------------------------- values


@dataclass(frozen=True)
class DateTimeLiteral:
    """A `[2026-03-08T21:59:20Z]` literal, kept as epoch seconds so comparisons are integer compares."""

    epoch: int


def parse_timestamp(text: str) -> int | None:
    """Epoch seconds of an ISO-8601 UTC timestamp as ConnectWise writes it, or None when it is not one."""
    text = text.strip()
    if not text:
        return None
    try:
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def format_timestamp(epoch: int) -> str:
    """ConnectWise's timestamp format: UTC, seconds, trailing Z."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------------------------------- tokens

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<datetime>\[[^\]]*\])
  | (?P<number>-?\d+(?:\.\d+)?(?![\w/]))
  | (?P<word>[A-Za-z_][\w/.]*)
  | (?P<dq>"(?:[^"\\]|\\.)*")
  | (?P<sq>'(?:[^'\\]|\\.)*')
    """,
    re.VERBOSE,
)

_KEYWORDS = frozenset({"and", "or", "not", "in", "like", "contains", "true", "false", "null"})


@dataclass(frozen=True)
class Token:
    kind: str  # lparen rparen comma op datetime number word keyword string
    text: str
    value: Any
    pos: int


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(source):
        match = _TOKEN_RE.match(source, pos)
        if not match:
            raise QueryError(f"Unexpected character {source[pos]!r} at position {pos}.")
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "ws":
            pass
        elif kind in ("dq", "sq"):
            unescaped = re.sub(r"\\(.)", r"\1", text[1:-1])
            tokens.append(Token("string", text, unescaped, pos))
        elif kind == "number":
            tokens.append(Token("number", text, float(text) if "." in text else int(text), pos))
        elif kind == "datetime":
            epoch = parse_timestamp(text[1:-1])
            if epoch is None:
                raise QueryError(f"{text} at position {pos} is not a valid date time.")
            tokens.append(Token("datetime", text, DateTimeLiteral(epoch), pos))
        elif kind == "word" and text.lower() in _KEYWORDS:
            tokens.append(Token("keyword", text, text.lower(), pos))
        elif kind == "op":
            tokens.append(Token("op", text, "!=" if text == "<>" else text, pos))
        else:
            tokens.append(Token(kind, text, text, pos))
        pos = match.end()
    return tokens


# --------------------------------------------------------------------------------------------------- records


class RecordView:
    """What a predicate reads: a record dict, optionally with precomputed epoch columns for `_info` timestamps."""

    __slots__ = ("_epochs", "_loader", "_record")

    def __init__(
        self,
        record: dict[str, Any] | None = None,
        *,
        loader: Callable[[], dict[str, Any]] | None = None,
        epochs: dict[str, int] | None = None,
    ) -> None:
        self._record = record
        self._loader = loader
        self._epochs = epochs or {}

    @property
    def record(self) -> dict[str, Any]:
        if self._record is None:
            assert self._loader is not None
            self._record = self._loader()
        return self._record

    def epoch(self, path: tuple[str, ...]) -> Any:
        """The value at path as epoch seconds when it is a timestamp (fast for the precomputed `_info` ones)."""
        if len(path) == 1 and path[0].lower() in self._epochs and not self._has_top_level(path[0]):
            return self._epochs[path[0].lower()]
        if len(path) == 2 and path[0].lower() == "_info" and path[1].lower() in self._epochs:
            return self._epochs[path[1].lower()]
        return _to_epoch(self.get(path))

    def _has_top_level(self, name: str) -> bool:
        # Time entries carry dateEntered/enteredBy top-level (API_NOTES §5); only load the record when we must.
        return name.lower() in ("dateentered", "enteredby") and self._lookup(self.record, name) is not _ABSENT

    def get(self, path: tuple[str, ...]) -> Any:
        return resolve(self.record, path)

    @staticmethod
    def _lookup(data: dict[str, Any], key: str) -> Any:
        return _lookup(data, key)


class _Absent:
    pass


_ABSENT = _Absent()


def _lookup(data: dict[str, Any], key: str) -> Any:
    """Case-insensitive key lookup (ConnectWise field names are case-insensitive in queries)."""
    if key in data:
        return data[key]
    lowered = key.lower()
    for candidate, value in data.items():
        if candidate.lower() == lowered:
            return value
    return _ABSENT


def resolve(record: dict[str, Any], path: tuple[str, ...]) -> Any:
    """Value at a `a/b/c` path; arrays on the way fan out into a list of values (any-match semantics)."""
    values: list[Any] = [record]
    fanned = False
    for depth, segment in enumerate(path):
        next_values: list[Any] = []
        for current in values:
            if isinstance(current, list):
                fanned = True
                items = current
            else:
                items = [current]
            for item in items:
                if not isinstance(item, dict):
                    continue
                found = _lookup(item, segment)
                if found is _ABSENT and depth == 0 and len(path) == 1 and segment.lower() in INFO_ALIASES:
                    found = _lookup(item.get("_info") or {}, segment)
                if found is not _ABSENT:
                    next_values.append(found)
        values = next_values
    if not values:
        return MISSING
    if fanned or len(values) > 1 or isinstance(values[0], list):
        flat: list[Any] = []
        for value in values:
            flat.extend(value if isinstance(value, list) else [value])
        return _Many(flat)
    return values[0]


class _Many(list):
    """Several values reached through an array: a comparison holds when it holds for any of them."""


def _to_epoch(value: Any) -> Any:
    if isinstance(value, _Many):
        return _Many(_to_epoch(v) for v in value)
    if isinstance(value, str):
        return parse_timestamp(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


# --------------------------------------------------------------------------------------------------- predicates

Predicate = Callable[[RecordView], bool]


def _like_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("[[]", i):  # DevGuide: a literal "[" is written [[]
            out.append(re.escape("["))
            i += 3
            continue
        if char in "%*":
            out.append(".*")
        elif char == "_":
            out.append(".")
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _normalise(value: Any) -> Any:
    # SQL Server's default collation compares strings case-insensitively.
    return value.casefold() if isinstance(value, str) else value


def _compare(op: str, left: Any, right: Any) -> bool:
    if right is None:
        if op == "=":
            return left is None
        if op == "!=":
            return left is not None
        return False
    if left is None:
        return op == "!=" and right is not None
    if isinstance(right, bool) or isinstance(left, bool):
        if not (isinstance(right, bool) and isinstance(left, bool)):
            left, right = str(left).casefold(), str(right).casefold()
    elif isinstance(right, int | float) and isinstance(left, str):
        try:
            left = float(left)
        except ValueError:
            return op == "!="
    elif isinstance(right, str) and not isinstance(left, str):
        left = str(left)
    elif isinstance(left, dict | list):
        return op == "!="
    left, right = _normalise(left), _normalise(right)
    try:
        if op == "=":
            return left == right
        if op == "!=":
            return left != right
        if op == "<":
            return left < right
        if op == "<=":
            return left <= right
        if op == ">":
            return left > right
        if op == ">=":
            return left >= right
    except TypeError:
        return False
    raise QueryError(f"Unknown operator {op}.")


def _any(value: Any, test: Callable[[Any], bool]) -> bool:
    if isinstance(value, _Many):
        return any(test(v) for v in value) if value else test(None)
    return test(value)


def _comparison(path: tuple[str, ...], op: str, literal: Any, negate: bool) -> Predicate:
    if op in ("like", "contains"):
        if not isinstance(literal, str):
            raise QueryError(f"The {op} operator needs a quoted string.")
        if op == "like":
            regex = _like_regex(literal)

            def text_test(value: Any) -> bool:
                return value is not None and regex.fullmatch(str(value)) is not None
        else:
            needle = literal.casefold()

            def text_test(value: Any) -> bool:
                return value is not None and needle in str(value).casefold()

        if negate:
            return lambda view: not _any(view.get(path), text_test)
        return lambda view: _any(view.get(path), text_test)

    if op == "in":
        options = [_normalise(v.epoch if isinstance(v, DateTimeLiteral) else v) for v in literal]

        def in_test(value: Any) -> bool:
            return any(_compare("=", value, option) for option in options)

        if negate:
            return lambda view: not _any(view.get(path), in_test)
        return lambda view: _any(view.get(path), in_test)

    if isinstance(literal, DateTimeLiteral):
        epoch = literal.epoch
        return lambda view: _any(view.epoch(path), lambda value: value is not None and _compare(op, value, epoch))
    return lambda view: _any(view.get(path), lambda value: _compare(op, value, literal))


class _Parser:
    """Recursive descent over the token list: expr := term (OR term)*; term := factor (AND factor)*."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0
        self.paths: list[tuple[str, ...]] = []

    def peek(self, offset: int = 0) -> Token | None:
        position = self.index + offset
        return self.tokens[position] if position < len(self.tokens) else None

    def is_keyword(self, word: str, offset: int = 0) -> bool:
        token = self.peek(offset)
        return token is not None and token.kind == "keyword" and token.value == word

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise QueryError(f"Unexpected end of expression: {self.source}")
        self.index += 1
        return token

    def fail(self, expected: str) -> QueryError:
        token = self.peek()
        where = f"'{token.text}' at position {token.pos}" if token else "the end of the expression"
        return QueryError(f"Expected {expected} but found {where}.")

    def parse(self) -> Predicate:
        if not self.tokens:
            raise QueryError("The expression is empty.")
        predicate = self.expression()
        if self.peek() is not None:
            raise self.fail("AND, OR or the end of the expression")
        return predicate

    def expression(self) -> Predicate:
        parts = [self.term()]
        while self.is_keyword("or"):
            self.take()
            parts.append(self.term())
        if len(parts) == 1:
            return parts[0]
        return lambda view: any(part(view) for part in parts)

    def term(self) -> Predicate:
        parts = [self.factor()]
        while self.is_keyword("and"):
            self.take()
            parts.append(self.factor())
        if len(parts) == 1:
            return parts[0]
        return lambda view: all(part(view) for part in parts)

    def factor(self) -> Predicate:
        token = self.peek()
        if token is None:
            raise self.fail("a condition")
        if token.kind == "lparen":
            self.take()
            inner = self.expression()
            if self.peek() is None or self.peek().kind != "rparen":  # type: ignore[union-attr]
                raise self.fail("')'")
            self.take()
            return inner
        if self.is_keyword("not") and not (self.peek(1) and self.peek(1).kind in ("op",)):  # type: ignore[union-attr]
            self.take()
            inner = self.factor()
            return lambda view: not inner(view)
        return self.comparison()

    def comparison(self) -> Predicate:
        token = self.take()
        if token.kind != "word":
            self.index -= 1
            raise self.fail("a field name")
        path = tuple(segment for segment in token.text.split("/") if segment)
        if not path:
            raise QueryError(f"'{token.text}' is not a field name.")
        self.paths.append(path)
        negate = False
        if self.is_keyword("not"):
            self.take()
            negate = True
        operator = self.peek()
        if operator is None:
            raise self.fail("an operator")
        if operator.kind == "op" and not negate:
            self.take()
            return _comparison(path, operator.value, self.literal(), False)
        if operator.kind == "keyword" and operator.value in ("like", "contains"):
            self.take()
            return _comparison(path, operator.value, self.literal(), negate)
        if operator.kind == "keyword" and operator.value == "in":
            self.take()
            return _comparison(path, "in", self.literal_list(), negate)
        raise self.fail("an operator (=, !=, <, <=, >, >=, contains, like, in, not in)")

    def literal(self) -> Any:
        token = self.peek()
        if token is None:
            raise self.fail("a value")
        if token.kind in ("string", "number", "datetime"):
            self.take()
            return token.value
        if token.kind == "keyword" and token.value in ("true", "false", "null"):
            self.take()
            return {"true": True, "false": False, "null": None}[token.value]
        raise self.fail("a value (a quoted string, a number, True/False, null or [datetime])")

    def literal_list(self) -> list[Any]:
        if self.peek() is None or self.peek().kind != "lparen":  # type: ignore[union-attr]
            raise self.fail("'(' after in")
        self.take()
        values = [self.literal()]
        while self.peek() is not None and self.peek().kind == "comma":  # type: ignore[union-attr]
            self.take()
            values.append(self.literal())
        if self.peek() is None or self.peek().kind != "rparen":  # type: ignore[union-attr]
            raise self.fail("',' or ')' in the value list")
        self.take()
        return values


@dataclass(frozen=True)
class Condition:
    """A compiled `conditions` expression and the field paths it reads."""

    predicate: Predicate
    paths: tuple[tuple[str, ...], ...]

    def __call__(self, view: RecordView) -> bool:
        return self.predicate(view)


def compile_conditions(source: str) -> Condition:
    parser = _Parser(source)
    predicate = parser.parse()
    return Condition(predicate, tuple(parser.paths))


def compile_child_conditions(source: str) -> Predicate:
    """`communicationItems/value like "x%" AND communicationItems/communicationType="Email"`: one array element
    has to satisfy the whole expression, so both comparisons are checked against the same item."""
    parser = _Parser(source)
    parser.parse()
    arrays = {path[0].lower() for path in parser.paths}
    if any(len(path) < 2 for path in parser.paths) or len(arrays) != 1:
        raise QueryError('childConditions must compare fields of one array, e.g. communicationItems/value = "x".')
    array_name = parser.paths[0][0]
    stripped = re.sub(rf"(?i)\b{re.escape(array_name)}/", "", source)
    inner = compile_conditions(stripped)

    def predicate(view: RecordView) -> bool:
        items = _lookup(view.record, array_name)
        if not isinstance(items, list):
            return False
        return any(inner(RecordView(item)) for item in items if isinstance(item, dict))

    return predicate


def compile_custom_field_conditions(source: str) -> Predicate:
    """`caption="Contract No" AND value != null`: some entry of customFields satisfies the expression."""
    inner = compile_conditions(source)

    def predicate(view: RecordView) -> bool:
        items = view.record.get("customFields") or []
        return any(inner(RecordView(item)) for item in items if isinstance(item, dict))

    return predicate


# --------------------------------------------------------------------------------------------------- orderBy / fields

_ORDER_TERM_RE = re.compile(r"^\s*([A-Za-z_][\w/.]*)\s*(?:\s(asc|desc))?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class OrderTerm:
    path: tuple[str, ...]
    descending: bool


def parse_order_by(source: str) -> list[OrderTerm]:
    terms: list[OrderTerm] = []
    for part in source.split(","):
        match = _ORDER_TERM_RE.match(part)
        if not match:
            raise QueryError(f"orderBy '{part.strip()}' is not of the form 'field asc|desc'.")
        terms.append(OrderTerm(tuple(match.group(1).split("/")), (match.group(2) or "asc").lower() == "desc"))
    return terms


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, _Many):
        value = value[0] if value else None
    if value is None or isinstance(value, dict | list):
        return (0, "")  # SQL Server sorts NULL first when ascending
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (1, value)
    return (2, str(value).casefold())


def sort_records(records: list[dict[str, Any]], terms: Iterable[OrderTerm]) -> list[dict[str, Any]]:
    ordered = sorted(records, key=lambda record: record.get("id") or 0)
    for term in reversed(list(terms)):  # stable sorts applied last-key-first give a multi-key order
        ordered.sort(key=lambda record, path=term.path: _sort_key(resolve(record, path)), reverse=term.descending)
    return ordered


def parse_fields(source: str) -> list[tuple[str, ...]]:
    paths = [tuple(s for s in field.strip().split("/") if s) for field in source.split(",")]
    if any(not path for path in paths):
        raise QueryError("fields must be a comma-separated list of field names, e.g. id,name,status/id.")
    return paths


def select_fields(record: dict[str, Any], paths: list[tuple[str, ...]]) -> dict[str, Any]:
    """Partial response: keep only the requested (possibly nested) fields, in the record's own key order."""
    selected: dict[str, Any] = {}
    for path in paths:
        _copy_path(record, selected, path)
    return selected


def _copy_path(source: Any, target: dict[str, Any], path: tuple[str, ...]) -> None:
    if not isinstance(source, dict):
        return
    key = next((k for k in source if k.lower() == path[0].lower()), None)
    if key is None:
        return
    value = source[key]
    if len(path) == 1:
        target[key] = value
    elif isinstance(value, dict):
        _copy_path(value, target.setdefault(key, {}), path[1:])
    elif isinstance(value, list):
        existing = target.setdefault(key, [{} for _ in value])
        for item, out in zip(value, existing, strict=False):
            _copy_path(item, out, path[1:])
