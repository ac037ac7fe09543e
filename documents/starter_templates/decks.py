"""The shipped PowerPoint starter decks, written with python-pptx at load time (nothing binary is committed).

Quarterly Business Review (company) and Project Kickoff (project). Tables repeat rows with the `{%tr for %}` /
`{%tr endfor %}` marker rows and charts are text boxes holding `{{ charts.<name> }}` (see documents.rendering.pptx).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from documents.starter_templates.spec import ZIP_EPOCH

TITLE_LAYOUT, CONTENT_LAYOUT, TITLE_ONLY_LAYOUT = 0, 1, 5


class _Deck:
    def __init__(self, title: str, subtitle: str) -> None:
        from pptx import Presentation
        from pptx.util import Inches

        self.presentation = Presentation()
        self.presentation.slide_width, self.presentation.slide_height = Inches(13.333), Inches(7.5)
        slide = self.presentation.slides.add_slide(self.presentation.slide_layouts[TITLE_LAYOUT])
        slide.shapes.title.text = title
        slide.placeholders[1].text = subtitle

    def bullets(self, title: str, lines: Sequence[str]) -> None:
        slide = self.presentation.slides.add_slide(self.presentation.slide_layouts[CONTENT_LAYOUT])
        slide.shapes.title.text = title
        body = slide.placeholders[1]
        body.width = self.presentation.slide_width - 2 * body.left
        frame = body.text_frame
        frame.text = lines[0]
        for line in lines[1:]:
            frame.add_paragraph().text = line

    def table(self, title: str, loop: str, columns: Sequence[tuple[str, str]], note: str = "") -> None:
        """A title, a table of `columns` (header, Jinja cell) repeated over `loop`, and an optional note below."""
        from pptx.util import Inches, Pt

        slide = self.presentation.slides.add_slide(self.presentation.slide_layouts[TITLE_ONLY_LAYOUT])
        slide.shapes.title.text = title
        width = self.presentation.slide_width - Inches(1)
        rows = [
            [header for header, _ in columns],
            [f"{{%tr for {loop} %}}"] + [""] * (len(columns) - 1),
            [cell for _, cell in columns],
            ["{%tr endfor %}"] + [""] * (len(columns) - 1),
        ]
        table = slide.shapes.add_table(len(rows), len(columns), Inches(0.5), Inches(1.6), width, Inches(1.6)).table
        for row_index, values in enumerate(rows):
            for column_index, value in enumerate(values):
                cell = table.cell(row_index, column_index)
                cell.text = value
                for paragraph in cell.text_frame.paragraphs:
                    for run in paragraph.runs:
                        run.font.size = Pt(12)
        if note:
            box = slide.shapes.add_textbox(
                Inches(0.5), self.presentation.slide_height - Inches(0.9), width, Inches(0.5)
            )
            box.text_frame.text = note

    def chart(self, title: str, name: str, caption: str = "") -> None:
        from pptx.util import Inches

        slide = self.presentation.slides.add_slide(self.presentation.slide_layouts[TITLE_ONLY_LAYOUT])
        slide.shapes.title.text = title
        box = slide.shapes.add_textbox(Inches(1.5), Inches(1.5), self.presentation.slide_width - Inches(3), Inches(5))
        box.text_frame.text = f"{{{{ charts.{name} }}}}"
        if caption:
            note = slide.shapes.add_textbox(Inches(1.5), Inches(6.6), Inches(10), Inches(0.5))
            note.text_frame.text = caption

    def bytes(self) -> bytes:
        """The .pptx with fixed timestamps, so the same deck always has the same bytes (and sha256)."""
        import datetime as dt

        properties = self.presentation.core_properties
        properties.author = properties.last_modified_by = "Document Portal"
        properties.created = properties.modified = dt.datetime(2025, 1, 1)
        properties.revision = 1
        raw = io.BytesIO()
        self.presentation.save(raw)
        output = io.BytesIO()
        with zipfile.ZipFile(raw) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                entry = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
                entry.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(entry, source.read(info))
        return output.getvalue()


def quarterly_business_review() -> bytes:
    deck = _Deck("Quarterly Business Review", "{{ company.name }} · {{ generated_at|date('%B %Y') }}")
    deck.bullets(
        "At a glance",
        [
            "{{ statistics.ticket_count }} tickets ({{ statistics.open_ticket_count }} open)",
            "{{ statistics.sla.met_rate|percent }} of measured tickets within SLA",
            "{{ statistics.total_hours|hours }} worked over the last months",
            "{{ agreements|length }} agreements · {{ opportunities|length }} open opportunities",
            "{{ inputs.executive_summary|d('') }}",
        ],
    )
    deck.chart("Tickets by status", "tickets_by_status")
    deck.chart("Hours worked by month", "hours_by_month")
    deck.table(
        "Open tickets",
        "t in (open_tickets|batch(12)|first)|d([])",
        [("#", "{{ t.id }}"), ("Summary", "{{ t.summary }}"), ("Status", "{{ t.status }}"),
         ("Priority", "{{ t.priority }}"), ("Entered", "{{ t.date_entered|date }}")],
        note="{{ statistics.open_ticket_count }} open in all.",
    )  # fmt: skip
    deck.bullets(
        "Service levels",
        [
            "Tickets with SLA data: {{ statistics.sla.measured }}",
            "Within SLA: {{ statistics.sla.met }} ({{ statistics.sla.met_rate|percent }})",
            "Average time to respond: {{ statistics.sla.average_respond_minutes|round|int }} minutes",
        ],
    )
    deck.table(
        "Agreements",
        "a in agreements",
        [("Agreement", "{{ a.name }}"), ("Type", "{{ a.type }}"), ("Status", "{{ a.status }}"),
         ("Ends", "{{ a.end_date|date|d('—') }}")],
    )  # fmt: skip
    deck.table(
        "Configurations nearing warranty end",
        "c in (configurations|selectattr('warranty_expiration_date', 'ge', generated_at[:10])"
        "|sort(attribute='warranty_expiration_date'))[:10]",
        [("Configuration", "{{ c.name }}"), ("Type", "{{ c.type }}"), ("Model", "{{ c.model_number }}"),
         ("Warranty ends", "{{ c.warranty_expiration_date|date }}")],
    )  # fmt: skip
    deck.table(
        "Open opportunities",
        "o in opportunities",
        [("Opportunity", "{{ o.name }}"), ("Stage", "{{ o.stage }}"),
         ("Expected close", "{{ o.expected_close_date|date }}"), ("Sales rep", "{{ o.sales_rep }}")],
    )  # fmt: skip
    deck.bullets("Recommendations", ["{{ inputs.recommendations|d('To be discussed.') }}"])
    return deck.bytes()


def project_kickoff() -> bytes:
    deck = _Deck("Project Kickoff", "{{ project.name }} · {{ company.name }}")
    deck.bullets(
        "Scope",
        [
            "{{ inputs.scope_summary|d(project.description)|d('Scope to be confirmed.') }}",
            "Type: {{ project.type|d('—') }} · Board: {{ project.board|d('—') }}",
            "Budget: {{ totals.budget_hours|hours }}",
        ],
    )
    deck.table(
        "Phases",
        "phase in phases",
        [("WBS", "{{ phase.wbs_code }}"), ("Phase", "{{ phase.name }}"),
         ("Start", "{{ phase.scheduled_start|date|d('TBD') }}"), ("End", "{{ phase.scheduled_end|date|d('TBD') }}"),
         ("Budget", "{{ phase.budget_hours|hours }}")],
    )  # fmt: skip
    deck.bullets(
        "Timeline",
        [
            "Estimated start: {{ project.estimated_start|date|d('TBD') }}",
            "Estimated end: {{ project.estimated_end|date|d('TBD') }}",
            "{{ totals.phase_count }} phases, {{ totals.ticket_count }} tasks",
        ],
    )
    deck.table(
        "Team",
        "m in team",
        [("Name", "{{ m.name }}"), ("Role", "{{ m.role }}"), ("Work role", "{{ m.work_role }}"),
         ("Planned hours", "{{ m.hours|hours }}")],
        note="Project manager: {{ manager.name|d('—') }}",
    )  # fmt: skip
    deck.bullets("Next steps", ["{{ inputs.next_steps|d('Confirm the schedule and the first phase.') }}"])
    return deck.bytes()
