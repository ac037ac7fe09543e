"""Codebase discovery through /login/companyinfo and what the client sends to the API afterwards."""

from __future__ import annotations

import base64

import pytest

from integrations.connectwise import ConnectionFailed, NotFound, UnsafeTenantURL

from .conftest import API, COMPANYINFO_URL, companyinfo, make_client

TICKET = {"id": 5, "summary": "Printer on fire"}


def test_it_discovers_codebase_and_api_host_then_calls_the_api_there(mocked):
    mocked.get(COMPANYINFO_URL, json=companyinfo())
    mocked.get(f"{API}/service/tickets/5", json=TICKET)
    client = make_client(codebase=None, api_host=None)

    assert client.get("/service/tickets/5") == TICKET

    assert [call.request.url for call in mocked.calls] == [COMPANYINFO_URL, f"{API}/service/tickets/5"]
    assert client.codebase == "v2025_1/"
    assert client.api_host == "api-na.myconnectwise.net"
    assert client.api_base_url == "https://api-na.myconnectwise.net/v2025_1/apis/3.0/"
    assert client.company_info is not None
    assert client.company_info.is_cloud is True
    # The keys only go to the API host, never to the login endpoint.
    assert "Authorization" not in mocked.calls[0].request.headers


def test_it_sends_basic_auth_client_id_and_the_pinned_version(mocked):
    mocked.get(f"{API}/system/info", json={"version": "v2025.1.10333"})
    make_client(api_version="2025.8").get("system/info")

    headers = mocked.calls[0].request.headers
    expected = base64.b64encode(b"acme+PubKey7Qx2Lm:PrivSecret9Zr4Wq").decode()
    assert headers["Authorization"] == f"Basic {expected}"
    assert headers["clientId"] == "c1d2e3f4-aaaa-4bbb-8ccc-0123456789ab"
    assert headers["Accept"] == "application/vnd.connectwise.com+json; version=2025.8"


@pytest.mark.parametrize(
    ("is_cloud", "expected"), [("True", True), (True, True), ("false", False), (False, False), (None, False)]
)
def test_it_reads_is_cloud_as_string_or_boolean(mocked, is_cloud, expected):
    mocked.get(COMPANYINFO_URL, json=companyinfo(IsCloud=is_cloud))
    assert make_client(codebase=None).discover().is_cloud is expected


def test_it_adds_the_trailing_slash_a_codebase_may_lack(mocked):
    mocked.get(COMPANYINFO_URL, json=companyinfo(Codebase="v2025_1"))
    client = make_client(codebase=None)
    assert client.discover().codebase == "v2025_1/"
    assert client.api_base_url == f"{API}/"


def test_a_cloud_site_without_site_url_uses_the_api_prefixed_host(mocked):
    body = companyinfo()
    del body["SiteUrl"]
    mocked.get("https://eu.myconnectwise.net/login/companyinfo/acme", json=body)
    client = make_client(
        site="https://eu.myconnectwise.net/v4_6_release/ConnectWise.aspx", codebase=None, api_host=None
    )
    client.discover()
    assert client.api_base_url == "https://api-eu.myconnectwise.net/v2025_1/apis/3.0/"


def test_an_on_premise_site_without_site_url_keeps_its_own_host(mocked):
    body = companyinfo(Codebase="v4_6_release/", IsCloud=False)
    del body["SiteUrl"]
    mocked.get("https://cw.example-msp.com/login/companyinfo/acme", json=body)
    mocked.get("https://cw.example-msp.com/v4_6_release/apis/3.0/system/info", json={})
    client = make_client(
        site="https://cw.example-msp.com", allowed_hosts=["cw.example-msp.com"], codebase=None, api_host=None
    )
    client.get("/system/info")
    assert client.api_base_url == "https://cw.example-msp.com/v4_6_release/apis/3.0/"


def test_an_unknown_company_id_is_not_found_and_says_so(mocked):
    mocked.get(COMPANYINFO_URL, body="null", content_type="application/json")
    with pytest.raises(NotFound) as caught:
        make_client(codebase=None).discover()
    assert "does not know the company ID 'acme'" in str(caught.value)
    assert "login screen" in caught.value.hint


def test_a_site_without_the_login_endpoint_is_a_wrong_url(mocked):
    mocked.get(COMPANYINFO_URL, status=404, json={"code": "NotFound", "message": "nope"})
    with pytest.raises(ConnectionFailed, match="no ConnectWise login endpoint"):
        make_client(codebase=None).discover()


def test_a_discovered_api_host_pointing_at_cloud_metadata_is_refused_before_sending(mocked):
    mocked.get(COMPANYINFO_URL, json=companyinfo(SiteUrl="169.254.169.254"))
    with pytest.raises(UnsafeTenantURL, match=r"169\.254\.169\.254"):
        make_client(codebase=None).get("/system/info")
    assert len(mocked.calls) == 1  # only companyinfo


def test_it_rediscovers_once_after_a_404_and_retries_with_the_new_codebase(mocked):
    old = "https://api-na.myconnectwise.net/v2024_1/apis/3.0/company/companies/1"
    mocked.get(old, status=404, json={"code": "NotFound", "message": "Not found"})
    mocked.get(COMPANYINFO_URL, json=companyinfo(Codebase="v2025_1/"))
    mocked.get(f"{API}/company/companies/1", json={"id": 1, "name": "Acme"})
    client = make_client(codebase="v2024_1/")

    assert client.get("/company/companies/1") == {"id": 1, "name": "Acme"}
    assert client.codebase == "v2025_1/"
    assert [c.request.url for c in mocked.calls] == [old, COMPANYINFO_URL, f"{API}/company/companies/1"]


def test_a_404_with_an_unchanged_codebase_is_not_found_and_rediscovery_happens_only_once(mocked):
    mocked.get(f"{API}/company/companies/99", status=404, json={"code": "NotFound", "message": "Company not found"})
    mocked.get(COMPANYINFO_URL, json=companyinfo())
    client = make_client()

    for _ in range(2):
        with pytest.raises(NotFound, match="Company not found") as caught:
            client.get("/company/companies/99")
        assert caught.value.status == 404
        assert caught.value.endpoint == "/company/companies/99"
    companyinfo_calls = [c for c in mocked.calls if c.request.url == COMPANYINFO_URL]
    assert len(companyinfo_calls) == 1


def test_it_accepts_href_links_to_its_own_api_but_refuses_other_hosts(mocked):
    mocked.get(f"{API}/company/contacts", json=[])
    client = make_client()
    client.get("https://api-na.myconnectwise.net/v4_6_release/apis/3.0/company/contacts?conditions=company/id=250")
    assert mocked.calls[0].request.params == {"conditions": "company/id=250"}

    with pytest.raises(UnsafeTenantURL, match="not this tenant's API"):
        client.get("https://evil.example.com/v2025_1/apis/3.0/company/contacts")
    assert len(mocked.calls) == 1


def test_site_is_kept_with_its_scheme_and_port(mocked):
    mocked.get("http://127.0.0.1:8765/login/companyinfo/acme", json=companyinfo(SiteUrl="127.0.0.1:8765"))
    client = make_client(site="http://127.0.0.1:8765", codebase=None, api_host=None)
    client.discover()
    assert client.api_base_url == "http://127.0.0.1:8765/v2025_1/apis/3.0/"
