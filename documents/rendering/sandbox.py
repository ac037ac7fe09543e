"""The one Jinja environment every document template is parsed and rendered with, its filters and its limits.

Sandboxed (no attribute starting with `_`, no mutation of data), autoescaped (data cannot inject Word XML or
HTML), strict about missing variables, and capped (`range()` size, `*`/`**` results, output size).
No Django imports: the rendering worker process uses this module without Django.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import html
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError, UndefinedError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Namespace, missing

from documents.errors import TemplateRenderError


@dataclass(frozen=True)
class SandboxLimits:
    """Caps applied inside the Jinja sandbox (the worker process adds time and memory limits around it)."""

    max_range: int = 10_000
    max_output_chars: int = 20_000_000


class OutputTooLargeError(SecurityError):
    """The rendered text grew past `SandboxLimits.max_output_chars`."""


class MissingVariableError(UndefinedError):
    """A variable or attribute the template uses is not in the data; carries the missing name."""

    def __init__(self, message: str, *, name: str | None = None, has_parent: bool = False) -> None:
        super().__init__(message)
        self.name = name
        self.has_parent = has_parent


class _PortalUndefined(StrictUndefined):
    """StrictUndefined whose error remembers which name was missing, so the message can name the full path."""

    __slots__ = ()

    def __init__(self, hint: str | None = None, obj: Any = missing, name: str | None = None, exc=UndefinedError):
        if exc is UndefinedError:
            exc = functools.partial(MissingVariableError, name=name, has_parent=obj is not missing)
        super().__init__(hint, obj, name, exc)


class _CappedTemplate(Template):
    """A template whose `render()` stops once the output passes the environment's size cap."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        limit = self.environment.limits.max_output_chars  # type: ignore[attr-defined]
        parts: list[str] = []
        size = 0
        for chunk in self.generate(*args, **kwargs):
            size += len(chunk)
            if size > limit:
                raise OutputTooLargeError(
                    f"The document grew past {limit:,} characters of text; check the template for a loop that "
                    "repeats far more than intended."
                )
            parts.append(chunk)
        return "".join(parts)


# The only globals templates get (no `lipsum`, `cycler`, `joiner`); kept in step with PortalSandbox.__init__.
GLOBAL_NAMES = frozenset({"range", "dict", "namespace"})


class PortalSandbox(ImmutableSandboxedEnvironment):
    """ImmutableSandboxedEnvironment with autoescape, StrictUndefined, our filters and size caps."""

    template_class = _CappedTemplate
    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, limits: SandboxLimits | None = None) -> None:
        # optimized=False: no constant folding at compile time, so `"x" | center(10**9)` is never evaluated
        # while a template is merely validated in the web process.
        super().__init__(autoescape=True, undefined=_PortalUndefined, optimized=False, keep_trailing_newline=True)
        self.limits = limits or SandboxLimits()
        # No `lipsum` (CPU on demand); our own `range`.
        self.globals = {"range": self._range, "dict": dict, "namespace": Namespace}
        self.filters.update(FILTERS)

    def _range(self, *args: int) -> range:
        rng = range(*args)
        if len(rng) > self.limits.max_range:
            raise SecurityError(
                f"range() of {len(rng):,} items is more than the {self.limits.max_range:,} a template may use."
            )
        return rng

    def call_binop(self, context, operator: str, left: Any, right: Any) -> Any:
        limit = self.limits.max_output_chars
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(count, int) and len(seq) * count > limit:
                    raise SecurityError("Repeating text or a list that many times is not allowed in a template.")
        if (
            operator == "**"
            and isinstance(left, int | float)
            and isinstance(right, int | float)
            and abs(left) > 1
            and right * math.log2(abs(left)) > 4096
        ):
            raise SecurityError("That power is too large to compute in a template.")
        return super().call_binop(context, operator, left, right)


def make_environment(limits: SandboxLimits | None = None) -> PortalSandbox:
    """A fresh sandboxed environment (docxtpl mutates `autoescape` on the env it gets, so never share one)."""
    return PortalSandbox(limits)


# --- filters -------------------------------------------------------------------------------------------------


