"""Checks that need real sockets on loopback: the connect-time peer guard and the total deadline."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from integrations.connectwise import ConnectionFailed, UnsafeTenantURL

from .conftest import make_client


class RecordingListener:
    """A TCP listener on 127.0.0.1 that records every byte a client sends."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.received = b""
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        self.accepted += 1
        with conn:
            conn.settimeout(2)
            try:
                while chunk := conn.recv(4096):
                    self.received += chunk
            except OSError:
                pass

    def close(self) -> None:
        self.thread.join(timeout=3)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[RecordingListener]:
    server = RecordingListener()
    yield server
    server.close()


def test_a_name_resolving_to_loopback_is_refused_at_connect_before_any_byte(listener):
    client = make_client(
        site=f"https://localhost:{listener.port}",
        insecure_hosts=(),
        allowed_hosts=["localhost"],  # passes the up-front check: only the resolved address is wrong
        codebase="v2025_1/",
        api_host=f"localhost:{listener.port}",
        max_attempts=1,
    )
    with pytest.raises(UnsafeTenantURL, match=r"resolves to the local or internal address 127\.0\.0\.1"):
        client.get("/system/info")
    listener.thread.join(timeout=3)
    assert listener.accepted == 1  # the TCP connection was made...
    assert listener.received == b""  # ...and closed before TLS or the request


class TricklingHandler(BaseHTTPRequestHandler):
    """Promises a body, then sends one byte every 50 ms: each read is quick, the whole answer never ends."""

    stop = threading.Event()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        try:
            # Bounded, so a client without a deadline fails this test after ~3 s instead of hanging it.
            for _ in range(60):
                if self.stop.wait(0.05):
                    return
                self.wfile.write(b" ")
                self.wfile.flush()
        except OSError:
            pass

    def log_message(self, format: str, *args: object) -> None:
        pass


class JSONHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"version": "v2025.1"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_trickling_server_fails_within_the_deadline():
    server = serve(TricklingHandler)
    TricklingHandler.stop.clear()
    port = server.server_address[1]
    client = make_client(site=f"http://127.0.0.1:{port}", api_host=f"127.0.0.1:{port}", timeout=0.5, max_attempts=1)
    try:
        started = time.monotonic()
        with pytest.raises(ConnectionFailed, match=r"did not answer /system/info within 0\.5 seconds"):
            client.get("/system/info")
        elapsed = time.monotonic() - started
    finally:
        TricklingHandler.stop.set()
        server.shutdown()
        server.server_close()
    assert elapsed < 1.5  # well below the 5 s the body would take, and not a per-read timeout


def test_a_listed_insecure_host_is_reached_through_the_guarded_connection():
    server = serve(JSONHandler)
    port = server.server_address[1]
    try:
        client = make_client(site=f"http://127.0.0.1:{port}", api_host=f"127.0.0.1:{port}", timeout=2)
        assert client.get("/system/info") == {"version": "v2025.1"}
    finally:
        server.shutdown()
        server.server_close()
