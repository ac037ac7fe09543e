"""The rendering worker: one process per render, with limits, speaking a tiny protocol on stdin/stdout.

Input (stdin): a pickled job dict from the portal (trusted). Output (stdout): one JSON header line, then the
document bytes. The answer is JSON, not pickle, so even a template that escaped the sandbox could not hand the
portal code to run. No Django here.
"""

from __future__ import annotations

import json
import os
import pickle
import resource
import sys
from collections.abc import Mapping
from typing import Any

from documents.errors import DocumentError, TemplateRenderError

MIB = 1024 * 1024


def execute_job(job: Mapping[str, Any]) -> tuple[bytes, list[str]]:
    """Run one render job in this process; returns (document bytes, warnings)."""
    from documents.rendering.sandbox import SandboxLimits

    limits = SandboxLimits(**job.get("limits", {}))
    common = {
        "images": job.get("images") or {},
        "object_type": job.get("object_type"),
        "template_paths": job.get("template_paths") or (),
        "limits": limits,
    }
    warnings: list[str] = []
    if job["kind"] == "docx":
        from documents.rendering.docx import render_docx

        data = render_docx(job["template_bytes"], job["context"], **common)
    elif job["kind"] == "pdf":
        from documents.rendering.pdf import render_pdf

        refused: list[str] = []
        data = render_pdf(
            job["html_body"],
            job.get("css") or "",
            job["context"],
            static_files=job.get("static_files") or {},
            refused_urls=refused,
            **common,
        )
        warnings += [
            f"Not loaded (only data: URIs and the portal's static files are allowed): {url}" for url in refused
        ]
    else:
        raise TemplateRenderError(f"Unknown render job kind {job['kind']!r}.")
    max_bytes = job.get("max_document_bytes")
    if max_bytes and len(data) > max_bytes:
        raise TemplateRenderError(
            f"The document is {len(data) / MIB:.1f} MiB, more than the {max_bytes / MIB:.0f} MiB allowed."
        )
    return data, warnings


def _apply_limits(job: Mapping[str, Any]) -> None:
    memory_mb = job.get("memory_mb")
    if memory_mb:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * MIB, memory_mb * MIB))
    cpu_seconds = job.get("cpu_seconds")
    if cpu_seconds:
        # Backstop only: the portal kills this process at the wall-clock timeout first.
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main() -> int:
    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print() from a library must not corrupt the answer
    job = pickle.load(sys.stdin.buffer)  # noqa: S301 (written by the portal process that started us)
    _apply_limits(job)
    data = b""
    try:
        data, warnings = execute_job(job)
        header: dict[str, Any] = {"ok": True, "size": len(data), "warnings": warnings}
    except DocumentError as exc:
        header = {"ok": False, "message": exc.message}
    except MemoryError:
        header = {"ok": False, "reason": "memory"}
    except RecursionError:
        header = {"ok": False, "message": "The template is nested too deeply to render (tables or lists)."}
    except Exception as exc:
        header = {"ok": False, "message": f"The document could not be rendered ({type(exc).__name__}: {exc})."}
    answer.write(json.dumps(header).encode("utf-8") + b"\n")
    if header["ok"]:
        answer.write(data)
    answer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
