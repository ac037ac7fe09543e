"""A threaded loopback HTTP server for the emulator (wsgiref + ThreadingMixIn), usable as a context manager."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from socketserver import ThreadingMixIn
from types import TracebackType
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer, make_server

from .app import DropConnection, Emulator


class _Handler(ServerHandler):
    def handle_error(self) -> None:
        if isinstance(sys.exc_info()[1], DropConnection):
            # Close without a status line: the client sees the connection reset/closed mid-request.
            self.request_handler.close_connection = True  # type: ignore[attr-defined]
            with contextlib.suppress(OSError):
                self.request_handler.connection.shutdown(socket.SHUT_RDWR)  # type: ignore[attr-defined]
            return
        super().handle_error()


class _RequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients pooling connections expect
    # wsgiref writes status, headers and body in small separate writes; with Nagle's algorithm and the client's
    # delayed ACKs every keep-alive request would wait ~40 ms.
    disable_nagle_algorithm = True

    def handle(self) -> None:
        # WSGIRequestHandler.handle() with our ServerHandler, looping for keep-alive connections.
        self.close_connection = True
        self._handle_one()
        while not self.close_connection:
            self._handle_one()

    def _handle_one(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if not self.raw_requestline or len(self.raw_requestline) > 65536:
            self.close_connection = True
            return
        if not self.parse_request():
            return
        handler = _Handler(self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True)
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.http_version = "1.1"
        handler.run(self.server.get_app())  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    verbose = False


class EmulatorServer:
    """Serve an Emulator on loopback in a background thread; port 0 picks a free port."""

    def __init__(self, emulator: Emulator, *, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        self.emulator = emulator
        self._server = make_server(
            host, port, emulator, server_class=ThreadingWSGIServer, handler_class=_RequestHandler
        )
        self._server.verbose = verbose  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{self._server.server_address[0]}:{self.port}"

    def start(self) -> EmulatorServer:
        # A short poll interval keeps stop() quick, which matters for tests that start many servers.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="psa-emulator", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def close(self) -> None:
        """Release the socket after serve_forever() has returned (e.g. on Ctrl-C)."""
        self._server.server_close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
