"""DOCX rendering: values land in the document, data cannot break the XML, missing variables name themselves."""

from __future__ import annotations

import io

import pytest
from docx import Document

from documents.errors import TemplateRenderError
from documents.rendering.charts import chart_png
from documents.rendering.docx import render_docx
from documents.rendering.sandbox import SandboxLimits
from tests.documents.builders import docx_bytes, docx_text
from tests.documents.conftest import build_dummy_project_context

CONTEXT = build_dummy_project_context(record_ids=[12], user=None, options={})


def test_values_land_in_body_header_and_table_rows():
    template = docx_bytes(
        "Statement of work: {{ project.name }}",
        "Budget {{ project.budget|money('$') }}, due {{ project.due|date }}",
        header="{{ project.manager }}",
        table=[
            ["{%tr for t in project.tickets %}", ""],
            ["{{ t.summary }}", "{{ t.hours|hours }}"],
            ["{%tr endfor %}", ""],
        ],
    )

    output = render_docx(template, CONTEXT)

    text = docx_text(output)
    assert "Statement of work: Network refresh" in text
    assert "Budget $12,500.50, due 31 Mar 2025" in text
    assert "Replace core switch" in text and "3.2h" in text
    assert Document(io.BytesIO(output)).sections[0].header.paragraphs[0].text == "Dana"


def test_xml_and_ampersands_in_data_render_literally_and_the_file_still_opens():
    hostile = '</w:t></w:r></w:p><w:p><w:r><w:t>INJECTED & "quoted" <b>'
    context = {"project": {"name": hostile}}

    output = render_docx(docx_bytes("Name: {{ project.name }}"), context)

    document = Document(io.BytesIO(output))
    assert [paragraph.text for paragraph in document.paragraphs] == [f"Name: {hostile}"]


def test_a_missing_variable_names_its_full_path_and_suggests_the_right_one():
    with pytest.raises(TemplateRenderError) as error:
        render_docx(docx_bytes("{{ project.nme }}"), CONTEXT, object_type="project", template_paths=["project.nme"])

    assert str(error.value) == (
        "The template uses 'project.nme', which is not defined for a project. Did you mean project.name?"
    )


def test_a_missing_attribute_inside_a_loop_names_the_list_path():
    template = docx_bytes("{% for t in project.tickets %}{{ t.sumary }}{% endfor %}")

    with pytest.raises(
        TemplateRenderError, match=r"'project.tickets\[\].sumary'.*Did you mean project.tickets\[\].summary"
    ):
        render_docx(template, CONTEXT, template_paths=["project.tickets", "project.tickets[].sumary"])


def test_chart_spec_renders_as_a_picture_in_the_document():
    output = render_docx(docx_bytes("Tickets", "{{ charts.tickets_by_status }}"), CONTEXT)

    document = Document(io.BytesIO(output))
    images = [part for part in document.part.package.parts if part.content_type == "image/png"]
    assert len(images) == 1
    assert images[0].blob.startswith(b"\x89PNG")
    assert document.inline_shapes[0].width > 0


def test_logo_image_renders_from_images():
    logo = chart_png("pie", {"a": 1, "b": 2}, "logo")

    output = render_docx(docx_bytes("{{ images.logo }} Acme"), {}, images={"logo": logo})

    assert len(Document(io.BytesIO(output)).inline_shapes) == 1


def test_autoescape_cannot_be_bypassed_by_data_markup_lookalikes():
    context = {"project": {"name": "<w:br/>"}}

    output = render_docx(docx_bytes("{{ project.name|upper }}"), context)

    assert "<W:BR/>" in docx_text(output)


def test_output_size_is_capped():
    template = docx_bytes("{% for i in range(1000) %}{{ 'x' * 1000 }}{% endfor %}")

    with pytest.raises(TemplateRenderError, match="grew past 100,000 characters"):
        render_docx(template, {}, limits=SandboxLimits(max_output_chars=100_000))
