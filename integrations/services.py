"""Connection services: build the client for a connection, Test Connection (with reference data), permission audit."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.cache import upsert_records
from integrations.connectwise.client import ConnectWiseClient, Credentials
from integrations.connectwise.errors import ConnectWiseError, PermissionDenied
from integrations.connectwise.permissions import PermissionCheckResult, audit_permissions
from integrations.models import Connection
from integrations.object_types import REFERENCE_TYPES

logger = logging.getLogger(__name__)


class ConnectionNotUsable(ConnectWiseError):
    """The stored connection cannot be used as it is (undecryptable or missing secrets, inactive)."""


def connection_check_usable(connection: Connection) -> None:
    """Refuse, before any request, a connection whose secrets are missing or were encrypted with another key."""
    if broken := connection.undecryptable_fields():
        raise ConnectionNotUsable(
            f"The {', '.join(broken)} of connection '{connection.name}' cannot be decrypted with the current "
            "FIELD_ENCRYPTION_KEY",
            hint="Restore the key they were encrypted with (as an extra, comma-separated FIELD_ENCRYPTION_KEY entry "
            "and run `manage.py rotate_encryption_key`), or re-enter the keys in the admin.",
        )
    if missing := connection.missing_secrets():
        raise ConnectionNotUsable(
            f"Connection '{connection.name}' has no {', '.join(missing)}.",
            hint="Enter the API member's keys and the client ID in the admin.",
        )


def build_client(connection: Connection, **overrides: object) -> ConnectWiseClient:
    """The one way to get a ConnectWise client for a stored connection (settings for URL safety applied)."""
    connection_check_usable(connection)
    options: dict = {
        "site": connection.site_url,
        "credentials": Credentials(
            company_id=connection.company_id,
            public_key=connection.public_key,
            private_key=connection.private_key,
            client_id=connection.client_id,
        ),
        "api_version": connection.api_version,
        "timeout": float(connection.timeout_seconds),
        "verify_tls": connection.verify_tls,
        "insecure_hosts": settings.PSA_INSECURE_HOSTS,
        "allowed_hosts": settings.PSA_ALLOWED_HOSTS,
        "proxy": settings.PSA_PROXY,
        "codebase": connection.codebase or None,
        "api_host": connection.api_host or None,
    }
    options.update(overrides)
    return ConnectWiseClient(**options)


def remember_discovery(connection: Connection, client: ConnectWiseClient) -> None:
    """Cache the discovered codebase and API host so later runs skip companyinfo."""
    if client.codebase and (client.codebase, client.api_host) != (connection.codebase, connection.api_host):
        connection.codebase = client.codebase
        connection.api_host = client.api_host or ""
        Connection.objects.filter(pk=connection.pk).update(codebase=connection.codebase, api_host=connection.api_host)


@dataclass
class ConnectionTestResult:
    """Outcome of Test Connection: ok, a message a person can act on, and what reference data was pulled."""

    ok: bool
    message: str
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def pull_reference_data(connection: Connection, client: ConnectWiseClient) -> tuple[dict[str, int], list[str]]:
    """Fetch every reference type into its cache table; a type we lack permission for is a warning, not a failure.

    Rows no longer returned are marked deleted (per parent for board children), never dropped.
    """
    counts: dict[str, int] = {}
    warnings: list[str] = []
    parent_ids: dict[str, list[int]] = {}
    now = timezone.now()
    for ref in REFERENCE_TYPES:
        parents: list[int | None] = list(parent_ids.get(ref.parent, [])) if ref.is_child else [None]
        total = 0
        try:
            for parent_id in parents:
                payloads = list(client.iter_records(ref.endpoint_for(parent_id), page_size=1000))
                seen = {p["id"] for p in payloads if isinstance(p.get("id"), int)}
                scope = {ref.parent_column: parent_id} if ref.is_child else {}
                with transaction.atomic():
                    upsert_records(
                        model=ref.model,
                        connection=connection,
                        payloads=payloads,
                        key_columns=lambda p, scope=scope, ref=ref: {**ref.key_columns(p), **scope},
                    )
                    ref.model.objects.filter(connection=connection, is_deleted=False, **scope).exclude(
                        psa_id__in=seen
                    ).update(is_deleted=True, synced_at=now)
                parent_ids[ref.key] = parent_ids.get(ref.key, []) + sorted(seen)
                total += len(seen)
            counts[ref.label] = total
        except PermissionDenied as exc:
            warnings.append(f"{ref.label}: skipped, the API member lacks {exc.permission or 'permission'}.")
    return counts, warnings


def connection_test(*, connection: Connection) -> ConnectionTestResult:
    """Validate the credentials against the tenant and pull reference data; the outcome is stored on the connection."""
    try:
        client = build_client(connection)
        client.discover()
        remember_discovery(connection, client)
        info = client.get("/system/info")
        counts, warnings = pull_reference_data(connection, client)
        try:
            my_company = client.get("/system/myCompany/other")
        except PermissionDenied as exc:
            my_company = None
            warnings.append(f"our company's details: skipped, the API member lacks {exc.permission or 'permission'}.")
        if isinstance(my_company, list):
            my_company = my_company[0] if my_company else None
        version = info.get("version", "unknown version") if isinstance(info, dict) else "unknown version"
        message = f"Connected to {connection.company_id} ({version}); pulled " + ", ".join(
            f"{count} {label}" for label, count in counts.items()
        )
        result = ConnectionTestResult(ok=True, message=message, counts=counts, warnings=warnings)
        connection.system_info = info if isinstance(info, dict) else {}
        if my_company is not None:
            connection.my_company = my_company
        connection.reference_pulled_at = timezone.now()
        connection.reference_counts = counts
    except ConnectWiseError as exc:
        logger.warning("Test connection failed for %r: %s", connection, exc)
        result = ConnectionTestResult(ok=False, message=describe_error(exc))
    connection.last_tested_at = timezone.now()
    connection.last_test_ok = result.ok
    connection.last_test_message = result.message + ("".join(f"\n{w}" for w in result.warnings))
    Connection.objects.filter(pk=connection.pk).update(
        last_tested_at=connection.last_tested_at,
        last_test_ok=connection.last_test_ok,
        last_test_message=connection.last_test_message,
        system_info=connection.system_info,
        my_company=connection.my_company,
        reference_pulled_at=connection.reference_pulled_at,
        reference_counts=connection.reference_counts,
    )
    return result


def connection_audit_permissions(*, connection: Connection) -> list[PermissionCheckResult]:
    """One cheap request per permission the portal relies on; reports granted, missing or not checkable."""
    client = build_client(connection)
    results = audit_permissions(client)
    remember_discovery(connection, client)
    return results


def describe_error(exc: ConnectWiseError) -> str:
    """The error's message followed by what to do about it (ConnectWiseError's str() carries both)."""
    return str(exc)


def default_connection() -> Connection | None:
    return Connection.objects.filter(is_active=True).order_by("-is_default", "name").first()
