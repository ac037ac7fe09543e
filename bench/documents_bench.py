"""Document generation benchmark: a DOCX Statement of Work for a 1,000-ticket project, PDF pages per second on a
~50-page client report, and a batch of 100 company reports split over 2 worker processes.

Everything runs in child processes against a fresh SQLite file and media folder under var/bench/documents, filled
by a full sync from the emulator (scale "small"), with rendering isolated as in production. Figures go to
bench/out/documents.json.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
WORK = ROOT / "var" / "bench" / "documents"
TARGET_SOW_SECONDS = 1.0
TARGET_PDF_PAGES_PER_SECOND = 8.0
TARGET_BATCH_SECONDS = 60.0
PROJECT_TICKETS = 1000
REPORT_TICKETS = 1400  # open tickets added to one company: about 50 pages of client report
BATCH_SIZE = 100
WORKERS = 2


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": f"sqlite:///{WORK / 'bench.sqlite3'}",
        "MEDIA_ROOT": str(WORK / "media"),
        "REDIS_URL": "",
    }


def _django() -> None:
    import django

    django.setup()


def _timed(function):
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def _prepare() -> dict:
    """Child: migrate (loads the starter templates), sync the emulator, add a big project and a busy company."""
    _django()
    from django.core.management import call_command
    from django.utils import timezone

    from integrations.emulator import (
        DEFAULT_CLIENT_ID,
        DEFAULT_COMPANY_ID,
        DEFAULT_PRIVATE_KEY,
        DEFAULT_PUBLIC_KEY,
        Emulator,
        EmulatorServer,
    )
    from integrations.models import Company, Connection, Project, ProjectPhase, ProjectTicket, ServiceTicket
    from integrations.services import build_client, connection_test
    from integrations.sync import sync_connection

    call_command("migrate", verbosity=0)
    with EmulatorServer(Emulator(seed=42, scale="small")) as server:
        connection = Connection.objects.create(
            name="Bench",
            region=Connection.Region.CUSTOM,
            custom_url=server.base_url,
            company_id=DEFAULT_COMPANY_ID,
            public_key=DEFAULT_PUBLIC_KEY,
            private_key=DEFAULT_PRIVATE_KEY,
            client_id=DEFAULT_CLIENT_ID,
            is_default=True,
        )
        connection_test(connection=connection)
        sync_connection(connection=connection, client=build_client(connection), mode="full")

    now = timezone.now()
    project = Project.objects.filter(connection=connection).order_by("psa_id").first()
    phases = list(ProjectPhase.objects.filter(connection=connection, project_psa_id=project.psa_id))
    sample = ProjectTicket.objects.filter(connection=connection, project_psa_id=project.psa_id).first()
    ProjectTicket.objects.bulk_create(
        [
            ProjectTicket(
                connection=connection,
                psa_id=800_000 + n,
                data={**sample.data, "id": 800_000 + n, "summary": f"Migrate workstation WS-{n:04d}"},
                data_hash="bench",
                synced_at=now,
                project_psa_id=project.psa_id,
                phase_psa_id=phases[n % len(phases)].psa_id,
                summary=f"Migrate workstation WS-{n:04d}",
                status_name="New",
            )
            for n in range(PROJECT_TICKETS - ProjectTicket.objects.filter(project_psa_id=project.psa_id).count())
        ],
        batch_size=500,
    )
    company = Company.objects.filter(connection=connection, type_names="Client").order_by("psa_id").first()
    ticket = ServiceTicket.objects.filter(connection=connection, closed=False).first()
    ServiceTicket.objects.bulk_create(
        [
            ServiceTicket(
                connection=connection,
                psa_id=700_000 + n,
                data={**ticket.data, "id": 700_000 + n, "summary": f"Printer queue stuck on floor {n % 7}"},
                data_hash="bench",
                synced_at=now,
                company_psa_id=company.psa_id,
                summary=f"Printer queue stuck on floor {n % 7}",
                status_name=ticket.status_name,
                priority_name=ticket.priority_name,
                date_entered=now,
                closed=False,
            )
            for n in range(REPORT_TICKETS)
        ],
        batch_size=500,
    )
    ids = list(
        Company.objects.filter(connection=connection).exclude(psa_id=company.psa_id).values_list("psa_id", flat=True)
    )
    return {"project": project.psa_id, "company": company.psa_id, "companies": ids[:BATCH_SIZE]}


def _measure_single(project_id: int, company_id: int) -> dict:
    """Child: one DOCX SOW (isolated render, as in production) and one long PDF client report."""
    _django()
    import io

    import pypdf

    from documents.contexts import build_context
    from documents.models import DocumentTemplate
    from documents.selectors import generated_document_bytes
    from documents.services import document_generate

    sow = DocumentTemplate.objects.get(slug="statement-of-work-docx")
    document_generate(template=sow, record_ids=[project_id], fmt=None, user=None)  # warm caches and imports
    _, context_seconds = _timed(
        lambda: build_context(object_type="project", record_ids=[project_id], user=None, options={})
    )
    document, sow_seconds = _timed(
        lambda: document_generate(template=sow, record_ids=[project_id], fmt=None, user=None)
    )
    report = DocumentTemplate.objects.get(slug="client-report-pdf")
    pdf, pdf_seconds = _timed(lambda: document_generate(template=report, record_ids=[company_id], fmt=None, user=None))
    pages = len(pypdf.PdfReader(io.BytesIO(generated_document_bytes(document=pdf))).pages)
    return {
        "sow_docx_seconds": round(sow_seconds, 3),
        "sow_context_seconds": round(context_seconds, 3),
        "sow_render_ms": document.render_ms,
        "report_pdf_pages": pages,
        "report_pdf_seconds": round(pdf_seconds, 3),
        "pdf_pages_per_second": round(pages / pdf_seconds, 2),
    }


def _batch_worker(ids: list[int]) -> dict:
    """Child: one worker's share of the batch, through the batch services (as the queue worker would run them)."""
    _django()
    from documents.models import DocumentTemplate
    from documents.services import document_batch_create, document_batch_generate

    template = DocumentTemplate.objects.get(slug="client-report-pdf")
    batch = document_batch_create(template=template, record_ids=ids, fmt=None, user=None, enqueue=False)
    batch = document_batch_generate(batch_id=batch.pk)
    return {"done": batch.done, "failed": batch.failed}


