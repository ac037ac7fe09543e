"""The WAL checkpointer: the log is copied into the database by its thread, stays bounded, and nothing is lost."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from django.db import connection

from integrations.sqlite_wal import WalCheckpointer, wal_checkpoints_in_background

ROW = "x" * 3000  # about one 4 KiB page per row


def open_writer(path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA wal_autocheckpoint=0")  # what the sync's connection does while the thread runs
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
    return db


def write_batches(db, checkpointer, batches: int, rows: int) -> None:
    for batch in range(batches):
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO t (body) VALUES (?)", [(f"{batch}:{ROW}",)] * rows)
        db.execute("COMMIT")
        checkpointer.committed()


def rows_in_main_file(path: str, tmp_path) -> int:
    """Rows found in the database file alone, without its -wal: what checkpoints have copied back."""
    alone = tmp_path / "alone.sqlite3"
    alone.write_bytes(Path(path).read_bytes())
    db = sqlite3.connect(alone)
    try:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name = 't'").fetchone():
            return 0  # not even the table has been copied back
        return db.execute("SELECT count(*) FROM t").fetchone()[0]
    finally:
        db.close()


def test_the_thread_copies_every_commit_into_the_database_and_the_log_restarts(tmp_path):
    path = str(tmp_path / "wal.sqlite3")
    db = open_writer(path)
    checkpointer = WalCheckpointer(path, max_wal_pages=0, catch_up_seconds=30)  # wait for it after every commit
    checkpointer.start()
    write_batches(db, checkpointer, batches=40, rows=50)  # ~2,000 pages of log in all
    checkpointer.stop()  # a last pass after the last commit

    assert not checkpointer.failed
    assert checkpointer.checkpoints > 0 and checkpointer.waits > 0
    assert rows_in_main_file(path, tmp_path) == 40 * 50  # everything committed reached the database file
    assert os.path.getsize(path + "-wal") < 1500 * 4096  # the log restarted instead of holding every page
    db.close()
    reader = sqlite3.connect(path)
    assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 40 * 50
    assert reader.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reader.close()


def test_without_the_thread_the_same_writes_stay_in_the_log(tmp_path):
    """The control for the test above: with automatic checkpoints off and no thread, nothing is copied back."""
    path = str(tmp_path / "wal.sqlite3")
    db = open_writer(path)

    class NoThread:
        def committed(self):
            return None

    write_batches(db, NoThread(), batches=40, rows=50)
    assert os.path.getsize(path + "-wal") > 1500 * 4096
    assert rows_in_main_file(path, tmp_path) == 0
    db.close()


@pytest.mark.django_db
def test_anything_but_a_sqlite_file_in_wal_mode_is_left_alone():
    assert connection.vendor == "postgresql" or connection.is_in_memory_db()  # what the test suite runs on
    with wal_checkpoints_in_background() as checkpointer:
        assert checkpointer is None
