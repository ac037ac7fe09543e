"""A small document outline written once per starter template and turned into both flavours.

`to_docx(outline)` writes a Word template with python-docx (docxtpl tags: `{%tr for %}` table rows, `{%p if %}`
paragraphs, chart pictures, PAGE/NUMPAGES fields in the footer); `to_html(outline)` writes the HTML body of the
PDF template (cover page, running header and "Page X of Y" come from the base stylesheet plus starter.css).
Text is Jinja for both engines, so one outline gives the same content in Word and PDF.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

STARTER_CSS = (Path(__file__).parent / "starter.css").read_text(encoding="utf-8")
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Cover:
    title: str
    subtitle: str
    details: tuple[tuple[str, str], ...]  # (label, Jinja text)


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str
    style: str = ""  # "note" (muted), "multiline" (keeps line breaks), "lead" (larger)


@dataclass(frozen=True)
class Column:
    header: str
    value: str  # Jinja text for one row, e.g. "{{ t.summary }}"
    numeric: bool = False


@dataclass(frozen=True)
class Table:
    loop: str  # "t in project.tickets"
    columns: tuple[Column, ...]
    empty: str = "None."
    totals: tuple[str, ...] = ()  # one Jinja text per column for a totals row

    @property
    def iterable(self) -> str:
        return self.loop.split(" in ", 1)[1].strip()


@dataclass(frozen=True)
class Facts:
    rows: tuple[tuple[str, str], ...]  # (label, Jinja text): a two-column key/value table


@dataclass(frozen=True)
class Chart:
    name: str  # charts.<name>


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class If:
    condition: str
    body: tuple
    otherwise: tuple = ()


@dataclass(frozen=True)
class For:
    loop: str
    body: tuple


@dataclass
class Outline:
    """A starter template: a running header text, a cover, then blocks."""

    header: str
    cover: Cover
    blocks: list = field(default_factory=list)


# --- Word ---------------------------------------------------------------------------------------------------

ACCENT = (0x1F, 0x5F, 0x8B)
TABLE_STYLE = "Light Grid Accent 1"


def _add_field(paragraph, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) Word updates when it lays out the document."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, text, separate, shown, end):
        run._r.append(element)


class _DocxWriter:
    def __init__(self) -> None:
        from docx import Document
        from docx.shared import Pt, RGBColor

        self.document = Document()
        styles = self.document.styles
        styles["Normal"].font.name = "Calibri"
        styles["Normal"].font.size = Pt(10.5)
        for name in ("Title", "Heading 1", "Heading 2"):
            styles[name].font.color.rgb = RGBColor(*ACCENT)

    def tag(self, text: str) -> None:
        self.document.add_paragraph(text)

    def write(self, blocks) -> None:
        for block in blocks:
            getattr(self, f"_{type(block).__name__.lower()}")(block)

    def _cover(self, cover: Cover) -> None:
        from docx.enum.text import WD_BREAK
        from docx.shared import Pt, RGBColor

        eyebrow = self.document.add_paragraph()
        run = eyebrow.add_run("{{ my_company.name }}")
        run.font.size = Pt(12)
        run.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
        for _ in range(4):
            self.document.add_paragraph()
        self.document.add_paragraph(cover.title, style="Title")
        subtitle = self.document.add_paragraph()
        run = subtitle.add_run(cover.subtitle)
        run.font.size = Pt(16)
        self.document.add_paragraph()
        self._facts(Facts(cover.details))
        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def _heading(self, heading: Heading) -> None:
        self.document.add_heading(heading.text, level=heading.level)

    def _para(self, para: Para) -> None:
        from docx.shared import Pt, RGBColor

        paragraph = self.document.add_paragraph()
        run = paragraph.add_run(para.text)
        if para.style == "note":
            run.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
            run.font.size = Pt(9)
        elif para.style == "lead":
            run.font.size = Pt(12)

    def _table(self, table: Table) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        self.tag(f"{{%p if {table.iterable} %}}")
        grid = self.document.add_table(rows=4 + (1 if table.totals else 0), cols=len(table.columns))
        grid.style = self.document.styles[TABLE_STYLE]
        header, start, row, end = grid.rows[0], grid.rows[1], grid.rows[2], grid.rows[3]
        for cell, column in zip(header.cells, table.columns, strict=True):
            cell.text = column.header
            cell.paragraphs[0].runs[0].bold = True
        start.cells[0].text = f"{{%tr for {table.loop} %}}"
        for cell, column in zip(row.cells, table.columns, strict=True):
            cell.text = column.value
            if column.numeric:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        end.cells[0].text = "{%tr endfor %}"
        if table.totals:
            for cell, value, column in zip(grid.rows[4].cells, table.totals, table.columns, strict=True):
                cell.text = value
                if cell.paragraphs[0].runs:
                    cell.paragraphs[0].runs[0].bold = True
                if column.numeric:
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        self.tag("{%p else %}")
        self._para(Para(table.empty, "note"))
        self.tag("{%p endif %}")

    def _facts(self, facts: Facts) -> None:
        grid = self.document.add_table(rows=len(facts.rows), cols=2)
        grid.style = self.document.styles[TABLE_STYLE]
        for row, (label, value) in zip(grid.rows, facts.rows, strict=True):
            row.cells[0].text = label
            row.cells[0].paragraphs[0].runs[0].bold = True
            row.cells[1].text = value

    def _chart(self, chart: Chart) -> None:
        self.tag(f"{{{{ charts.{chart.name} }}}}")

    def _pagebreak(self, _: PageBreak) -> None:
        from docx.enum.text import WD_BREAK

        self.document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def _if(self, block: If) -> None:
        self.tag(f"{{%p if {block.condition} %}}")
        self.write(block.body)
        if block.otherwise:
            self.tag("{%p else %}")
            self.write(block.otherwise)
        self.tag("{%p endif %}")

    def _for(self, block: For) -> None:
        self.tag(f"{{%p for {block.loop} %}}")
        self.write(block.body)
        self.tag("{%p endfor %}")

    def header_footer(self, header: str) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        section = self.document.sections[0]
        section.different_first_page_header_footer = True  # the cover has no header or page number
        top = section.header.paragraphs[0]
        top.text = header
        top.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        bottom = section.footer.paragraphs[0]
        bottom.add_run("{{ my_company.name }}    Page ")
        _add_field(bottom, "PAGE")
        bottom.add_run(" of ")
        _add_field(bottom, "NUMPAGES")
        for paragraph in (top, bottom):
            for run in paragraph.runs:
                run.font.size = Pt(8)

    def bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.document.save(buffer)
        return _deterministic_zip(buffer.getvalue())


def _deterministic_zip(data: bytes) -> bytes:
    """Same content, same bytes: fixed entry timestamps, so an unchanged starter template hashes the same."""
    source = zipfile.ZipFile(io.BytesIO(data))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info))
    return output.getvalue()


def to_docx(outline: Outline) -> bytes:
    writer = _DocxWriter()
    writer.header_footer(outline.header)
    writer.write([outline.cover, *outline.blocks])
    return writer.bytes()


# --- HTML ---------------------------------------------------------------------------------------------------


def _number(column: Column) -> str:
    return ' class="number"' if column.numeric else ""


def _html(blocks, out: list[str], indent: str = "") -> None:
    for block in blocks:
        if isinstance(block, Cover):
            rows = "".join(f"<tr><th>{escape(label)}</th><td>{value}</td></tr>" for label, value in block.details)
            out.append(
                f'{indent}<section class="cover">\n'
                f'{indent}  <p class="eyebrow">{{{{ my_company.name }}}}</p>\n'
                f"{indent}  <h1>{block.title}</h1>\n"
                f'{indent}  <p class="subtitle">{block.subtitle}</p>\n'
                f'{indent}  <table class="facts">{rows}</table>\n'
                f"{indent}</section>"
            )
        elif isinstance(block, Heading):
            tag = f"h{block.level + 1}"
            out.append(f"{indent}<{tag}>{block.text}</{tag}>")
        elif isinstance(block, Para):
            css = f' class="{block.style}"' if block.style else ""
            out.append(f"{indent}<p{css}>{block.text}</p>")
        elif isinstance(block, Table):
            heads = "".join(f"<th{_number(c)}>{escape(c.header)}</th>" for c in block.columns)
            cells = "".join(f"<td{_number(c)}>{c.value}</td>" for c in block.columns)
            out.append(f"{indent}<table>")
            out.append(f"{indent}  <thead><tr>{heads}</tr></thead>")
            out.append(f"{indent}  <tbody>")
            out.append(f"{indent}  {{% for {block.loop} %}}<tr>{cells}</tr>")
            out.append(
                f'{indent}  {{% else %}}<tr><td colspan="{len(block.columns)}" class="empty">{block.empty}</td></tr>'
            )
            out.append(f"{indent}  {{% endfor %}}")
            out.append(f"{indent}  </tbody>")
            if block.totals:
                totals = "".join(
                    f"<td{_number(c)}>{value}</td>" for c, value in zip(block.columns, block.totals, strict=True)
                )
                out.append(f'{indent}  <tfoot><tr class="totals">{totals}</tr></tfoot>')
            out.append(f"{indent}</table>")
        elif isinstance(block, Facts):
            rows = "".join(f"<tr><th>{escape(label)}</th><td>{value}</td></tr>" for label, value in block.rows)
            out.append(f'{indent}<table class="facts">{rows}</table>')
        elif isinstance(block, Chart):
            out.append(f"{indent}{{{{ charts.{block.name} }}}}")
        elif isinstance(block, PageBreak):
            out.append(f'{indent}<div class="page-break"></div>')
        elif isinstance(block, If):
            out.append(f"{indent}{{% if {block.condition} %}}")
            _html(block.body, out, indent + "  ")
            if block.otherwise:
                out.append(f"{indent}{{% else %}}")
                _html(block.otherwise, out, indent + "  ")
            out.append(f"{indent}{{% endif %}}")
        elif isinstance(block, For):
            out.append(f"{indent}{{% for {block.loop} %}}")
            _html(block.body, out, indent + "  ")
            out.append(f"{indent}{{% endfor %}}")
        else:  # pragma: no cover - an outline mistake
            raise TypeError(f"Unknown outline block {block!r}")


def to_html(outline: Outline) -> str:
    out = [
        f'<p class="running-title">{outline.header}</p>',
        '<p class="running-footer">{{ my_company.name }}</p>',
    ]
    _html([outline.cover, *outline.blocks], out)
    return "\n".join(out) + "\n"
