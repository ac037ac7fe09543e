"""Run render jobs in a warm worker process with a wall-clock timeout and a memory limit.

The worker is a separate interpreter (not a fork): safe from threaded web servers, allowed inside django-q2's
daemonic workers, and it starts with no database connection and none of the portal's secrets in its environment.
Each calling process keeps one long-lived worker (started lazily, used by one job at a time) that has imported
WeasyPrint, matplotlib, docxtpl and python-pptx once. A worker that times out is killed; one that crashes, runs out
of memory or has served `MAX_JOBS_PER_WORKER` jobs is replaced, so the next job always starts from a healthy worker.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from documents.errors import TemplateRenderError
from documents.rendering.worker import encode_job

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Only what fonts, matplotlib and Python need; never the portal's secrets.
_ENV_PASSTHROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "MPLCONFIGDIR", "XDG_CACHE_HOME", "FONTCONFIG_PATH")
MAX_JOBS_PER_WORKER = 200  # recycle a worker after this many jobs, to bound leaks in the libraries
_READ_CHUNK = 1024 * 1024


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


# --- the warm worker -------------------------------------------------------------------------------------------


class _WorkerDied(Exception):
    """The worker closed its answer pipe (crashed, was killed, or hit a limit) before answering in full."""


class _Worker:
    """One worker process, started with the limits it enforces for every job it serves."""

    def __init__(self, memory_mb: int, cpu_seconds: int) -> None:
        self.limits = (memory_mb, cpu_seconds)
        self.owner_pid = os.getpid()
        self.jobs = 0
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the worker; closed in close())
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "documents.rendering.worker",
                f"--memory-mb={memory_mb}",
                f"--cpu-seconds={cpu_seconds}",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            cwd=PROJECT_ROOT,
            env=_child_env(),
            start_new_session=True,
            bufsize=0,
        )
        os.set_blocking(self.process.stdin.fileno(), False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def exchange(self, request: bytes, deadline: float) -> tuple[dict[str, Any], bytes]:
        """Send one request and read its answer (header, body); TimeoutError at `deadline` (time.monotonic)."""
        stdin: IO[bytes] = self.process.stdin  # type: ignore[assignment]
        stdout: IO[bytes] = self.process.stdout  # type: ignore[assignment]
        pending = memoryview(request)
        received = bytearray()
        header: dict[str, Any] | None = None
        expected = -1
        with selectors.DefaultSelector() as selector:
            selector.register(stdin.fileno(), selectors.EVENT_WRITE)
            selector.register(stdout.fileno(), selectors.EVENT_READ)
            while True:
                if header is None and (newline := received.find(b"\n")) >= 0:
                    header = _parse_header(bytes(received[:newline]))
                    del received[: newline + 1]
                    expected = int(header.get("size") or 0) if header.get("ok") else 0
                if header is not None and len(received) >= expected:
                    return header, bytes(received[:expected])
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                for key, _ in selector.select(remaining):
                    if key.fd == stdout.fileno():
                        chunk = os.read(key.fd, _READ_CHUNK)
                        if not chunk:
                            raise _WorkerDied(header)
                        received += chunk
                        continue
                    try:
                        pending = pending[os.write(key.fd, pending[:_READ_CHUNK]) :]
                    except BrokenPipeError:
                        pending = pending[:0]  # the worker is gone: its answer pipe reports EOF next
                    except BlockingIOError:
                        continue
                    if not pending:
                        selector.unregister(key.fd)

    def diagnostics(self) -> str:
        """The end of what the worker wrote to stderr (read without moving the worker's file offset)."""
        with contextlib.suppress(OSError, ValueError):
            size = os.fstat(self.stderr.fileno()).st_size
            return os.pread(self.stderr.fileno(), 4000, max(0, size - 4000)).decode("utf-8", "replace")
        return ""

    def close(self, *, kill: bool = False) -> None:
        """Stop the worker: SIGKILL its process group if `kill` or it does not exit promptly at EOF."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        if not kill:
            try:
                self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                kill = True
        if kill:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self._close_files()

    def abandon(self) -> None:
        """After a fork: let go of the parent's worker without touching the process (it is not ours)."""
        self.process.returncode = 0  # so Popen.__del__ does not try to reap another process's child
        self._close_files()

    def _close_files(self) -> None:
        for stream in (self.process.stdin, self.process.stdout, self.stderr):
            with contextlib.suppress(OSError):
                stream.close()


def _parse_header(line: bytes) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict):
        raise _WorkerDied(None)
    return header


_lock = threading.Lock()
_worker: _Worker | None = None


def _acquire_worker(memory_mb: int, cpu_seconds: int) -> _Worker:
    """The warm worker for these limits (called with `_lock` held); a fresh one if needed."""
    global _worker
    if _worker is not None and _worker.owner_pid != os.getpid():
        _worker.abandon()  # forked: the worker belongs to the parent process
        _worker = None
    if _worker is not None and (_worker.limits != (memory_mb, cpu_seconds) or _worker.process.poll() is not None):
        _discard_worker()
    if _worker is None:
        _worker = _Worker(memory_mb, cpu_seconds)
    return _worker


def _discard_worker(*, kill: bool = False) -> None:
    global _worker
    worker, _worker = _worker, None
    if worker is not None:
        worker.close(kill=kill)


def shutdown_worker() -> None:
    """Stop this process's warm worker, if any (the next job starts a new one)."""
    with _lock:
        if _worker is not None and _worker.owner_pid == os.getpid():
            _discard_worker()


def _after_fork_in_child() -> None:
    global _lock, _worker
    _lock = threading.Lock()  # another thread may have held the parent's lock at the fork
    if _worker is not None:
        _worker.abandon()
        _worker = None


os.register_at_fork(after_in_child=_after_fork_in_child)
atexit.register(shutdown_worker)


def run_job_isolated(job: Mapping[str, Any], *, timeout: float, memory_mb: int) -> RenderOutput:
    """Render in the warm worker process; kill it after `timeout` seconds; raise TemplateRenderError on any failure."""
    cpu_seconds = int(timeout) + 5
    request = encode_job(job)
    with _lock:
        deadline = time.monotonic() + timeout
        worker = _acquire_worker(memory_mb, cpu_seconds)
        try:
            header, body = worker.exchange(request, deadline)
        except TimeoutError:
            _discard_worker(kill=True)
            raise TemplateRenderError(
                f"Rendering took longer than {timeout:g} s and was stopped. Look for loops over large ranges or "
                "deeply nested loops and tables in the template, or extreme CSS sizes (page size, fonts)."
            ) from None
        except _WorkerDied as exc:
            _discard_worker(kill=True)  # reaps it, so its exit status is known
            returncode = worker.process.returncode
            if exc.args and exc.args[0] and exc.args[0].get("ok"):
                raise TemplateRenderError("The rendering worker returned an incomplete document; try again.") from None
            logger.error("Rendering worker exited with %s without an answer: %s", returncode, worker.diagnostics())
            raise TemplateRenderError(_crash_message(returncode, memory_mb)) from None
        except BaseException:
            _discard_worker(kill=True)
            raise
        worker.jobs += 1
        if header.get("retire") or worker.jobs >= MAX_JOBS_PER_WORKER:
            _discard_worker()
    if not header.get("ok"):
        if header.get("reason") == "memory":
            raise TemplateRenderError(_memory_message(memory_mb))
        raise TemplateRenderError(str(header.get("message") or "The document could not be rendered."))
    warnings = [str(warning) for warning in header.get("warnings", [])]
    for warning in warnings:
        logger.warning("Document rendering: %s", warning)
    return RenderOutput(data=body, warnings=warnings)


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
