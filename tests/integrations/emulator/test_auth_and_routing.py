"""Authentication, permissions, codebase discovery and error bodies behave like ConnectWise's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from integrations.emulator import DEFAULT_CLIENT_ID, Emulator

from .conftest import Api, serve

UNAUTHORIZED = {"code": "Unauthorized", "message": "The supplied authentication is incorrect.", "errors": None}


def test_company_info_is_unauthenticated_and_reports_the_codebase_and_site(api: Api) -> None:
    response = requests.get(f"{api.server.base_url}/login/companyinfo/demo", timeout=10)
    assert response.status_code == 200
    info = response.json()
    assert info["Codebase"] == "v2025_1/"
    assert info["CompanyID"] == "DEMO"
    assert info["IsCloud"] is False
    assert info["SiteUrl"] == api.server.base_url.removeprefix("http://")
    assert {"CompanyName", "VersionCode", "VersionNumber"} <= set(info)


def test_company_info_for_an_unknown_company_is_a_null_body(api: Api) -> None:
    response = requests.get(f"{api.server.base_url}/login/companyinfo/nosuchco", timeout=10)
    assert response.status_code == 200
    assert response.json() is None


@pytest.mark.parametrize(
    "auth",
    [None, ("DEMO+demo-public", "wrong"), ("OTHER+demo-public", "demo-private"), ("DEMO+other", "demo-private")],
)
def test_bad_or_missing_keys_get_401_with_the_real_body(api: Api, auth: tuple[str, str] | None) -> None:
    response = requests.get(
        f"{api.root}/company/companies", auth=auth, headers={"clientId": DEFAULT_CLIENT_ID}, timeout=10
    )
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_a_missing_client_id_is_rejected_with_401(api: Api) -> None:
    response = requests.get(f"{api.root}/company/companies", auth=api.session.auth, timeout=10)
    assert response.status_code == 401
    assert response.json()["code"] == "Unauthorized"
    assert "clientId" in response.json()["message"]


def test_the_on_premise_codebase_path_is_accepted_too(api: Api) -> None:
    response = api.session.get(f"{api.server.base_url}/v4_6_release/apis/3.0/company/companies/count", timeout=10)
    assert response.status_code == 200


def test_unknown_paths_and_ids_are_404_with_the_error_shape(api: Api) -> None:
    for path in ("company/nothing", "service/tickets/99999999", "service/tickets/99999999/notes", "v9/x"):
        response = api.get(path)
        assert response.status_code == 404, path
        body = response.json()
        assert body["code"] == "NotFound" and body["message"] and body["errors"] is None


def test_a_child_id_under_the_wrong_parent_is_404(api: Api) -> None:
    store = api.emulator.store
    first, second = store.ids("service/tickets")[:2]
    note_of_second = store.ids("service/tickets/notes", second)[0]
    assert api.get(f"service/tickets/{second}/notes/{note_of_second}").status_code == 200
    assert api.get(f"service/tickets/{first}/notes/{note_of_second}").status_code == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writes_are_405_with_an_error_body(api: Api, method: str) -> None:
    response = api.session.request(method, f"{api.root}/service/tickets", json={}, timeout=10)
    assert response.status_code == 405
    assert response.json()["code"] == "MethodNotAllowed"


@pytest.fixture(scope="module")
def restricted_api() -> Iterator[Api]:
    yield from serve(Emulator(seed=1, scale="demo", denied_groups={"service/tickets", "Finance"}))


@pytest.mark.parametrize("path", ["service/tickets", "service/tickets/count", "finance/agreements", "finance/invoices"])
def test_denied_endpoint_groups_answer_403(restricted_api: Api, path: str) -> None:
    response = restricted_api.get(path)
    assert response.status_code == 403
    assert response.json() == {
        "code": "Forbidden",
        "message": "Improper security role settings for the supplied authentication.",
        "errors": None,
    }


def test_endpoints_outside_denied_groups_still_answer(restricted_api: Api) -> None:
    assert restricted_api.get("service/boards").status_code == 200
    assert restricted_api.get("company/companies").status_code == 200


def test_a_security_module_name_denies_its_whole_area() -> None:
    for api in serve(Emulator(seed=1, scale="demo", denied_groups={"Service Desk"})):
        assert api.get("service/boards").status_code == 403
        assert api.get("project/projects").status_code == 200
