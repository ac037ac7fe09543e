"""Upload validation of .docx and HTML templates: safe packages only, Jinja errors with lines, variable warnings."""

from __future__ import annotations

import io
import zipfile

import pytest

from documents.errors import TemplateValidationError
from documents.validation import validate_docx_template, validate_html_template
from tests.documents.builders import MINIMAL_CONTENT_TYPES, document_xml, docx_bytes, rezip


def validate(data: bytes, filename: str = "sow.docx", object_type: str = "project"):
    return validate_docx_template(data=data, filename=filename, object_type=object_type)


def test_a_real_docx_with_known_variables_passes_without_warnings(project_builder):
    data = docx_bytes("Project {{ project.name }}", "{% for t in project.tickets %}{{ t.summary }}{% endfor %}")

    result = validate(data)

    assert result.variables == ["project.name", "project.tickets", "project.tickets[].summary"]
    assert result.warnings == []


def test_header_and_table_row_tags_are_checked(project_builder):
    data = docx_bytes(
        "Body",
        header="{{ project.nam }}",
        table=[
            ["{%tr for t in project.tickets %}", ""],
            ["{{ t.status }}", "{{ t.hours|hours }}"],
            ["{%tr endfor %}", ""],
        ],
    )

    result = validate(data)

    assert "project.tickets[].status" in result.variables
    assert result.warnings == [
        "'project.nam' is not a known variable for project documents. Did you mean project.name?"
    ]


def test_unknown_variable_is_a_warning_with_a_suggestion(project_builder):
    result = validate(docx_bytes("{{ project.manger }} {{ project.name.upper() }} {{ inputs.scope }}"))

    assert result.warnings == [
        "'project.manger' is not a known variable for project documents. Did you mean project.manager?"
    ]


def test_without_a_registered_builder_only_common_variables_are_checked(no_project_builder):
    result = validate(docx_bytes("{{ user.name }} {{ project.name }}"))

    assert result.warnings[0].startswith("No data source is registered for project records yet")


def test_jinja_syntax_error_reports_line_and_reason():
    data = docx_bytes("Intro", "Second", "{% if project.name %}unclosed")

    with pytest.raises(TemplateValidationError) as error:
        validate(data)

    message = str(error.value)
    assert "document body, line" in message
    assert "Unexpected end of template" in message


def test_unknown_filter_is_reported_at_upload():
    with pytest.raises(TemplateValidationError, match="No filter named 'moneyy'"):
        validate(docx_bytes("{{ project.budget|moneyy }}"))


def test_underscore_attributes_are_refused_at_upload():
    with pytest.raises(TemplateValidationError, match="names starting with an underscore are not allowed"):
        validate(docx_bytes("{{ cycler.__init__.__globals__.os }}"))


def test_zip_bomb_is_refused_from_the_central_directory():
    bomb = rezip(docx_bytes("x"), add={"word/media/padding.xml": b"<a>" + b" " * (20 * 1024 * 1024) + b"</a>"})
    assert len(bomb) < 200_000  # small on disk

    with pytest.raises(TemplateValidationError, match=r"expands more than 100:1.*zip bomb"):
        validate(bomb)


def test_many_highly_compressible_entries_over_the_total_are_refused(settings):
    settings.DOCUMENTS_MAX_COMPRESSION_RATIO = 10_000
    parts = {f"word/p{i}.xml": b"<a>" + b"0" * (2 * 1024 * 1024) + b"</a>" for i in range(14)}

    with pytest.raises(TemplateValidationError, match=r"unpacks to 28\.\d MiB; at most 25\.0 MiB"):
        validate(rezip(docx_bytes("x"), add=parts))


def test_too_many_entries_are_refused():
    data = docx_bytes("x")
    existing = len(zipfile.ZipFile(io.BytesIO(data)).infolist())
    extra = {f"word/extra{i}.xml": b"<a/>" for i in range(1001 - existing)}

    with pytest.raises(TemplateValidationError, match="1,001 parts; at most 1,000"):
        validate(rezip(data, add=extra))


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/cron.d/evil", "word/../../evil.xml", "C:/evil.xml"])
def test_paths_escaping_the_package_are_refused(name):
    with pytest.raises(TemplateValidationError, match="unsafe path"):
        validate(rezip(docx_bytes("x"), add={name: b"<a/>"}))


def test_macros_are_refused():
    with pytest.raises(TemplateValidationError, match=r"macros \(vbaProject.bin\)"):
        validate(rezip(docx_bytes("x"), add={"word/vbaProject.bin": b"\x00" * 100}))


def test_macro_enabled_content_type_is_refused():
    data = docx_bytes("x")
    types = (
        zipfile.ZipFile(io.BytesIO(data))
        .read("[Content_Types].xml")
        .replace(b"document.main+xml", b"document.macroEnabled.main+xml")
    )

    with pytest.raises(TemplateValidationError, match="macro-enabled"):
        validate(rezip(data, replace={"[Content_Types].xml": types}))


def test_docm_file_name_is_refused():
    with pytest.raises(TemplateValidationError, match=r"Macro-enabled Word files \(.docm\)"):
        validate(docx_bytes("x"), filename="sow.docm")


def test_not_a_zip_disguised_as_docx_is_refused():
    with pytest.raises(TemplateValidationError, match=r"not a Word .docx document"):
        validate(b"%PDF-1.7 this is really a PDF", filename="sow.docx")


def test_zip_without_word_document_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", MINIMAL_CONTENT_TYPES)

    with pytest.raises(TemplateValidationError, match=r"no word/document.xml"):
        validate(buffer.getvalue())


def test_xxe_in_document_xml_is_refused():
    data = docx_bytes("{{ project.name }}")
    xml = document_xml(data)
    declaration, _, rest = xml.partition(b"?>")
    hostile = declaration + b'?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' + rest
    hostile = hostile.replace(b"{{ project.name }}", b"&xxe;")

    with pytest.raises(TemplateValidationError, match=r"DOCTYPE or XML entities.*\(XXE\)"):
        validate(rezip(data, replace={"word/document.xml": hostile}))


def test_oversized_upload_is_refused(settings):
    settings.DOCUMENTS_MAX_UPLOAD_BYTES = 20_000

    with pytest.raises(TemplateValidationError, match=r"templates may be at most 0.0 MiB|at most"):
        validate(docx_bytes("x" * 10, *["filler paragraph"] * 10))


def test_html_template_syntax_error_reports_the_html_line():
    with pytest.raises(TemplateValidationError, match=r"HTML body, line 3: .*'endfor'"):
        validate_html_template(
            html_body="<h1>x</h1>\n<ul>\n{% for t in project.tickets %}<li>\n", css="", object_type="project"
        )


def test_html_template_warns_about_unknown_variables_and_external_urls(project_builder):
    result = validate_html_template(
        html_body='<h1>{{ project.nme }}</h1><img src="https://example.com/x.png">',
        css="body { background: url(file:///etc/passwd) }",
        object_type="project",
    )

    assert result.warnings == [
        "'project.nme' is not a known variable for project documents. Did you mean project.name?",
        "https://example.com/x.png will not be loaded: PDF documents may only use data: URIs and the portal's "
        "/static/ files.",
        "file:///etc/passwd will not be loaded: PDF documents may only use data: URIs and the portal's /static/ files.",
    ]
