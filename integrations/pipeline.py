"""Fetch and prepare the next pages of a sync while the current one is written.

Preparing a page of PSA records (decoding the JSON, canonical text, hash, key columns) is Python work that holds the
GIL; writing it is mostly SQLite or PostgreSQL work. In a thread the two barely overlap (a JSON decode holds the GIL
for tens of milliseconds, stalling the writer each time it takes the GIL back), so where the platform can fork, the
pages are fetched and prepared in a child process and reach this one as ready-made rows: a second core does that
half of the work. Elsewhere, or with the setting `PSA_SYNC_FETCH_PROCESS = False`, a thread fetches the next page.

The child is a fork of this process. It uses its own copy of the ConnectWise client with fresh connections, never
touches the database, exits with `os._exit` (so nothing of the parent's, such as database connections or atexit
handlers, is closed or flushed from it) and is killed by the kernel if its parent dies. Errors raised while fetching
(PermissionDenied, Throttled…) are raised here, in the caller, as they would be with a thread, and the client's
request, retry and throttling counters are carried over.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import os
import pickle
import queue
import signal
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.conf import settings

from integrations.connectwise.client import ConnectWiseClient

T = TypeVar("T")
_END = object()
_HEADER = struct.Struct("!Q")
_COLLECT_EVERY = 10  # pages


class FetchProcessDied(RuntimeError):
    """The child process fetching pages ended without saying why (killed, out of memory)."""


def fetch_in_process() -> bool:
    """Linux only: fork without exec is what the platform's libraries expect there (not on macOS)."""
    return sys.platform.startswith("linux") and bool(getattr(settings, "PSA_SYNC_FETCH_PROCESS", True))


def pipelined(
    pages: Iterator[list[dict]], prepare: Callable[[list[dict]], T], client: ConnectWiseClient
) -> Iterator[T]:
    """The prepared pages, the next ones fetched and prepared while the caller works on the current one."""
    if fetch_in_process():
        return _in_child_process(pages, prepare, client)
    return (prepare(page) for page in _in_thread(pages))


# ------------------------------------------------------------------------------------------------ thread


def _in_thread(pages: Iterator[list[dict]]) -> Iterator[list[dict]]:
    """Fetch the next page in a thread (at most three pages in memory); its errors are raised in the caller."""
    handoff: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for page in pages:
                if not put(page):
                    return
            put(_END)
        except BaseException as exc:
            put(exc)

    threading.Thread(target=produce, name="psa-sync-prefetch", daemon=True).start()
    try:
        while True:
            item = handoff.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()  # the caller stopped early (or failed): let the fetching thread end


# ------------------------------------------------------------------------------------------------ child process


def _stats(client: ConnectWiseClient) -> tuple[int, int, float]:
    return client.stats.requests, client.stats.retries, client.stats.throttled_seconds


def _in_child_process(
    pages: Iterator[list[dict]], prepare: Callable[[list[dict]], T], client: ConnectWiseClient
) -> Iterator[T]:
    read_fd, write_fd = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child (its effects are what the tests check)
        os.close(read_fd)
        _child(pages, prepare, client, write_fd, parent)
    os.close(write_fd)
    reader = os.fdopen(read_fd, "rb")
    frames: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def receive() -> None:
        # Reading the pipe releases the GIL; two frames are kept ready, so the child runs up to three pages ahead.
        try:
            while not stop.is_set():
                header = reader.read(_HEADER.size)
                if len(header) < _HEADER.size:
                    break
                frame = reader.read(_HEADER.unpack(header)[0])
                while not stop.is_set():
                    try:
                        frames.put(frame, timeout=0.1)
                        break
                    except queue.Full:
                        continue
        except (OSError, ValueError):
            pass
        with contextlib.suppress(queue.Full):
            frames.put(None, timeout=1)  # end of the pipe

    thread = threading.Thread(target=receive, name="psa-sync-receive", daemon=True)
    thread.start()
    seen = _stats(client)
    try:
        while True:
            frame = frames.get()
            if frame is None:
                raise FetchProcessDied(_death_message(pid))
            kind, value, child_stats = pickle.loads(frame)  # noqa: S301 - our own child's frames, over a private pipe
            _carry_stats(client, child_stats, seen)
            seen = child_stats
            if kind == "page":
                yield value
            elif kind == "end":
                return
            else:
                raise value
    finally:
        stop.set()
        _reap(pid)
        thread.join(timeout=5)
        reader.close()


def _carry_stats(client: ConnectWiseClient, now: tuple[int, int, float], before: tuple[int, int, float]) -> None:
    client.stats.requests += now[0] - before[0]
    client.stats.retries += now[1] - before[1]
    client.stats.throttled_seconds += now[2] - before[2]


def _death_message(pid: int) -> str:
    status = None
    with contextlib.suppress(ChildProcessError):
        for _ in range(50):  # the pipe closes a moment before the process is gone
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            threading.Event().wait(0.02)
    if status is not None and os.WIFSIGNALED(status):
        return (
            f"The process fetching pages from ConnectWise was killed (signal {os.WTERMSIG(status)}); if the server "
            "is short of memory, run fewer workers."
        )
    return "The process fetching pages from ConnectWise ended unexpectedly."


def _reap(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, ChildProcessError):
        done, _status = os.waitpid(pid, os.WNOHANG)
        if not done:
            os.kill(pid, signal.SIGKILL)  # the caller stopped early: the child has nothing left to do
            os.waitpid(pid, 0)


def _child(  # pragma: no cover - runs in the child
    pages: Iterator[list[dict]],
    prepare: Callable[[list[dict]], Any],
    client: ConnectWiseClient,
    write_fd: int,
    parent: int,
) -> None:
    try:
        _die_with_parent(parent)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which then stops this process
        client.forget_connections()
        # The cyclic collector would walk (and so copy) every object inherited from the parent, over and over, for
        # page data that has no cycles: it only runs here between pages, on what this process allocated.
        gc.disable()
        out = os.fdopen(write_fd, "wb")
        try:
            for number, page in enumerate(pages, start=1):
                _send(out, ("page", prepare(page), _stats(client)))
                del page
                if number % _COLLECT_EVERY == 0:
                    gc.collect(1)
            _send(out, ("end", None, _stats(client)))
        except BrokenPipeError:
            return  # the parent stopped reading
        except BaseException as exc:
            with contextlib.suppress(BaseException):
                _send(out, ("error", _transferable(exc), _stats(client)))
    finally:
        os._exit(0)


def _send(out, message: tuple) -> None:  # pragma: no cover - runs in the child
    frame = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(_HEADER.pack(len(frame)))
    out.write(frame)
    out.flush()


def _transferable(exc: BaseException) -> BaseException:  # pragma: no cover - runs in the child
    exc.__traceback__ = None
    try:
        pickle.loads(pickle.dumps(exc))  # noqa: S301 - a round trip of our own object
        return exc
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def _die_with_parent(parent: int) -> None:  # pragma: no cover - runs in the child
    """Linux: the kernel kills this process when its parent dies, so a SIGKILLed worker leaves no orphan."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(0)
