"""The warm rendering worker: reused between jobs, replaced after a timeout, a crash, N jobs or a fork; and only
the charts a template uses are drawn."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import threading
import time
from decimal import Decimal

import pytest

from documents.errors import TemplateRenderError
from documents.rendering import charts as charts_module
from documents.rendering import isolation
from documents.rendering.charts import charts_to_draw
from documents.rendering.docx import render_docx
from documents.rendering.isolation import run_job_isolated
from documents.rendering.pdf import render_pdf
from documents.rendering.worker import encode_job, read_job
from tests.documents.builders import docx_bytes, docx_text

RUNAWAY = "{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}{% endfor %}{% endfor %}{% endfor %}"  # noqa: E501


def hello_job(name: str = "Acme") -> dict:
    return {"kind": "docx", "template_bytes": docx_bytes("Hello {{ name }}"), "context": {"name": name}}


def worker_pid() -> int | None:
    return isolation._worker.pid if isolation._worker is not None else None


@pytest.fixture(autouse=True)
def fresh_worker():
    isolation.shutdown_worker()
    yield
    isolation.shutdown_worker()


# --- the warm worker ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_jobs_reuse_the_same_worker_process():
    first = run_job_isolated(hello_job("Acme"), timeout=20, memory_mb=1024)
    pid = worker_pid()
    second = run_job_isolated(hello_job("Globex"), timeout=20, memory_mb=1024)

    assert docx_text(first.data) == "Hello Acme"
    assert docx_text(second.data) == "Hello Globex"
    assert pid is not None
    assert worker_pid() == pid


@pytest.mark.slow
def test_after_a_timeout_the_next_job_gets_a_new_worker():
    run_job_isolated(hello_job(), timeout=20, memory_mb=1024)
    pid = worker_pid()
    runaway = {"kind": "docx", "template_bytes": docx_bytes(RUNAWAY), "context": {}}

    with pytest.raises(TemplateRenderError, match=r"Rendering took longer than 2 s and was stopped"):
        run_job_isolated(runaway, timeout=2, memory_mb=1024)

    assert worker_pid() is None
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # killed and reaped
    assert docx_text(run_job_isolated(hello_job(), timeout=20, memory_mb=1024).data) == "Hello Acme"
    assert worker_pid() not in (None, pid)


@pytest.mark.slow
def test_a_worker_crash_is_reported_clearly_and_the_next_job_works():
    run_job_isolated(hello_job(), timeout=20, memory_mb=1024)
    pid = worker_pid()
    errors: list[Exception] = []

    def render_runaway():
        try:
            run_job_isolated(
                {"kind": "docx", "template_bytes": docx_bytes(RUNAWAY), "context": {}}, timeout=20, memory_mb=1024
            )
        except TemplateRenderError as exc:
            errors.append(exc)

    thread = threading.Thread(target=render_runaway)
    thread.start()
    time.sleep(1)
    os.kill(pid, signal.SIGTERM)  # the worker dies in the middle of the job
    thread.join(timeout=20)

    assert [str(error) for error in errors] == [
        f"The rendering worker stopped unexpectedly (exit status {-signal.SIGTERM}); the error is in the portal log."
    ]
    assert docx_text(run_job_isolated(hello_job(), timeout=20, memory_mb=1024).data) == "Hello Acme"
    assert worker_pid() != pid


@pytest.mark.slow
def test_a_worker_that_died_while_idle_is_replaced():
    run_job_isolated(hello_job(), timeout=20, memory_mb=1024)
    pid = worker_pid()
    os.kill(pid, signal.SIGKILL)
    isolation._worker.process.wait()

    assert docx_text(run_job_isolated(hello_job(), timeout=20, memory_mb=1024).data) == "Hello Acme"
    assert worker_pid() != pid


@pytest.mark.slow
def test_a_memory_error_retires_the_worker_and_the_next_job_works():
    with pytest.raises(TemplateRenderError, match="needed more than 512 MiB of memory"):
        run_job_isolated(
            {"kind": "pdf", "html_body": "{{ 'x' | center(2000000000) }}", "context": {}}, timeout=20, memory_mb=512
        )

    assert worker_pid() is None
    assert docx_text(run_job_isolated(hello_job(), timeout=20, memory_mb=512).data) == "Hello Acme"


@pytest.mark.slow
def test_workers_are_recycled_after_max_jobs_and_when_the_limits_change(monkeypatch):
    monkeypatch.setattr(isolation, "MAX_JOBS_PER_WORKER", 2)
    pids = []
    for _ in range(3):
        run_job_isolated(hello_job(), timeout=20, memory_mb=1024)
        pids.append(worker_pid())
    run_job_isolated(hello_job(), timeout=20, memory_mb=768)

    first = pids[0]
    assert pids[1] is None  # retired after its second job
    assert pids[2] not in (None, first)
    assert worker_pid() not in (None, pids[2])  # a different memory limit needs a different worker
    assert isolation._worker.limits == (768, 25)


@pytest.mark.slow
def test_a_forked_process_does_not_reuse_the_parents_worker():
    run_job_isolated(hello_job(), timeout=20, memory_mb=1024)
    parent_worker = worker_pid()

    child = os.fork()
    if child == 0:  # pragma: no cover (runs in the forked child)
        code = 1
        try:
            if isolation._worker is None:
                output = run_job_isolated(hello_job("child"), timeout=20, memory_mb=1024)
                code = 0 if docx_text(output.data) == "Hello child" and worker_pid() != parent_worker else 2
            isolation.shutdown_worker()
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    assert worker_pid() == parent_worker
    assert docx_text(run_job_isolated(hello_job(), timeout=20, memory_mb=1024).data) == "Hello Acme"
    assert worker_pid() == parent_worker


def test_job_requests_carry_plain_data_and_bytes_without_pickle():
    job = {
        "kind": "pdf",
        "template_bytes": b"\x00\n{raw}\xff",
        "context": {
            "when": dt.date(2025, 3, 31),
            "at": dt.datetime(2025, 3, 31, 8, 30, tzinfo=dt.UTC),
            "time": dt.time(9, 15),
            "budget": Decimal("12500.50"),
            "pair": (1, "two"),
            "tricky": {"$bytes": 0},
            "nothing": None,
            "ratio": float("inf"),
            "lines": ["a\nb", {"nested": True}],
        },
        "images": {"logo": b"\x89PNG..."},
    }
    request = encode_job(job)

    assert b"pickle" not in request and request.count(b"\n") >= 1
    assert read_job(io.BytesIO(request)) == job
    assert read_job(io.BytesIO(b"")) is None


# --- only the charts a template uses are drawn ----------------------------------------------------------------

CHARTS = {
    "tickets_by_status": {"kind": "bar", "title": "Tickets", "data": {"New": 1, "Closed": 2}},
    "hours": {"kind": "line", "title": "Hours", "data": [["Jan", 3], ["Feb", 4]]},
}


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["project.name", "charts.hours"], ["hours"]),
        (["project.name"], []),
        (["charts.tickets_by_status", "charts.hours"], ["tickets_by_status", "hours"]),
        ([], ["tickets_by_status", "hours"]),  # unknown paths: draw them all
        (["charts"], ["tickets_by_status", "hours"]),  # used as a whole
        (["charts[]"], ["tickets_by_status", "hours"]),  # charts[name]
        (["charts.items"], ["tickets_by_status", "hours"]),  # charts.items(): not a chart name
    ],
)
def test_charts_to_draw(paths, expected):
    assert list(charts_to_draw(CHARTS, paths)) == expected


@pytest.fixture
def drawn(monkeypatch):
    calls: list[str] = []
    real = charts_module.chart_from_spec

    def counting(spec, *, fmt):
        calls.append(spec["title"])
        return real(spec, fmt=fmt)

    monkeypatch.setattr("documents.rendering.pdf.chart_from_spec", counting)
    monkeypatch.setattr("documents.rendering.docx.chart_from_spec", counting)
    return calls


def test_pdf_draws_only_the_charts_the_template_uses(drawn):
    output = render_pdf("{{ charts.hours }}", "", {"charts": CHARTS}, template_paths=["charts.hours"])

    assert output.startswith(b"%PDF")
    assert drawn == ["Hours"]


def test_pdf_without_charts_in_the_template_draws_none(drawn):
    render_pdf("<p>{{ name }}</p>", "", {"name": "x", "charts": CHARTS}, template_paths=["name"])

    assert drawn == []


def test_docx_draws_only_the_charts_the_template_uses(drawn):
    output = render_docx(
        docx_bytes("{{ charts.tickets_by_status }}"), {"charts": CHARTS}, template_paths=["charts.tickets_by_status"]
    )

    assert b"word/media/" in output
    assert drawn == ["Tickets"]


def test_all_charts_are_drawn_when_the_template_paths_are_unknown(drawn):
    render_docx(docx_bytes("{{ charts.hours }}"), {"charts": CHARTS})

    assert drawn == ["Tickets", "Hours"]
