"""The client package stands alone: importing it never pulls in Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_importing_the_client_package_does_not_import_django():
    code = (
        "import sys, integrations.connectwise, integrations.connectwise.conditions;"
        "leaked = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'));"
        "print(leaked); sys.exit(1 if leaked else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
