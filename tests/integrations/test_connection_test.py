"""Test connection: validates the keys, caches the codebase, pulls reference data, stores a readable outcome."""

from __future__ import annotations

import io
import logging
import re

import pytest
import responses
from django.core.management import call_command
from django.core.management.base import CommandError

from integrations.models import BoardStatus, Connection, CustomFieldDefinition, Priority, ServiceBoard
from integrations.services import connection_test
from tests.conftest import SECRETS

SITE = "https://na.myconnectwise.net"
API = "https://api-na.myconnectwise.net/v2025_1/apis/3.0"


def ref(id_: int, name: str) -> dict:
    return {"id": id_, "name": name, "_info": {}}


def mock_tenant(rsps: responses.RequestsMock, *, boards_status: int = 200) -> None:
    rsps.get(
        f"{SITE}/login/companyinfo/acme",
        json={"CompanyName": "Acme", "Codebase": "v2025_1/", "SiteUrl": "api-na.myconnectwise.net", "IsCloud": "True"},
    )
    rsps.get(f"{API}/system/info", json={"version": "v2025.1.10333", "isCloud": True})
    if boards_status == 200:
        rsps.get(f"{API}/service/boards", json=[ref(1, "Help Desk"), ref(2, "Network Operations")])
    else:
        rsps.get(f"{API}/service/boards", status=boards_status, json={"code": "Forbidden", "message": "no"})
    for board in (1, 2):
        rsps.get(
            f"{API}/service/boards/{board}/statuses",
            json=[
                {**ref(board * 10, "New"), "closedStatus": False},
                {**ref(board * 10 + 1, "Closed"), "closedStatus": True},
            ],
        )
        for child in ("types", "subtypes", "items"):
            rsps.get(f"{API}/service/boards/{board}/{child}", json=[ref(board * 100, f"{child} of {board}")])
    rsps.get(f"{API}/service/priorities", json=[{**ref(4, "Priority 1 - Critical"), "sort": 1}])
    rsps.get(f"{API}/project/boards", json=[ref(7, "Professional Services")])
    rsps.get(f"{API}/project/boards/7/statuses", json=[{**ref(70, "Open"), "closedFlag": False}])
    rsps.get(f"{API}/company/configurations/types", json=[ref(3, "Server")])
    rsps.get(f"{API}/system/userDefinedFields", json=[{"id": 9, "caption": "Contract Tier", "screenId": "Company"}])
    rsps.get(f"{API}/system/myCompany/other", json=[{"id": 1, "siteUrl": "na.myconnectwise.net"}])


@responses.activate
def test_a_successful_test_stores_the_outcome_codebase_and_reference_data(connection):
    mock_tenant(responses.mock)
    result = connection_test(connection=connection)
    assert result.ok, result.message
    assert "Connected to acme (v2025.1.10333)" in result.message
    assert "2 service boards" in result.message and "4 board statuses" in result.message

    stored = Connection.objects.get(pk=connection.pk)
    assert stored.last_test_ok is True
    assert (stored.codebase, stored.api_host) == ("v2025_1/", "api-na.myconnectwise.net")
    assert stored.reference_counts["custom fields"] == 1
    assert set(ServiceBoard.objects.values_list("name", flat=True)) == {"Help Desk", "Network Operations"}
    assert BoardStatus.objects.get(psa_id=11).closed is True
    assert BoardStatus.objects.get(psa_id=11).board_psa_id == 1
    assert Priority.objects.get().sort == 1
    assert CustomFieldDefinition.objects.get().caption == "Contract Tier"
    # every request carried the auth headers; none were anything but GET
    assert all(call.request.method == "GET" for call in responses.calls)


@responses.activate
def test_rejected_keys_are_reported_with_what_to_do_and_no_secret(connection, caplog):
    caplog.set_level(logging.DEBUG)
    responses.get(
        f"{SITE}/login/companyinfo/acme",
        json={"CompanyName": "Acme", "Codebase": "v2025_1/", "SiteUrl": "api-na.myconnectwise.net", "IsCloud": True},
    )
    responses.get(
        re.compile(rf"{re.escape(API)}/.*"),
        status=401,
        json={"code": "Unauthorized", "message": "The supplied authentication is incorrect.", "errors": None},
    )
    result = connection_test(connection=connection)
    assert not result.ok
    assert "ConnectWise rejected the API keys" in result.message
    stored = Connection.objects.get(pk=connection.pk)
    assert stored.last_test_ok is False and "rejected the API keys" in stored.last_test_message
    for secret in SECRETS:
        assert secret not in result.message
        assert secret not in caplog.text


@responses.activate
def test_a_missing_permission_on_reference_data_is_a_warning_not_a_failure(connection):
    mock_tenant(responses.mock, boards_status=403)
    result = connection_test(connection=connection)
    assert result.ok
    assert any(w.startswith("service boards: skipped, the API member lacks") for w in result.warnings)
    assert ServiceBoard.objects.count() == 0 and Priority.objects.count() == 1


@responses.activate
def test_reference_rows_that_disappear_are_marked_deleted_not_dropped(connection):
    mock_tenant(responses.mock)
    connection_test(connection=connection)
    responses.mock.reset()
    mock_tenant(responses.mock)
    responses.replace(responses.GET, f"{API}/service/boards", json=[ref(1, "Help Desk")])
    connection_test(connection=Connection.objects.get(pk=connection.pk))
    gone = ServiceBoard.objects.get(psa_id=2)
    assert gone.is_deleted and gone.name == "Network Operations"


@responses.activate
def test_psa_connection_test_command_exits_non_zero_with_the_message(connection):
    responses.get(f"{SITE}/login/companyinfo/acme", body="null", content_type="application/json")
    with pytest.raises(CommandError, match="does not know the company ID 'acme'"):
        call_command("psa_connection", "test", stdout=io.StringIO())


@pytest.mark.parametrize("action", ["test", "permissions"])
def test_admin_buttons_require_login(client, connection, action):
    response = client.post(f"/admin/integrations/connection/{connection.pk}/{action}/")
    assert response.status_code == 302 and "login/?next=" in response.url
    assert not Connection.objects.get(pk=connection.pk).last_tested_at


@responses.activate
def test_admin_test_button_shows_the_outcome(admin_client_logged_in, connection):
    mock_tenant(responses.mock)
    response = admin_client_logged_in.post(f"/admin/integrations/connection/{connection.pk}/test/", follow=True)
    html = response.content.decode()
    assert "Connected to acme" in html
    assert "2 service boards" in html
    for secret in SECRETS:
        assert secret not in html