def _child(command: str, *args: object) -> dict:
    process = subprocess.run(
        [sys.executable, "-m", "bench.documents_bench", command, *(json.dumps(arg) for arg in args)],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if process.returncode != 0:
        raise RuntimeError(f"{command} failed:\n{process.stderr[-3000:]}")
    return json.loads(process.stdout.strip().splitlines()[-1])


def _run_batch(ids: list[int]) -> dict:
    shares = [ids[n::WORKERS] for n in range(WORKERS)]
    started = time.perf_counter()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "bench.documents_bench", "batch", json.dumps(share)],
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for share in shares
    ]
    results = []
    for process in processes:
        out, err = process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"batch worker failed:\n{err[-3000:]}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    seconds = time.perf_counter() - started
    return {
        "batch_documents": sum(r["done"] for r in results),
        "batch_failed": sum(r["failed"] for r in results),
        "batch_seconds": round(seconds, 2),
    }


def main() -> int:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    setup = _child("prepare")
    figures = {**_child("single", setup["project"], setup["company"]), **_run_batch(setup["companies"])}
    batch_ok = figures["batch_seconds"] < TARGET_BATCH_SECONDS and not figures["batch_failed"]
    checks = [
        ("DOCX SOW, 1,000-ticket project (s)", figures["sow_docx_seconds"], f"< {TARGET_SOW_SECONDS:g}",
         figures["sow_docx_seconds"] < TARGET_SOW_SECONDS),
        (f"PDF client report ({figures['report_pdf_pages']} pages), pages/s", figures["pdf_pages_per_second"],
         f">= {TARGET_PDF_PAGES_PER_SECOND:g}", figures["pdf_pages_per_second"] >= TARGET_PDF_PAGES_PER_SECOND),
        (f"Batch of {figures['batch_documents']} PDF reports, {WORKERS} workers (s)", figures["batch_seconds"],
         f"< {TARGET_BATCH_SECONDS:g}", batch_ok),
    ]  # fmt: skip
    print(f"{'measure':<48} {'value':>10}  {'target':<8} ok")
    for label, value, target, ok in checks:
        print(f"{label:<48} {value:>10}  {target:<8} {'yes' if ok else 'NO'}")
    print(f"(SOW context build {figures['sow_context_seconds']} s, render {figures['sow_render_ms']} ms)")
    OUT.mkdir(parents=True, exist_ok=True)
    report = {**figures, "targets_met": all(ok for *_, ok in checks)}
    (OUT / "documents.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0 if report["targets_met"] else 1


if __name__ == "__main__":
    command, *arguments = sys.argv[1:] or ["main"]
    if command == "main":
        sys.exit(main())
    handlers = {"prepare": _prepare, "single": _measure_single, "batch": _batch_worker}
    print(json.dumps(handlers[command](*(json.loads(argument) for argument in arguments))))
