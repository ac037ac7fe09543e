"""Start-up refuses malformed or missing settings with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from portal.envconfig import Settings

ROOT = Path(__file__).resolve().parent.parent


def start_portal(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Import the real settings in a fresh interpreter, as `manage.py` would, with only the given variables."""
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    base.update({"SECRET_KEY": "", "FIELD_ENCRYPTION_KEY": "", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"})
    base.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import portal.settings"],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_start_without_keys_when_debug_is_off(tmp_path):
    result = start_portal(tmp_path, DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY and FIELD_ENCRYPTION_KEY not set" in result.stderr


def test_it_starts_with_valid_keys(tmp_path):
    result = start_portal(tmp_path, SECRET_KEY="x" * 50, FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode())
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("DATABASE_URL", "mysql://x/y", "DATABASE_URL='mysql://x/y' is not supported"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL='localhost:6379' is not a Redis URL"),
        ("FIELD_ENCRYPTION_KEY", "not-a-key", "FIELD_ENCRYPTION_KEY: key #1 is not a valid Fernet key"),
        ("CSRF_TRUSTED_ORIGINS", "portal.example.com", "CSRF_TRUSTED_ORIGINS holds 'portal.example.com'"),
        ("SECURE_HSTS_SECONDS", "a year", "SECURE_HSTS_SECONDS='a year' is not a whole number"),
    ],
)
def test_it_names_the_malformed_variable(tmp_path, name, value, expected):
    env = {"SECRET_KEY": "x" * 50, "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(), name: value}
    result = start_portal(tmp_path, **env)
    assert result.returncode != 0
    assert expected in result.stderr


def test_env_file_values_are_read_and_environment_wins(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("PORTAL_TEST_FLAG=true\nPORTAL_TEST_LIST=a, b ,c\nPORTAL_TEST_OVERRIDE=from-file\n")
    monkeypatch.setenv("PORTAL_TEST_OVERRIDE", "from-env")
    for key in ("PORTAL_TEST_FLAG", "PORTAL_TEST_LIST"):
        monkeypatch.delenv(key, raising=False)
    config = Settings(env_file)
    try:
        assert config.bool("PORTAL_TEST_FLAG", False) is True
        assert config.list("PORTAL_TEST_LIST", []) == ["a", "b", "c"]
        assert config.str("PORTAL_TEST_OVERRIDE") == "from-env"
    finally:
        for key in ("PORTAL_TEST_FLAG", "PORTAL_TEST_LIST"):
            os.environ.pop(key, None)


def test_a_comma_separated_key_list_is_accepted_for_rotation(monkeypatch):
    keys = [Fernet.generate_key().decode() for _ in range(2)]
    monkeypatch.setenv("PORTAL_TEST_KEYS", ",".join(keys))
    assert Settings().fernet_keys("PORTAL_TEST_KEYS") == keys


def test_a_postgres_url_without_database_name_is_refused(monkeypatch):
    monkeypatch.setenv("PORTAL_TEST_DB", "postgres://postgres@127.0.0.1:5432")
    with pytest.raises(ImproperlyConfigured, match="names no database"):
        Settings().database("PORTAL_TEST_DB", "sqlite:///x")


def test_sqlite_default_runs_in_wal_mode(db):
    from django.db import connection as db_connection

    if db_connection.vendor != "sqlite":
        pytest.skip("SQLite-only behaviour")
    with db_connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 30000


def test_debug_mode_starts_without_a_secret_key_but_never_without_the_encryption_key(tmp_path):
    assert start_portal(tmp_path, DEBUG="true", FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode()).returncode == 0
    result = start_portal(tmp_path, DEBUG="true", SECRET_KEY="x" * 50)
    assert result.returncode != 0 and "FIELD_ENCRYPTION_KEY not set" in result.stderr
