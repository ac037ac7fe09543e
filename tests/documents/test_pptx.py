"""PowerPoint templates: same package checks and sandbox as Word, values and repeated rows land in the slides,
charts become pictures, the isolated worker renders them, and the starter decks show real PSA content."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Inches

from documents.errors import TemplateRenderError, TemplateValidationError
from documents.models import DocumentTemplate
from documents.rendering.pptx import render_pptx
from documents.selectors import generated_document_bytes
from documents.services import document_generate, document_template_create
from documents.starter_templates import starter_decks, starter_decks_load
from documents.validation import validate_pptx_template
from integrations.models import (
    Company,
    Configuration,
    Connection,
    Opportunity,
    Project,
    ProjectPhase,
    ServiceTicket,
)
from tests.documents.builders import rezip
from tests.documents.conftest import build_dummy_project_context
from tests.documents.context_builders.psa import sync_emulator_into_cache

CONTEXT = build_dummy_project_context(record_ids=[12], user=None, options={})
TICKET_ROWS = [
    ["Summary", "Hours"],
    ["{%tr for t in project.tickets %}", ""],
    ["{{ t.summary }}", "{{ t.hours|hours }}"],
    ["{%tr endfor %}", ""],
]


def pptx_bytes(*lines: str, table: list[list[str]] | None = None, picture: str | None = None) -> bytes:
    """A real .pptx: a title slide with `lines` (first is the title), then a slide with a table and/or a picture."""
    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    slide.shapes.title.text = lines[0] if lines else "Deck"
    body = slide.placeholders[1].text_frame
    body.text = "\n".join(lines[1:])
    if table or picture:
        second = presentation.slides.add_slide(presentation.slide_layouts[5])
        if table:
            grid = second.shapes.add_table(len(table), len(table[0]), Inches(1), Inches(2), Inches(8), Inches(2)).table
            for row_index, values in enumerate(table):
                for column_index, value in enumerate(values):
                    grid.cell(row_index, column_index).text = value
        if picture:
            second.shapes.add_textbox(Inches(1), Inches(4), Inches(6), Inches(3)).text_frame.text = picture
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def slide_texts(data: bytes) -> str:
    """Every text frame and table cell of a .pptx, as python-pptx reads them."""
    lines = []
    for slide in Presentation(io.BytesIO(data)).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                lines.append(shape.text_frame.text)
            if shape.has_table:
                lines += [cell.text for row in shape.table.rows for cell in row.cells]
    return "\n".join(lines)


def test_values_and_repeated_table_rows_land_in_the_slides():
    template = pptx_bytes("{{ project.name }}", "Manager: {{ project.manager }}", table=TICKET_ROWS)

    output = render_pptx(template, CONTEXT)

    slides = Presentation(io.BytesIO(output)).slides
    assert slides[0].shapes.title.text == "Network refresh"
    assert "Manager: Dana" in slides[0].placeholders[1].text_frame.text
    table = next(shape.table for shape in slides[1].shapes if shape.has_table)
    assert [[cell.text for cell in row.cells] for row in table.rows] == [
        ["Summary", "Hours"],
        ["Replace core switch", "3.2h"],
        ["Configure <VLAN> & ACLs", "1.5h"],
    ]


def test_text_is_plain_not_escaped_and_multiline_values_become_line_breaks():
    context = {"project": {"name": 'A & B <c> "d"', "manager": "Line one\nLine two"}}

    output = render_pptx(pptx_bytes("{{ project.name }}", "{{ project.manager }}"), context)

    slide = Presentation(io.BytesIO(output)).slides[0]
    assert slide.shapes.title.text == 'A & B <c> "d"'
    assert slide.placeholders[1].text_frame.text == "Line one\vLine two"  # python-pptx shows <a:br/> as \v


def test_a_chart_placeholder_becomes_a_picture():
    output = render_pptx(pptx_bytes("Charts", picture="{{ charts.tickets_by_status }}"), CONTEXT)

    shapes = list(Presentation(io.BytesIO(output)).slides[1].shapes)
    pictures = [shape for shape in shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pictures) == 1 and pictures[0].image.content_type == "image/png"
    assert "charts.tickets_by_status" not in slide_texts(output)


def test_the_sandbox_refuses_code_execution_in_slides():
    template = pptx_bytes("{{ project.__class__.__mro__ }}")
    with pytest.raises(TemplateValidationError, match="underscore"):
        validate_pptx_template(data=template, filename="deck.pptx", object_type="project")
    with pytest.raises(TemplateRenderError):
        render_pptx(template, CONTEXT)


def test_a_missing_variable_names_the_slide_and_suggests_the_right_one():
    with pytest.raises(TemplateRenderError) as error:
        render_pptx(pptx_bytes("{{ project.nme }}"), CONTEXT, object_type="project", template_paths=["project.nme"])
    assert str(error.value).startswith("Slide 1: The template uses 'project.nme'")
    assert "Did you mean project.name?" in str(error.value)


@pytest.mark.usefixtures("project_builder")
def test_validation_discovers_row_variables_and_warns_with_did_you_mean():
    template = pptx_bytes("{{ project.nam }}", "{{ inputs.agenda }}", table=TICKET_ROWS)

    result = validate_pptx_template(data=template, filename="deck.pptx", object_type="project")

    assert {"project.tickets[].summary", "project.tickets[].hours", "inputs.agenda"} <= set(result.variables)
    assert result.warnings == [
        "'project.nam' is not a known variable for project documents. Did you mean project.name?"
    ]


def test_syntax_errors_name_the_slide_and_shape():
    with pytest.raises(TemplateValidationError, match=r"slide 1 \(shape “Title 1”\).*Unexpected end of template"):
        validate_pptx_template(data=pptx_bytes("{% if project.name %}open"), filename="d.pptx", object_type="project")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"filename": "deck.pptm"}, r"Macro-enabled PowerPoint files"),
        ({"add": {"ppt/vbaProject.bin": b"\x00" * 64}}, r"macros \(vbaProject.bin\)"),
        ({"add": {"../evil.xml": b"<a/>"}}, r"unsafe path"),
        ({"filename": "deck.docx"}, r"saved as .pptx"),
        (
            {"replace": {"ppt/presentation.xml": b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'}},
            r"\(XXE\)",
        ),
    ],
)
def test_hostile_packages_are_refused(change, message):
    data = pptx_bytes("x")
    if "add" in change or "replace" in change:
        data = rezip(data, add=change.get("add"), replace=change.get("replace"))
    with pytest.raises(TemplateValidationError, match=message):
        validate_pptx_template(data=data, filename=change.get("filename", "deck.pptx"), object_type="project")


def test_too_many_zip_entries_are_refused(settings):
    settings.DOCUMENTS_MAX_ZIP_ENTRIES = 10
    with pytest.raises(TemplateValidationError, match=r"The .pptx package has \d+ parts; at most 10"):
        validate_pptx_template(data=pptx_bytes("x"), filename="deck.pptx", object_type="project")


@pytest.mark.django_db
@pytest.mark.usefixtures("project_builder")
def test_generation_renders_pptx_in_the_isolated_worker():
    template = document_template_create(
        name="Kickoff",
        slug="kickoff",
        object_type="project",
        fmt="pptx",
        user=None,
        docx_bytes=pptx_bytes("{{ project.name }}", "{{ inputs.agenda }}", table=TICKET_ROWS),
        docx_filename="kickoff.pptx",
    )
    assert template.current_version.docx_file.name.endswith(".pptx")

    document = document_generate(
        template=template, record_ids=[12], fmt=None, user=None, free_variables={"agenda": "Intro, plan, Q&A"}
    )

    data = generated_document_bytes(document=document)
    assert document.file.name.endswith(".pptx")
    text = slide_texts(data)
    assert "Network refresh" in text and "Intro, plan, Q&A" in text and "Configure <VLAN> & ACLs" in text


# --- starter decks against emulator-synced data ----------------------------------------------------------------


@pytest.fixture(scope="module")
def synced_connection(django_db_setup, django_db_blocker) -> Iterator[Connection]:
    """Emulator data synced once for this module and removed after it (so other tests start from an empty cache)."""
    with django_db_blocker.unblock():
        connection = sync_emulator_into_cache()
    yield connection
    with django_db_blocker.unblock():
        Connection.objects.filter(pk=connection.pk).delete()


@pytest.fixture
def psa(synced_connection, db) -> Connection:
    return Connection.objects.get(pk=synced_connection.pk)


def _generate_starter(slug: str, record_ids: list[int]) -> str:
    starter = next(s for s in starter_decks() if s.slug == slug)
    template = document_template_create(
        name=starter.name,
        slug=starter.slug,
        object_type=starter.object_type,
        fmt=starter.fmt,
        user=None,
        kind=starter.kind,
        **starter.content(),
    )
    assert template.current_version.warnings == []
    document = document_generate(template=template, record_ids=record_ids, fmt=None, user=None)
    return " ".join(slide_texts(generated_document_bytes(document=document)).split())


@pytest.mark.usefixtures("in_process_rendering")
def test_the_qbr_deck_shows_the_company_its_tickets_and_opportunities(psa):
    company = (
        Company.objects.filter(connection=psa, psa_id__in=Opportunity.objects.filter(connection=psa, closed=False)
                               .values("company_psa_id"))
        .filter(psa_id__in=ServiceTicket.objects.filter(connection=psa, closed=False).values("company_psa_id"))
        .order_by("psa_id")
        .first()
    )  # fmt: skip
    open_ticket = (
        ServiceTicket.objects.filter(connection=psa, company_psa_id=company.psa_id, closed=False)
        .order_by("-date_entered", "-psa_id")
        .first()
    )
    opportunity = Opportunity.objects.filter(connection=psa, company_psa_id=company.psa_id, closed=False).first()

    text = _generate_starter("quarterly-business-review-pptx", [company.psa_id])

    assert company.name in text
    assert " ".join(open_ticket.summary.split()) in text
    assert opportunity.name in text
    assert Configuration.objects.filter(connection=psa).exists()


@pytest.mark.usefixtures("in_process_rendering")
def test_the_kickoff_deck_shows_the_project_and_its_phases(psa):
    project = Project.objects.filter(
        connection=psa, psa_id__in=ProjectPhase.objects.filter(connection=psa).values("project_psa_id")
    ).first()
    phases = ProjectPhase.objects.filter(connection=psa, project_psa_id=project.psa_id)

    text = _generate_starter("project-kickoff-pptx", [project.psa_id])

    assert project.name in text
    for phase in phases:
        assert " ".join(phase.description.split()) in text


@pytest.mark.django_db
def test_loading_the_decks_twice_creates_them_once():
    first = starter_decks_load()
    second = starter_decks_load()

    assert [r.action for r in first] == ["created", "created"]
    assert [r.action for r in second] == ["unchanged", "unchanged"]
    assert set(DocumentTemplate.objects.values_list("format", flat=True)) == {"pptx"}
