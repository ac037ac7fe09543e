"""The portal in subprocesses (migrate, probe, `sync_psa`, `qcluster`) on its own database, for the worker scenarios.

SQLite: a file in tmp with the ORM broker. With REDIS_URL set (the CI's second pass): a fresh PostgreSQL database on
the DATABASE_URL server and the Redis broker, under a cluster name of its own so no other run's worker takes our tasks.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
MANAGE = [sys.executable, str(ROOT / "manage.py")]


def _postgres_admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql)


class Portal:
    """One portal deployment for a group of scenarios; `close()` stops its worker and drops its database."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.tag = f"hard{os.getpid()}x{uuid.uuid4().hex[:6]}"
        base = os.environ.get("DATABASE_URL", "")
        self.redis_url = os.environ.get("REDIS_URL", "")
        self._pg_admin = ""
        if base.startswith("postgres"):
            parts = urlsplit(base)
            self._pg_admin = urlunsplit(parts._replace(path="/postgres"))
            database_url = urlunsplit(parts._replace(path=f"/{self.tag}"))
            _postgres_admin(self._pg_admin, f'CREATE DATABASE "{self.tag}"')
        else:
            database_url = f"sqlite:///{tmp / 'portal.sqlite3'}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": database_url,
            "REDIS_URL": self.redis_url,
            "Q_CLUSTER_NAME": self.tag,
            "SECRET_KEY": "hardening-scenarios-secret-key-0123456789abcdefghij",
            "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "DEBUG": "false",
            "LOG_LEVEL": "INFO",
        }
        self.worker: subprocess.Popen | None = None
        self.worker_logs: list[Path] = []
        self.run_manage("migrate", "-v", "0")

    # -- commands ----------------------------------------------------------------------------------------------

    def run_manage(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*MANAGE, *args], env=self.env, cwd=ROOT, capture_output=True, text=True, check=check, timeout=timeout
        )

    def manage_popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [*MANAGE, *args], env=self.env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def probe(self, command: str, *args: Any, timeout: float = 120) -> Any:
        done = subprocess.run(
            [sys.executable, "-m", "tests.hardening.probe", command, *(json.dumps(a) for a in args)],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise RuntimeError(f"probe {command} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def probe_popen(self, command: str, *args: Any) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.hardening.probe", command, *(json.dumps(a) for a in args)],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    # -- the worker --------------------------------------------------------------------------------------------

    def start_worker(self) -> None:
        log = self.tmp / f"qcluster-{len(self.worker_logs)}.log"
        self.worker_logs.append(log)
        with log.open("w") as sink:
            # A session of its own, so a SIGKILL reaches the cluster's sentinel, pusher, workers and monitor at once.
            self.worker = subprocess.Popen(
                [*MANAGE, "qcluster"], env=self.env, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip

    def kill_worker(self) -> None:
        """SIGKILL the whole cluster: no signal handler, no cleanup, the way an OOM kill or a power cut ends it."""
        if self.worker is not None:
            os.killpg(self.worker.pid, signal.SIGKILL)
            self.worker.wait(timeout=10)
            self.worker = None

    def stop_worker(self) -> None:
        if self.worker is None:
            return
        try:
            # SIGTERM to the cluster's main process only: it stops its own workers; signalling the whole group
            # makes every child handle it at once and the cluster then hangs until the SIGKILL fallback.
            self.worker.terminate()
            self.worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.worker.pid, signal.SIGKILL)  # stragglers of the group, if any
            self.worker.wait(timeout=10)
        self.worker = None

    def worker_output(self) -> str:
        return "\n".join(path.read_text(errors="replace") for path in self.worker_logs if path.exists())

    def close(self) -> None:
        self.stop_worker()
        if self._pg_admin:
            # the worker's pooled connections are gone with it; FORCE covers a straggler
            _postgres_admin(self._pg_admin, f'DROP DATABASE IF EXISTS "{self.tag}" WITH (FORCE)')
        if self.redis_url:
            import redis

            client = redis.Redis.from_url(self.redis_url)
            keys = list(client.scan_iter(f"*{self.tag}*"))
            if keys:
                client.delete(*keys)


# ------------------------------------------------------------------------------------------------ emulator wrapper


class HintlessThrottling:
    """WSGI wrapper of an Emulator: while `active`, a 429 without Retry-After also loses the body's "try again in N
    seconds" hint, like a PSA that gives no hint at all (the client then falls back to its own backoff)."""

    _HINT = re.compile(rb" ?Please try again in \d+ seconds\.")

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.active = False

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            captured.update(status=status, headers=headers)

        body = b"".join(self.emulator(environ, capture))
        status, headers = captured["status"], captured["headers"]
        names = {name.lower() for name, _ in headers}
        if self.active and status.startswith("429") and "retry-after" not in names:
            body = self._HINT.sub(b"", body)
            headers = [(n, str(len(body)) if n.lower() == "content-length" else v) for n, v in headers]
        start_response(status, headers)
        return [body]


def wait_for(predicate, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False
