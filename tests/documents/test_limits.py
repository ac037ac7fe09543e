"""Runaway templates are stopped by the worker process limits, with a clear error, and the portal carries on."""

from __future__ import annotations

import io

import pytest
from docx import Document

from documents.errors import TemplateRenderError
from documents.rendering.isolation import run_job_isolated
from tests.documents.builders import docx_bytes, docx_text

pytestmark = pytest.mark.slow


def pdf_job(html: str, css: str = "", **extra) -> dict:
    return {"kind": "pdf", "html_body": html, "css": css, "context": {}, **extra}


def test_runaway_loop_is_stopped_at_the_timeout():
    job = {
        "kind": "docx",
        "template_bytes": docx_bytes(
            "{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}"
            "{% endfor %}{% endfor %}{% endfor %}"
        ),
        "context": {},
    }

    with pytest.raises(TemplateRenderError, match=r"Rendering took longer than 3 s and was stopped"):
        run_job_isolated(job, timeout=3, memory_mb=1024)


def test_runaway_layout_from_extreme_css_is_stopped_at_the_timeout():
    words = " ".join(f"word{i}" for i in range(4000))
    job = pdf_job(f"<p>{words}</p>", "@page { size: 1px 1px; margin: 0 } p { font-size: 12px }")

    with pytest.raises(TemplateRenderError, match=r"Rendering took longer than 3 s and was stopped.*extreme CSS"):
        run_job_isolated(job, timeout=3, memory_mb=1024)


def test_memory_hungry_template_is_stopped_by_the_memory_limit():
    job = pdf_job("{{ 'x' | center(2000000000) }}")

    with pytest.raises(TemplateRenderError, match="needed more than 512 MiB of memory"):
        run_job_isolated(job, timeout=20, memory_mb=512)


def test_sandbox_errors_come_back_from_the_worker_as_messages():
    job = pdf_job("{{ ''.__class__.__mro__[1].__subclasses__() }}")

    with pytest.raises(TemplateRenderError, match="templates are not allowed to do"):
        run_job_isolated(job, timeout=20, memory_mb=1024)


def test_isolated_render_returns_the_document_and_refused_urls():
    docx = run_job_isolated(
        {"kind": "docx", "template_bytes": docx_bytes("Hello {{ name }}"), "context": {"name": "Acme & Co"}},
        timeout=20,
        memory_mb=1024,
    )
    pdf = run_job_isolated(pdf_job('<img src="file:///etc/passwd"><p>Hi</p>'), timeout=20, memory_mb=1024)

    assert docx_text(docx.data) == "Hello Acme & Co"
    assert Document(io.BytesIO(docx.data))
    assert pdf.data.startswith(b"%PDF")
    assert pdf.warnings == [
        "Not loaded (only data: URIs and the portal's static files are allowed): file:///etc/passwd"
    ]


def test_the_worker_gets_none_of_the_portal_secrets(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "do-not-leak")
    job = {"kind": "docx", "template_bytes": docx_bytes("{{ env }}"), "context": {}}

    from documents.rendering import isolation

    assert "SECRET_KEY" not in isolation._child_env()
    assert "FIELD_ENCRYPTION_KEY" not in isolation._child_env()
    with pytest.raises(TemplateRenderError, match="'env'"):
        run_job_isolated(job, timeout=20, memory_mb=1024)


def test_deeply_nested_tables_are_a_clear_error():
    job = pdf_job("{% for i in range(300) %}<table><tr><td>{% endfor %}x")

    with pytest.raises(TemplateRenderError, match="very deep nesting"):
        run_job_isolated(job, timeout=20, memory_mb=1024)
