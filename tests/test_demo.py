"""`make demo` sets up a working portal: admin user, emulator, a tested connection and a first sync."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_demo_setup_connects_to_the_emulator_and_syncs(tmp_path):
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG"}}
    env.update(
        SECRET_KEY="demo-test-" + "x" * 40,
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        DATABASE_URL=f"sqlite:///{tmp_path}/demo.sqlite3",
        MEDIA_ROOT=str(tmp_path / "media"),
        DEMO_ADMIN_PASSWORD="demo-password-123",
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300)
    result = subprocess.run(
        [*manage, "demo", "--no-serve", "--emulator-port", str(free_port())],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Demo superuser: admin / demo-password-123" in result.stdout
    assert "Connected to DEMO" in result.stdout
    assert "total" in result.stdout and "succeeded" in result.stdout
    # the emulator was stopped again
    listing = subprocess.run([*manage, "psa_connection", "list"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert "Demo tenant (bundled emulator)" in listing.stdout and "\tok\t" in listing.stdout