def _to_datetime(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            return None
    return None


def filter_date(value: Any, fmt: str = "%d %b %Y") -> str:
    """Format a date, datetime or ISO 8601 string; None or "" become ""; anything else is shown as is."""
    if value is None or value == "":
        return ""
    parsed = _to_datetime(value)
    if parsed is None:
        return str(value)
    return parsed.strftime(fmt)


def _to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def filter_money(value: Any, symbol: str = "", decimals: int = 2) -> str:
    """1234.5 → "1,234.50"; with a symbol "$1,234.50"; negative amounts "-$1,234.50"; None → ""."""
    amount = _to_decimal(value)
    if amount is None:
        return "" if value is None else str(value)
    text = f"{abs(amount):,.{int(decimals)}f}"
    return f"{'-' if amount < 0 else ''}{symbol}{text}"


def filter_hours(value: Any) -> str:
    """2.25 → "2.3h"; None → ""."""
    amount = _to_decimal(value)
    if amount is None:
        return "" if value is None else str(value)
    return f"{amount:,.1f}h"


def filter_percent(value: Any, decimals: int = 0) -> str:
    """A fraction as a percentage: 0.256 → "26%", with decimals=1 → "25.6%"; None → ""."""
    amount = _to_decimal(value)
    if amount is None:
        return "" if value is None else str(value)
    return f"{amount * 100:,.{int(decimals)}f}%"


def filter_default(value: Any, default_value: Any = "", boolean: bool = True) -> Any:
    """Like Jinja's `default`, but None and "" count as missing too (PSA data is full of nulls)."""
    if isinstance(value, StrictUndefined) or value is None or (boolean and value == ""):
        return default_value
    return value


class _TextExtractor(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def filter_plaintext(value: Any) -> str:
    """An HTML note as plain text: tags stripped, entities unescaped, spaces collapsed, one line per paragraph."""
    if value is None:
        return ""
    extractor = _TextExtractor()
    extractor.feed(str(value))
    extractor.close()
    text = html.unescape("".join(extractor.parts)).replace("\xa0", " ")
    lines = (re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


FILTERS = {
    "date": filter_date,
    "money": filter_money,
    "hours": filter_hours,
    "percent": filter_percent,
    "plaintext": filter_plaintext,
    "default": filter_default,
    "d": filter_default,
}


# --- variable discovery --------------------------------------------------------------------------------------


def _path_of(node: nodes.Node, aliases: dict[str, str]) -> str | None:
    """`company.name` for Getattr(Name('company'), 'name'); loop variables resolved through `aliases`."""
    if isinstance(node, nodes.Name):
        return aliases.get(node.name, node.name)
    if isinstance(node, nodes.Getattr):
        base = _path_of(node.node, aliases)
        return f"{base}.{node.attr}" if base else None
    if isinstance(node, nodes.Getitem):
        base = _path_of(node.node, aliases)
        if base is None:
            return None
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            return f"{base}.{node.arg.value}"
        return f"{base}[]"
    return None


def _walk_paths(node: nodes.Node, aliases: dict[str, str], declared: frozenset[str], found: list[str]) -> None:
    if isinstance(node, nodes.For):
        _walk_paths(node.iter, aliases, declared, found)
        iter_path = _path_of(node.iter, aliases)
        inner = dict(aliases)
        if isinstance(node.target, nodes.Name) and iter_path and iter_path.split(".")[0].split("[")[0] in declared:
            inner[node.target.name] = f"{iter_path}[]"
        for child in [*node.body, *node.else_]:
            _walk_paths(child, inner, declared, found)
        if node.test is not None:
            _walk_paths(node.test, inner, declared, found)
        return
    if isinstance(node, nodes.Getattr | nodes.Getitem | nodes.Name):
        path = _path_of(node, aliases)
        if path and path.split(".")[0].split("[")[0] in declared:
            found.append(path)
            return
    for child in node.iter_child_nodes():
        _walk_paths(child, aliases, declared, found)


def discover_variables(ast: nodes.Template) -> list[str]:
    """The data paths a template reads, e.g. ["company.name", "project.tickets[].summary", "generated_at"].

    Roots come from `jinja2.meta.find_undeclared_variables`; attribute chains and loop variables over them are
    followed through the AST. A path is listed once, in order of first use.
    """
    from jinja2 import meta

    declared = frozenset(meta.find_undeclared_variables(ast)) - GLOBAL_NAMES
    found: list[str] = []
    _walk_paths(ast, {}, declared, found)
    return list(dict.fromkeys(found))


def find_private_attributes(ast: nodes.Template) -> list[str]:
    """Attribute names starting with `_` (the sandbox refuses them at render time; we refuse them at upload)."""
    names = [node.attr for node in ast.find_all(nodes.Getattr) if node.attr.startswith("_")]
    names += [
        node.arg.value
        for node in ast.find_all(nodes.Getitem)
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str) and node.arg.value.startswith("_")
    ]
    return list(dict.fromkeys(names))


def flatten_paths(data: Any, prefix: str = "", depth: int = 0) -> Iterator[str]:
    """Every dotted path available in plain data (lists as `name[]`, described by their first item)."""
    if depth > 8:
        return
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path
            yield from flatten_paths(value, path, depth + 1)
    elif isinstance(data, list | tuple) and data and prefix:
        yield f"{prefix}[]"
        yield from flatten_paths(data[0], f"{prefix}[]", depth + 1)


def suggest(path: str, candidates: Iterable[str]) -> str | None:
    """The closest known path to a mistyped one, if any is close enough."""
    matches = difflib.get_close_matches(path, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


# --- errors as messages ---------------------------------------------------------------------------------------


def _missing_path(error: MissingVariableError, template_paths: Iterable[str]) -> str:
    name = error.name or "?"
    for path in template_paths:
        last = re.split(r"[.\[]", path.rstrip("[]"))[-1]
        root = re.split(r"[.\[]", path)[0]
        if (error.has_parent and last == name) or (not error.has_parent and root == name):
            if error.has_parent:
                return path
            return name
    return name


def render_error_message(
    error: Exception, *, context: dict, template_paths: Iterable[str] = (), object_type: str | None = None
) -> TemplateRenderError:
    """Turn a Jinja exception raised while rendering into a TemplateRenderError a person can act on."""
    template_paths = list(template_paths)
    if isinstance(error, MissingVariableError):
        path = _missing_path(error, template_paths)
        noun = f" for {_article(object_type)} {object_type.replace('_', ' ')}" if object_type else ""
        hint = suggest(path, flatten_paths(context))
        message = f"The template uses '{path}', which is not defined{noun}."
        if hint:
            message += f" Did you mean {hint}?"
        return TemplateRenderError(message)
    if isinstance(error, OutputTooLargeError):
        return TemplateRenderError(str(error))
    if isinstance(error, SecurityError):
        return TemplateRenderError(
            f"The template tried something templates are not allowed to do ({error}). Remove that expression "
            "from the template."
        )
    if isinstance(error, TemplateSyntaxError):
        return TemplateRenderError(f"The template has a syntax error on line {error.lineno}: {error.message}.")
    if isinstance(error, TemplateError):
        return TemplateRenderError(f"The template could not be rendered: {error}.")
    return TemplateRenderError(f"The template could not be rendered ({type(error).__name__}: {error}).")


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"
