"""Checkpoint SQLite's write-ahead log on a helper thread while a sync writes, so the writer never waits for it.

In WAL mode every committed page goes to the `-wal` file first and is later copied into the database file by a
checkpoint, which SQLite normally runs inside the commit that pushes the log past 1,000 pages, fsync included. A
sync writes megabytes per page of records, so about half of its SQLite time was those checkpoints. During a sync the
writing connection turns automatic checkpoints off and a thread with its own connection runs PASSIVE checkpoints
after each commit (SQLite releases the GIL while it copies and syncs). Durability is unchanged: commits are as
durable as before (synchronous=NORMAL), and the log is still copied into the database file, only by another thread.

The log cannot restart from its beginning while the writer keeps appending, so once it passes `max_wal_pages` the
writer waits, between two transactions, until a checkpoint has caught up (bounded by `catch_up_seconds`: a reader
holding an old snapshot can keep a PASSIVE checkpoint from completing, and then the sync just carries on).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections

logger = logging.getLogger(__name__)

DEFAULT_MAX_WAL_PAGES = 16384  # 64 MiB of log with 4 KiB pages
_IDLE_WAKE_SECONDS = 1.0


class WalCheckpointer:
    """Runs PASSIVE checkpoints of one SQLite database file on a thread; `committed()` is called after each commit."""

    def __init__(self, path: str, *, max_wal_pages: int = DEFAULT_MAX_WAL_PAGES, catch_up_seconds: float = 30.0):
        self.path = path
        self.max_wal_pages = max_wal_pages
        self.catch_up_seconds = catch_up_seconds
        self.checkpoints = 0
        self.waits = 0
        self.failed: str = ""
        self._log_pages = 0
        self._changed = threading.Condition()
        self._commits = 0  # commits announced by the writer
        self._started = 0  # the commit count when the running (or last) checkpoint pass started
        self._copied = 0  # every commit up to this number is in the database file
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="sqlite-wal-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def committed(self) -> None:
        """The writer committed: have the thread checkpoint, and wait for it if the log has grown past the bound
        (between two transactions, so the log can restart from its beginning when the writer goes on)."""
        if self.failed or not self._thread.is_alive():
            return
        with self._changed:
            self._commits += 1
            commit = self._commits
            self._changed.notify_all()
            if self._log_pages > self.max_wal_pages:
                self.waits += 1
                caught_up = self._changed.wait_for(
                    lambda: self._copied >= commit or self.failed or self._stopping, self.catch_up_seconds
                )
                if not caught_up:
                    logger.info("SQLite WAL checkpoint did not catch up within %.0f s", self.catch_up_seconds)

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        try:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:  # pragma: no cover - the writer just opened the same file
            self.failed = str(exc)
            return
        try:
            db.execute("PRAGMA synchronous=NORMAL")
            while True:
                with self._changed:
                    self._changed.wait_for(lambda: self._commits > self._started or self._stopping, _IDLE_WAKE_SECONDS)
                    stopping = self._stopping
                    self._started = self._commits
                self._checkpoint(db)
                if stopping:
                    return
        except sqlite3.Error as exc:
            self.failed = str(exc)
            logger.warning("SQLite WAL checkpoints on a helper thread stopped (%s); commits checkpoint again", exc)
            with self._changed:
                self._changed.notify_all()
        finally:
            db.close()

    def _checkpoint(self, db: sqlite3.Connection) -> None:
        # fetchall(): a statement left unfinished would hold a read snapshot and keep the log from restarting.
        ((busy, log_pages, copied),) = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        with self._changed:
            self.checkpoints += 1
            self._log_pages = max(log_pages, 0)
            if not busy and copied >= log_pages:
                self._copied = max(self._copied, self._started)  # the pass began after those commits
                self._changed.notify_all()


@contextmanager
def wal_checkpoints_in_background(
    using: str = "default", *, max_wal_pages: int = DEFAULT_MAX_WAL_PAGES
) -> Iterator[WalCheckpointer | None]:
    """Within the block, connection `using` leaves checkpoints to a helper thread (SQLite in WAL mode on a file only;
    anything else yields None and changes nothing). The connection's own setting is restored afterwards."""
    db_connection = connections[using]
    path = _wal_database_path(db_connection)
    if path is None:
        yield None
        return
    with db_connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        previous = int(cursor.fetchone()[0])
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    checkpointer = WalCheckpointer(path, max_wal_pages=max_wal_pages)
    checkpointer.start()
    try:
        yield checkpointer
    finally:
        checkpointer.stop()
        if db_connection.connection is not None:  # still the connection we changed (not closed and reopened)
            with db_connection.cursor() as cursor:
                cursor.execute(f"PRAGMA wal_autocheckpoint={previous:d}")


def _wal_database_path(db_connection) -> str | None:
    if db_connection.vendor != "sqlite":
        return None
    db_connection.ensure_connection()
    if db_connection.is_in_memory_db():
        return None
    with db_connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = str(cursor.fetchone()[0]).lower()
        cursor.execute("PRAGMA database_list")
        files = {name: file for _seq, name, file in cursor.fetchall()}
    path = files.get("main")
    return path if mode == "wal" and path else None
