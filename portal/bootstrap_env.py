"""Write a local `.env` with freshly generated keys when none exists (used by `make demo`, `make test`, `make lint`)."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ENV_FILE = Path(__file__).resolve().parent.parent / ".env"


def write_env_file(path: Path = ENV_FILE) -> bool:
    """Create `path` with new keys; return False (and change nothing) when it already exists."""
    if path.exists():
        return False
    lines = [
        "# Local settings written by `make demo`. Keep this file private; it is git-ignored.",
        f"SECRET_KEY={secrets.token_urlsafe(50)}",
        f"FIELD_ENCRYPTION_KEY={Fernet.generate_key().decode()}",
        "DEBUG=false",
        "SECURE_COOKIES=false",
        "ALLOWED_HOSTS=127.0.0.1,localhost",
        f"DEMO_ADMIN_PASSWORD={secrets.token_urlsafe(12)}",
        "",
    ]
    path.write_text("\n".join(lines))
    path.chmod(0o600)
    return True


if __name__ == "__main__":
    created = write_env_file()
    print(f"{'Wrote' if created else 'Kept existing'} {ENV_FILE}", file=sys.stderr)
