"""Run a render job in a fresh worker process with a wall-clock timeout and a memory limit.

A new interpreter per render (not fork): safe from threaded web servers, allowed inside django-q2's daemonic
workers, and it starts with no database connection and none of the portal's secrets in its environment.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import pickle
import signal
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from documents.errors import TemplateRenderError

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Only what fonts, matplotlib and Python need; never the portal's secrets.
_ENV_PASSTHROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "MPLCONFIGDIR", "XDG_CACHE_HOME", "FONTCONFIG_PATH")


@dataclass
class RenderOutput:
    """A rendered document and the warnings collected while rendering (e.g. resources that were not loaded)."""

    data: bytes
    warnings: list[str] = field(default_factory=list)


def _child_env() -> dict[str, str]:
    env = {name: os.environ[name] for name in _ENV_PASSTHROUGH if name in os.environ}
    env.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "PYTHONDONTWRITEBYTECODE": "1"})
    return env


def run_job_in_process(job: Mapping[str, Any]) -> RenderOutput:
    """Render in this process: no time or memory limit (for tests and tools that do not test the limits)."""
    from documents.rendering.worker import execute_job

    data, warnings = execute_job(job)
    return RenderOutput(data=data, warnings=warnings)


def run_job_isolated(job: Mapping[str, Any], *, timeout: float, memory_mb: int) -> RenderOutput:
    """Render in a worker process; kill it after `timeout` seconds; raise TemplateRenderError on any failure."""
    job = {**job, "memory_mb": memory_mb, "cpu_seconds": int(timeout) + 5}
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "documents.rendering.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=PROJECT_ROOT,
            env=_child_env(),
            start_new_session=True,
        )
        try:
            out, _ = process.communicate(pickle.dumps(job), timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(process)
            raise TemplateRenderError(
                f"Rendering took longer than {timeout:g} s and was stopped. Look for loops over large ranges or "
                "deeply nested loops and tables in the template, or extreme CSS sizes (page size, fonts)."
            ) from None
        except BaseException:
            _kill(process)
            raise
        stderr.seek(0)
        diagnostics = stderr.read()[-4000:].decode("utf-8", "replace")
    header_line, _, body = out.partition(b"\n")
    try:
        header = json.loads(header_line)
    except ValueError:
        header = None
    if not isinstance(header, dict):
        logger.error("Rendering worker exited with %s without an answer: %s", process.returncode, diagnostics)
        raise TemplateRenderError(_crash_message(process.returncode, memory_mb))
    if not header.get("ok"):
        if header.get("reason") == "memory":
            raise TemplateRenderError(_memory_message(memory_mb))
        raise TemplateRenderError(str(header.get("message") or "The document could not be rendered."))
    if len(body) != header.get("size"):
        raise TemplateRenderError("The rendering worker returned an incomplete document; try again.")
    warnings = [str(warning) for warning in header.get("warnings", [])]
    for warning in warnings:
        logger.warning("Document rendering: %s", warning)
    return RenderOutput(data=body, warnings=warnings)


def _kill(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _memory_message(memory_mb: int) -> str:
    return (
        f"Rendering needed more than {memory_mb} MiB of memory and was stopped. Reduce the amount of data "
        "(fewer records, fewer loops) or the size of images in the template."
    )


def _crash_message(returncode: int | None, memory_mb: int) -> str:
    if returncode == -signal.SIGXCPU:
        return "Rendering used too much processor time and was stopped. Simplify the template's loops and tables."
    if returncode in (-signal.SIGKILL, -signal.SIGSEGV, -signal.SIGABRT):
        return _memory_message(memory_mb)
    return f"The rendering worker stopped unexpectedly (exit status {returncode}); the error is in the portal log."
