"""PowerPoint rendering with python-pptx, always through our sandboxed Jinja environment (autoescape off: plain text).

What a .pptx template can hold (documented for template authors in the variable reference):
- Jinja in any text frame or table cell. Each paragraph is one small template: the text of its runs is joined,
  rendered, and written back in the first run's formatting (a line break in a value becomes a line break).
  `{% if %}`/`{% for %}` work inside one paragraph, not across paragraphs.
- Table rows that repeat over a list, as in Word templates: a row whose first cell is `{%tr for t in open_tickets %}`,
  then the row(s) to repeat (`{{ t.summary }}`…), then a row whose first cell is `{%tr endfor %}`. The marker rows
  are removed. Without an `endfor` row, only the row right after the marker repeats.
- Pictures: a shape (on the slide itself, not in a group) whose whole text is `{{ charts.<name> }}` or
  `{{ images.<name> }}` is replaced by the chart (charts.chart_png) or image, fitted into the shape's box.
No Django here: this runs in the isolated worker process.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from documents.errors import TemplateRenderError
from documents.rendering.charts import chart_from_spec, charts_to_draw
from documents.rendering.sandbox import SandboxLimits, make_environment, render_error_message

ROW_LOOP = re.compile(
    r"^\s*\{%-?\s*tr\s+for\s+(?P<target>[A-Za-z]\w*(?:\s*,\s*[A-Za-z]\w*)*)\s+in\s+(?P<iterable>.+?)\s*-?%\}\s*$", re.S
)
ROW_END = re.compile(r"^\s*\{%-?\s*tr\s+endfor\s*-?%\}\s*$")
PICTURE = re.compile(r"^\s*\{\{\s*(?P<root>charts|images)\.(?P<name>[A-Za-z]\w*)\s*\}\}\s*$")
JINJA_MARKS = ("{{", "{%", "{#")
MAX_TABLE_ROWS = 1000  # rows one repeating table may grow to
# Characters XML 1.0 cannot hold (lxml refuses them): dropped from rendered text.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


@dataclass
class _RowLoop:
    target: tuple[str, ...]
    iterable: str
    marker: Any  # a:tr elements
    body: list[Any]
    end: Any | None


# --- reading the template ------------------------------------------------------------------------------------


def _open(data: bytes) -> Any:
    from pptx import Presentation

    try:
        return Presentation(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TemplateRenderError(f"The stored template is not a readable .pptx file ({exc}).") from exc


def _walk(shapes: Iterable[Any]) -> Iterator[Any]:
    """Every shape, group members included."""
    for shape in shapes:
        yield shape
        if getattr(shape, "shape_type", None) == 6:  # MSO_SHAPE_TYPE.GROUP
            yield from _walk(shape.shapes)


def paragraph_text(p: Any) -> str:
    """The text of one a:p element: runs and fields joined, line breaks as newlines."""
    parts = []
    for child in p:
        if child.tag in (f"{_A}r", f"{_A}fld"):
            parts.append("".join(t.text or "" for t in child.iter(f"{_A}t")))
        elif child.tag == f"{_A}br":
            parts.append("\n")
    return "".join(parts)


def _has_jinja(text: str) -> bool:
    return any(mark in text for mark in JINJA_MARKS)


def _cell_text(tr: Any) -> str:
    tc = next(tr.iter(f"{_A}tc"), None)
    return "\n".join(paragraph_text(p) for p in tc.iter(f"{_A}p")) if tc is not None else ""


def _row_plan(tbl: Any) -> list[Any]:
    """The table's rows in order: plain a:tr elements and _RowLoop groups."""
    rows = list(tbl.iter(f"{_A}tr"))
    plan: list[Any] = []
    index = 0
    while index < len(rows):
        match = ROW_LOOP.match(_cell_text(rows[index]))
        if not match:
            plan.append(rows[index])
            index += 1
            continue
        end_index = next((i for i in range(index + 1, len(rows)) if ROW_END.match(_cell_text(rows[i]))), None)
        body_end = end_index if end_index is not None else min(index + 2, len(rows))
        target = tuple(name.strip() for name in match["target"].split(","))
        end = rows[end_index] if end_index is not None else None
        plan.append(_RowLoop(target, match["iterable"], rows[index], rows[index + 1 : body_end], end))
        index = (end_index + 1) if end_index is not None else body_end
    return plan


def _shape_label(slide_number: int, shape: Any) -> str:
    return f"slide {slide_number} (shape “{shape.name}”)"


