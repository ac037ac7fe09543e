"""The rendering worker: a long-lived process with limits, serving render jobs one at a time on stdin/stdout.

Started by `documents.rendering.isolation` as `python -m documents.rendering.worker --memory-mb N --cpu-seconds S`.
It applies the memory limit first, imports the heavy libraries once, then loops:

Request (stdin): one JSON header line `{"blobs": [sizes...], "job": ...}`, then the raw bytes of the blobs it refers
to (`{"$bytes": i}`); dates, decimals and tuples are tagged the same way (see `encode_job`). Never pickle.
Answer (stdout): one JSON header line, then the document bytes. The answer is JSON, not pickle, so even a template
that escaped the sandbox could not hand the portal code to run. EOF on stdin ends the worker. No Django here.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import json
import math
import os
import resource
import sys
from collections.abc import Mapping
from decimal import Decimal
from typing import IO, Any

from documents.errors import DocumentError, TemplateRenderError

MIB = 1024 * 1024
# The CPU time rlimit counts over the worker's whole life: each job gets `cpu_seconds` more (soft limit), and the
# worker retires once its lifetime budget (hard limit) could not cover another full job.
CPU_BUDGET_JOBS = 10


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
    elif job["kind"] == "pptx":
        from documents.rendering.pptx import render_pptx

        data = render_pptx(job["template_bytes"], job["context"], **common)
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


# --- the request framing: JSON with tagged values, bytes sent raw after the header line ----------------------


def _encode(value: Any, blobs: list[bytes]) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        blobs.append(bytes(value))
        return {"$bytes": len(blobs) - 1}
    if isinstance(value, dict):
        encoded = {str(key): _encode(item, blobs) for key, item in value.items()}
        # A plain dict that looks like a tag is wrapped so it cannot be mistaken for one.
        return {"$dict": encoded} if len(encoded) == 1 and next(iter(encoded)).startswith("$") else encoded
    if isinstance(value, list):
        return [_encode(item, blobs) for item in value]
    if isinstance(value, tuple):
        return {"$tuple": [_encode(item, blobs) for item in value]}
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dt.time):
        return {"$time": value.isoformat()}
    raise TypeError(f"A render job cannot carry a {type(value).__name__}.")


_TAGS = {
    "$tuple": None,
    "$float": float,
    "$decimal": Decimal,
    "$datetime": dt.datetime.fromisoformat,
    "$date": dt.date.fromisoformat,
    "$time": dt.time.fromisoformat,
}


def _decode(value: Any, blobs: list[bytes]) -> Any:
    if isinstance(value, list):
        return [_decode(item, blobs) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((tag, item),) = value.items()
        if tag == "$bytes":
            return blobs[item]
        if tag == "$dict":
            return {key: _decode(inner, blobs) for key, inner in item.items()}
        if tag == "$tuple":
            return tuple(_decode(inner, blobs) for inner in item)
        if tag in _TAGS:
            return _TAGS[tag](item)
    return {key: _decode(item, blobs) for key, item in value.items()}


def encode_job(job: Mapping[str, Any]) -> bytes:
    """A render job as one request: a JSON header line, then the raw bytes it refers to."""
    blobs: list[bytes] = []
    header = {"job": _encode(dict(job), blobs), "blobs": [len(blob) for blob in blobs]}
    return json.dumps(header, separators=(",", ":")).encode("utf-8") + b"\n" + b"".join(blobs)


def read_job(stream: IO[bytes]) -> dict[str, Any] | None:
    """The next request from `stream`, or None at EOF."""
    line = stream.readline()
    if not line:
        return None
    header = json.loads(line)
    blobs = []
    for size in header["blobs"]:
        blob = stream.read(size)
        if len(blob) != size:
            raise EOFError("truncated request")
        blobs.append(blob)
    return _decode(header["job"], blobs)


# --- the worker process ------------------------------------------------------------------------------------


def _cpu_used() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _apply_limits(memory_mb: int | None, cpu_seconds: int | None) -> None:
    if memory_mb:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * MIB, memory_mb * MIB))
    if cpu_seconds:
        # Backstop only: the portal kills this process at the wall-clock timeout first.
        budget = math.ceil(_cpu_used()) + cpu_seconds * CPU_BUDGET_JOBS + 1
        resource.setrlimit(resource.RLIMIT_CPU, (budget - 1, budget))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _cpu_budget_left(cpu_seconds: int | None) -> bool:
    """Whether the worker's lifetime CPU budget (hard limit) still covers a full job."""
    if not cpu_seconds:
        return True
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    return hard == resource.RLIM_INFINITY or math.ceil(_cpu_used()) + cpu_seconds < hard


def _start_job_cpu_limit(cpu_seconds: int | None) -> None:
    """Give the next job `cpu_seconds` of CPU time from now (the rlimit counts the worker's whole life)."""
    if cpu_seconds:
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = math.ceil(_cpu_used()) + cpu_seconds
        resource.setrlimit(resource.RLIMIT_CPU, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


_PRELOAD = (
    "docxtpl",
    "matplotlib.figure",
    "matplotlib.backends.backend_agg",
    "matplotlib.backends.backend_svg",
    "weasyprint",
    "pptx",
    "documents.rendering.docx",
    "documents.rendering.pdf",
    "documents.rendering.pptx",
)


def _preload() -> None:
    """Import the heavy libraries once, so each job only pays for rendering (a failure shows in the first job)."""
    for name in _PRELOAD:
        with contextlib.suppress(Exception, MemoryError):
            importlib.import_module(name)


def _answer(job: Mapping[str, Any]) -> tuple[dict[str, Any], bytes]:
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
    return header, data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="documents.rendering.worker")
    parser.add_argument("--memory-mb", type=int, default=0)
    parser.add_argument("--cpu-seconds", type=int, default=0)
    args = parser.parse_args(argv)

    answer = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print() from a library must not corrupt the answers
    requests = sys.stdin.buffer
    _apply_limits(args.memory_mb, args.cpu_seconds)
    _preload()
    while True:
        job = read_job(requests)
        if job is None:
            return 0
        _start_job_cpu_limit(args.cpu_seconds)
        header, data = _answer(job)
        # After a MemoryError a library may be half-initialised: ask the portal for a fresh worker.
        if header.get("reason") == "memory" or not _cpu_budget_left(args.cpu_seconds):
            header["retire"] = True
        answer.write(json.dumps(header).encode("utf-8") + b"\n")
        if header["ok"]:
            answer.write(data)
        answer.flush()
        del job, data


if __name__ == "__main__":
    sys.exit(main())
