"""System checks: stored ConnectWise secrets must decrypt with the configured FIELD_ENCRYPTION_KEY."""

from __future__ import annotations

from django.core.checks import CheckMessage, Error, register
from django.db import DatabaseError


@register()
def check_connection_secrets_decrypt(app_configs=None, **kwargs) -> list[CheckMessage]:
    from integrations.models import Connection

    problems: list[CheckMessage] = []
    try:
        connections = list(Connection.objects.all())
    except DatabaseError:
        return []  # not migrated yet: nothing stored, nothing to check
    for connection in connections:
        broken = connection.undecryptable_fields()
        if broken:
            problems.append(
                Error(
                    f"Connection '{connection.name}': {', '.join(broken)} cannot be decrypted with the current "
                    "FIELD_ENCRYPTION_KEY.",
                    hint="Add the key they were encrypted with after the current one (comma-separated) and run "
                    "`manage.py rotate_encryption_key`, or re-enter the secrets in the admin.",
                    obj=connection,
                    id="integrations.E001",
                )
            )
    return problems