def template_sources(data: bytes) -> list[tuple[str, str]]:
    """(label, Jinja source) for every templated paragraph, as rendering will see them (upload validation).

    Paragraphs of repeating table rows are wrapped in the row's `{% for %}`, so their variables are discovered as
    `list[].field`.
    """
    presentation = _open(data)
    sources: list[tuple[str, str]] = []
    for number, slide in enumerate(presentation.slides, start=1):
        for shape in _walk(slide.shapes):
            label = _shape_label(number, shape)
            if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
                sources += [
                    (label, text)
                    for p in shape.text_frame._txBody.iter(f"{_A}p")
                    if _has_jinja(text := paragraph_text(p))
                ]
            if getattr(shape, "has_table", False) and shape.has_table:
                for item in _row_plan(shape.table._tbl):
                    if isinstance(item, _RowLoop):
                        head = f"{{% for {', '.join(item.target)} in {item.iterable} %}}"
                        for tr in item.body:
                            for p in tr.iter(f"{_A}p"):
                                if _has_jinja(text := paragraph_text(p)):
                                    sources.append((f"{label} table row", f"{head}{text}{{% endfor %}}"))
                    else:
                        sources += [
                            (f"{label} table", text)
                            for p in item.iter(f"{_A}p")
                            if _has_jinja(text := paragraph_text(p))
                        ]
    return sources


# --- rendering -------------------------------------------------------------------------------------------------


class _Renderer:
    def __init__(self, context: Mapping[str, Any], limits: SandboxLimits | None) -> None:
        self.env = make_environment(limits)
        self.env.autoescape = False  # plain text: python-pptx escapes it for XML
        self.context = dict(context)
        self.budget = (limits or SandboxLimits()).max_output_chars
        self._cache: dict[str, Any] = {}

    def text(self, source: str, extra: Mapping[str, Any] | None = None) -> str:
        template = self._cache.get(source)
        if template is None:
            template = self._cache[source] = self.env.from_string(source)
        output = template.render({**self.context, **(extra or {})})
        self.budget -= len(output)
        if self.budget < 0:
            raise TemplateRenderError("The presentation's text grew past the size limit; check the template's loops.")
        return _XML_ILLEGAL.sub("", output)

    def paragraph(self, p: Any, extra: Mapping[str, Any] | None = None) -> None:
        source = paragraph_text(p)
        if _has_jinja(source):
            _replace_text(p, self.text(source, extra))

    def paragraphs(self, element: Any, extra: Mapping[str, Any] | None = None) -> None:
        for p in list(element.iter(f"{_A}p")):
            self.paragraph(p, extra)

    def table(self, tbl: Any) -> None:
        for item in _row_plan(tbl):
            if not isinstance(item, _RowLoop):
                self.paragraphs(item)
                continue
            iterable = self.env.compile_expression(item.iterable, undefined_to_none=False)(**self.context)
            if isinstance(iterable, str | bytes) or not hasattr(iterable, "__iter__"):
                raise TemplateRenderError(f"A table row repeats over '{item.iterable}', which is not a list.")
            values = list(iterable)[: MAX_TABLE_ROWS + 1]
            if len(values) * max(len(item.body), 1) > MAX_TABLE_ROWS:
                raise TemplateRenderError(
                    f"A table would get more than {MAX_TABLE_ROWS} rows ('{item.iterable}'); filter or slice the list."
                )
            for value in values:
                names = item.target
                extra = {names[0]: value} if len(names) == 1 else dict(zip(names, value, strict=True))
                for tr in item.body:
                    row = copy.deepcopy(tr)
                    item.marker.addprevious(row)
                    self.paragraphs(row, extra)
            for tr in [item.marker, *item.body, *([item.end] if item.end is not None else [])]:
                tr.getparent().remove(tr)


def _replace_text(p: Any, text: str) -> None:
    """Put `text` in paragraph `p` in the formatting of its first run; newlines become line breaks."""
    first = next((child for child in p if child.tag in (f"{_A}r", f"{_A}fld")), None)
    properties = first.find(f"{_A}rPr") if first is not None else None
    for child in list(p):
        if child.tag in (f"{_A}r", f"{_A}fld", f"{_A}br"):
            p.remove(child)
    end = p.find(f"{_A}endParaRPr")
    for index, line in enumerate(text.split("\n")):
        if index:
            br = p.makeelement(f"{_A}br", {})
            if properties is not None:
                br.append(copy.deepcopy(properties))
            _insert(p, br, end)
        run = p.makeelement(f"{_A}r", {})
        if properties is not None:
            run.append(copy.deepcopy(properties))
        t = p.makeelement(f"{_A}t", {})
        t.text = line
        run.append(t)
        _insert(p, run, end)


