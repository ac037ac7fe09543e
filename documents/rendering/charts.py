"""Charts for documents, drawn with matplotlib's Agg/SVG canvases (no pyplot: no global state, no GUI backend).

A chart spec is plain data a context builder can put under `charts`:
`{"kind": "bar", "title": "Tickets by status", "data": {"New": 4, "Closed": 9}}` (data may also be a list of
`[label, value]` pairs). DOCX templates get it as a PNG picture, PDF templates as an SVG image.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from documents.errors import TemplateRenderError

CHART_KINDS = ("bar", "barh", "line", "pie")
MAX_POINTS = 200
_PALETTE = ["#1f5f8b", "#3c8dbc", "#7fb3d5", "#f39c12", "#27ae60", "#c0392b", "#8e44ad", "#7f8c8d"]


def _points(data: Mapping[str, Any] | Sequence[Sequence[Any]]) -> tuple[list[str], list[float]]:
    items = list(data.items()) if isinstance(data, Mapping) else [tuple(pair) for pair in data]
    if len(items) > MAX_POINTS:
        raise TemplateRenderError(f"A chart may show at most {MAX_POINTS} values; this one has {len(items)}.")
    try:
        return [str(label) for label, _ in items], [float(value or 0) for _, value in items]
    except (TypeError, ValueError) as exc:
        raise TemplateRenderError(f"Chart data must be label/number pairs ({exc}).") from exc


def _figure(kind: str, data: Mapping[str, Any] | Sequence[Sequence[Any]], title: str):
    from matplotlib.figure import Figure

    if kind not in CHART_KINDS:
        raise TemplateRenderError(f"Unknown chart kind {kind!r}; use one of: {', '.join(CHART_KINDS)}.")
    labels, values = _points(data)
    figure = Figure(figsize=(6.4, 3.6), dpi=150, layout="tight")
    axes = figure.add_subplot()
    if kind == "pie":
        if any(values) and all(value >= 0 for value in values):
            axes.pie(values, labels=labels, colors=_PALETTE, autopct="%1.0f%%", textprops={"fontsize": 8})
        axes.axis("equal")
    elif kind == "line":
        axes.plot(labels, values, marker="o", color=_PALETTE[0])
    elif kind == "barh":
        axes.barh(labels, values, color=_PALETTE[0])
        axes.invert_yaxis()
    else:
        bars = axes.bar(labels, values, color=_PALETTE[0])
        axes.bar_label(bars, fmt="%g", fontsize=8)
    if kind != "pie":
        axes.spines[["top", "right"]].set_visible(False)
        axes.tick_params(labelsize=8)
        if kind != "barh" and len(labels) > 5:
            axes.tick_params(axis="x", labelrotation=30)
    if not labels:
        axes.text(0.5, 0.5, "No data", ha="center", va="center", transform=axes.transAxes)
    axes.set_title(title, fontsize=11)
    return figure


def chart_png(kind: str, data: Mapping[str, Any] | Sequence[Sequence[Any]], title: str = "") -> bytes:
    """The chart as PNG bytes (for DOCX)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = _figure(kind, data, title)
    buffer = io.BytesIO()
    FigureCanvasAgg(figure).print_png(buffer, metadata={"Software": None})
    return buffer.getvalue()


def chart_svg(kind: str, data: Mapping[str, Any] | Sequence[Sequence[Any]], title: str = "") -> bytes:
    """The chart as SVG bytes (for PDF: stays sharp at any zoom)."""
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG

    figure = _figure(kind, data, title)
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "documents", "svg.fonttype": "path"}):
        FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None})
    return buffer.getvalue()


def chart_from_spec(spec: Mapping[str, Any], *, fmt: str) -> bytes:
    """PNG (fmt="png") or SVG (fmt="svg") bytes for a chart spec taken from a document context."""
    if not isinstance(spec, Mapping):
        raise TemplateRenderError("Each entry under `charts` must be a chart spec: {kind, title, data}.")
    draw = chart_png if fmt == "png" else chart_svg
    return draw(str(spec.get("kind", "bar")), spec.get("data") or {}, str(spec.get("title", "")))


def charts_to_draw(charts: Mapping[str, Any], template_paths: Iterable[str] = ()) -> dict[str, Any]:
    """The chart specs the template uses (`charts.<name>` in its discovered paths); all when that is unknown.

    Drawing a chart costs real time, so charts the template never shows are skipped. When the paths are unknown,
    or the template reads `charts` as a whole (`charts[name]`, `charts.items()`...), every chart is drawn.
    """
    if not isinstance(charts, Mapping):
        raise TemplateRenderError("`charts` in the document data must map names to chart specs.")
    charts = dict(charts)
    paths = list(template_paths or ())
    if not paths:
        return charts
    names: set[str] = set()
    for path in paths:
        root, dot, rest = path.partition(".")
        if root.split("[")[0] != "charts":
            continue
        if root != "charts" or not dot:
            return charts  # `charts` or `charts[...]`: used as a whole
        names.add(rest.split(".")[0].split("[")[0])
    if not names <= charts.keys():
        return charts  # e.g. `charts.items()`: not a chart name, so the template may use any of them
    return {name: spec for name, spec in charts.items() if name in names}
