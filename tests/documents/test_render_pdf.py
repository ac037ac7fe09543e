"""PDF rendering: values and page numbers land in the PDF; nothing outside data: URIs and static files is fetched."""

from __future__ import annotations

import http.server
import io
import threading

import pypdf
import pytest

from documents.errors import TemplateRenderError
from documents.rendering.charts import chart_png
from documents.rendering.pdf import render_pdf
from tests.documents.conftest import build_dummy_project_context

CONTEXT = build_dummy_project_context(record_ids=[12], user=None, options={})


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_values_and_page_numbers_land_in_the_pdf():
    html = """
    <section class="cover"><h1>{{ project.name }}</h1></section>
    <h2>Tickets</h2>
    <table><thead><tr><th>Summary</th><th>Hours</th></tr></thead><tbody>
    {% for t in project.tickets %}
      <tr><td>{{ t.summary }}</td><td class="number">{{ t.hours|hours }}</td></tr>
    {% endfor %}
    </tbody></table>
    <p>Budget {{ project.budget|money('$') }}</p>
    """

    output = render_pdf(html, "", CONTEXT)

    text = pdf_text(output)
    assert "Network refresh" in text
    assert "Configure <VLAN> & ACLs" in text
    assert "Budget $12,500.50" in text
    assert "Page 2 of 2" in text
    assert len(pypdf.PdfReader(io.BytesIO(output)).pages) == 2


def test_long_tables_repeat_their_header_on_every_page():
    rows = [{"summary": f"Ticket {i}", "status": "Open", "hours": 1} for i in range(120)]
    html = (
        "<table><thead><tr><th>HeaderCell</th></tr></thead><tbody>"
        "{% for t in tickets %}<tr><td>{{ t.summary }}</td></tr>{% endfor %}</tbody></table>"
    )

    pages = pypdf.PdfReader(io.BytesIO(render_pdf(html, "", {"tickets": rows}))).pages

    assert len(pages) > 1
    assert all("HeaderCell" in page.extract_text() for page in pages)


def test_chart_renders_as_svg_image():
    output = render_pdf("<h1>Report</h1>{{ charts.tickets_by_status }}", "", CONTEXT)

    reader = pypdf.PdfReader(io.BytesIO(output))
    assert len(reader.pages[0].get_contents().get_data()) > 5000  # the bars and labels are drawn


def test_static_files_and_data_uris_are_the_only_resources_loaded():
    logo = chart_png("bar", {"a": 1}, "logo")
    refused: list[str] = []

    output = render_pdf(
        '<img src="/static/img/logo.png"><img src="/static/img/other.png">',
        "",
        {},
        static_files={"img/logo.png": logo},
        refused_urls=refused,
    )

    assert len(pypdf.PdfReader(io.BytesIO(output)).pages[0].images) == 1
    assert refused == ["https://portal.invalid/static/img/other.png"]


def test_file_urls_and_attachments_are_not_read():
    refused: list[str] = []

    output = render_pdf(
        '<link rel="attachment" href="file:///etc/hostname"><img src="file:///etc/passwd"><p>ok</p>',
        "p { background: url(file:///etc/shadow) }",
        {},
        refused_urls=refused,
    )

    assert pypdf.PdfReader(io.BytesIO(output)).attachments == {}
    assert set(refused) == {
        "file:///etc/hostname",
        "file:///etc/passwd",
        "file:///etc/shadow",
    }


@pytest.fixture
def loopback_server():
    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1], requests
    server.shutdown()
    server.server_close()


def test_http_urls_in_css_and_html_never_reach_the_network(loopback_server):
    port, requests = loopback_server
    base = f"http://127.0.0.1:{port}"
    html = (
        f'<link rel="stylesheet" href="{base}/style.css"><img src="{base}/img.png">'
        f'<link rel="attachment" href="{base}/secret"><p class="x">text</p>'
    )
    css = f"@import url({base}/import.css); .x {{ background: url({base}/bg.png) }}"

    render_pdf(html, css, {})

    assert requests == []


def test_a_missing_variable_is_named():
    with pytest.raises(TemplateRenderError, match=r"The template uses 'project.nme'.*Did you mean project.name"):
        render_pdf("{{ project.nme }}", "", CONTEXT, object_type="project", template_paths=["project.nme"])


def test_extreme_css_that_breaks_layout_is_a_clear_error():
    with pytest.raises(TemplateRenderError, match=r"could not lay out this template.*extreme sizes"):
        render_pdf('<p style="font-size: 1e30px">x</p>', "", {})


def test_static_references_are_resolved_by_the_staticfiles_finders(settings):
    from documents.services import _static_files_for

    files = _static_files_for(
        '<link rel="stylesheet" href="/static/css/portal.css">', "x { background: url(/static/../x) }"
    )

    assert list(files) == ["css/portal.css"]
    assert files["css/portal.css"] == (settings.BASE_DIR / "static" / "css" / "portal.css").read_bytes()