def _insert(p: Any, child: Any, end: Any) -> None:
    if end is not None:
        end.addprevious(child)
    else:
        p.append(child)


def _picture_blob(match: re.Match, charts: Mapping[str, Any], images: Mapping[str, bytes]) -> bytes | None:
    name = match["name"]
    if match["root"] == "images":
        return images.get(name)  # an image not configured (e.g. no logo) leaves the box empty
    if name not in charts:
        raise TemplateRenderError(f"The template shows charts.{name}, but this data has no chart of that name.")
    return chart_from_spec(charts[name], fmt="png")


def _place_picture(slide: Any, shape: Any, blob: bytes) -> None:
    """Replace `shape` with the picture, fitted into its box and centred, at the same place in the z-order."""
    from pptx.parts.image import Image

    width_px, height_px = Image.from_blob(blob).size
    box_w, box_h = int(shape.width or 0), int(shape.height or 0)
    left, top = int(shape.left or 0), int(shape.top or 0)
    scale = min(box_w / width_px, box_h / height_px) if box_w and box_h else 0
    if scale:
        width, height = int(width_px * scale), int(height_px * scale)
        picture = slide.shapes.add_picture(
            io.BytesIO(blob), left + (box_w - width) // 2, top + (box_h - height) // 2, width, height
        )
    else:
        picture = slide.shapes.add_picture(io.BytesIO(blob), left, top)
    shape._element.addprevious(picture._element)
    shape._element.getparent().remove(shape._element)


def render_pptx(
    template_bytes: bytes,
    context: Mapping[str, Any],
    *,
    images: Mapping[str, bytes] | None = None,
    object_type: str | None = None,
    template_paths: Iterable[str] = (),
    limits: SandboxLimits | None = None,
) -> bytes:
    """Render a .pptx template with `context` and return the .pptx bytes."""
    presentation = _open(template_bytes)
    template_paths = tuple(template_paths or ())
    charts = charts_to_draw(context.get("charts") or {}, template_paths)
    renderer = _Renderer(context, limits)
    slide_number = 0
    try:
        for slide in presentation.slides:
            slide_number += 1
            for shape in list(slide.shapes):
                if shape.has_text_frame and (match := PICTURE.match(shape.text_frame.text)):
                    blob = _picture_blob(match, charts, images or {})
                    if blob is None:
                        shape.text_frame.text = ""
                    else:
                        _place_picture(slide, shape, blob)
            for shape in list(_walk(slide.shapes)):
                if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
                    renderer.paragraphs(shape.text_frame._txBody)
                if getattr(shape, "has_table", False) and shape.has_table:
                    renderer.table(shape.table._tbl)
        output = io.BytesIO()
        presentation.save(output)
    except (MemoryError, RecursionError):
        raise  # limits are reported by the worker process
    except TemplateRenderError as exc:
        raise TemplateRenderError(f"Slide {slide_number}: {exc.message}") from exc
    except Exception as exc:
        error = render_error_message(exc, context=dict(context), template_paths=template_paths, object_type=object_type)
        raise TemplateRenderError(f"Slide {slide_number}: {error.message}") from exc
    return output.getvalue()


def presentation_outline(data: bytes, *, limit: int = 400) -> list[dict[str, Any]]:
    """Slide titles, text and tables of a .pptx in order (the preview on the document page)."""
    presentation = _open(data)
    blocks: list[dict[str, Any]] = []
    for number, slide in enumerate(presentation.slides, start=1):
        if len(blocks) >= limit:
            blocks.append({"kind": "more"})
            break
        title = slide.shapes.title.text_frame.text.strip() if slide.shapes.title is not None else ""
        blocks.append({"kind": "heading", "level": 2, "text": f"Slide {number}" + (f": {title}" if title else "")})
        for shape in _walk(slide.shapes):
            if shape == slide.shapes.title:
                continue
            if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
                for paragraph in shape.text_frame.paragraphs:
                    text = paragraph.text.strip()
                    if text:
                        blocks.append({"kind": "paragraph", "text": text, "list": paragraph.level > 0})
            if getattr(shape, "has_table", False) and shape.has_table:
                rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
                blocks.append({"kind": "table", "head": rows[0] if rows else [], "rows": rows[1:]})
    return blocks
