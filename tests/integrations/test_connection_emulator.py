"""Test connection and the permission audit against the bundled emulator, over real HTTP with the real client."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from integrations.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_COMPANY_ID,
    DEFAULT_PRIVATE_KEY,
    DEFAULT_PUBLIC_KEY,
    Emulator,
    EmulatorServer,
)
from integrations.models import BoardStatus, Connection, CustomFieldDefinition, ServiceBoard
from integrations.services import connection_audit_permissions, connection_test


@pytest.fixture(scope="module")
def tenant() -> Iterator[str]:
    with EmulatorServer(Emulator(seed=42, scale="demo", denied_groups={"finance/invoices"})) as server:
        yield server.base_url


def add_connection(base_url: str, private_key: str = DEFAULT_PRIVATE_KEY) -> Connection:
    call_command(
        "psa_connection",
        "add",
        "--name",
        "Emulator",
        "--site",
        base_url,
        "--company-id",
        DEFAULT_COMPANY_ID,
        "--public-key",
        DEFAULT_PUBLIC_KEY,
        "--private-key",
        private_key,
        "--client-id",
        DEFAULT_CLIENT_ID,
        stdout=io.StringIO(),
    )
    return Connection.objects.get(name="Emulator")


@pytest.mark.django_db
def test_it_connects_to_the_emulator_and_pulls_reference_data(tenant):
    connection = add_connection(tenant)
    result = connection_test(connection=connection)
    assert result.ok, result.message
    assert result.message.startswith(f"Connected to {DEFAULT_COMPANY_ID} (v2025.1")
    connection.refresh_from_db()
    assert connection.codebase == "v2025_1/"
    assert connection.system_info["version"].startswith("v2025.1")
    assert ServiceBoard.objects.filter(connection=connection).count() == result.counts["service boards"] > 0
    assert BoardStatus.objects.filter(connection=connection, closed=True).exists()
    assert CustomFieldDefinition.objects.filter(connection=connection).count() == result.counts["custom fields"]


@pytest.mark.django_db
def test_wrong_private_key_is_reported_as_rejected_keys(tenant):
    connection = add_connection(tenant, private_key="wrong-private-key")
    result = connection_test(connection=connection)
    assert not result.ok
    assert "ConnectWise rejected the API keys" in result.message
    assert "wrong-private-key" not in result.message


@pytest.mark.django_db
def test_the_permission_audit_names_what_is_missing_and_what_documents_lose(tenant):
    connection = add_connection(tenant)
    results = {r.check.permission: r for r in connection_audit_permissions(connection=connection)}
    assert results["Invoicing"].status == "missing"
    assert "invoice" in results["Invoicing"].check.impact.lower()
    assert results["Service Tickets"].status == "granted"
    assert results["Company Maintenance"].status == "granted"
    assert {r.status for r in results.values()} <= {"granted", "missing", "not_checkable", "error"}


@pytest.mark.django_db
def test_the_permissions_command_fails_when_a_permission_is_missing(tenant):
    add_connection(tenant)
    out = io.StringIO()
    with pytest.raises(CommandError, match="missing or failing"):
        call_command("psa_connection", "permissions", "--name", "Emulator", stdout=out)
    assert "Invoicing" in out.getvalue() and "missing" in out.getvalue()


@pytest.mark.django_db
def test_the_admin_permission_audit_page_lists_results(tenant, admin_client_logged_in):
    connection = add_connection(tenant)
    response = admin_client_logged_in.post(f"/admin/integrations/connection/{connection.pk}/permissions/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Invoicing" in html and "missing" in html and "granted" in html
    assert DEFAULT_PRIVATE_KEY not in html and DEFAULT_PUBLIC_KEY not in html
