"""The tenant URL guard refuses unsafe sites before any byte is sent."""

from __future__ import annotations

import pytest

from integrations.connectwise import UnsafeTenantURL
from integrations.connectwise.netguard import URLPolicy, parse_ip_literal

from .conftest import make_client

STRICT = URLPolicy.build(insecure_hosts=(), allowed_hosts=())


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "2130706433",  # 127.0.0.1 as one decimal number
        "0x7f.1",  # hex, short form
        "0177.0.0.1",  # octal
        "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
        "[::1]",
        "0.0.0.0",  # noqa: S104 - a host to refuse, not one to bind
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",  # CGNAT
        "10.1.2.3",
        "192.168.0.10",
        "[fe80::1]",
        "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
    ],
)
def test_internal_address_literals_are_refused_up_front(host):
    policy = URLPolicy.build(insecure_hosts=(), allowed_hosts=[host])  # even when explicitly allowed
    with pytest.raises(UnsafeTenantURL, match="local or internal address"):
        policy.check_url(f"https://{host}/v2025_1/apis/3.0/")


def test_odd_spellings_are_parsed_to_the_address_they_mean():
    assert str(parse_ip_literal("2130706433")) == "127.0.0.1"
    assert str(parse_ip_literal("0x7f.1")) == "127.0.0.1"
    assert str(parse_ip_literal("[::ffff:127.0.0.1]")) == "::ffff:7f00:1"
    assert parse_ip_literal("na.myconnectwise.net") is None
    assert parse_ip_literal("cafe") is None


def test_https_is_required_except_for_insecure_hosts():
    with pytest.raises(UnsafeTenantURL, match="over https, not http://"):
        STRICT.check_url("http://na.myconnectwise.net/")
    URLPolicy.build(insecure_hosts=["127.0.0.1"], allowed_hosts=()).check_url("http://127.0.0.1:8765/")


def test_cloud_hosts_are_allowed_and_on_premise_hosts_need_psa_allowed_hosts():
    STRICT.check_url("https://api-na.myconnectwise.net/v2025_1/apis/3.0/")
    STRICT.check_url("https://api-staging.connectwisedev.com/")
    with pytest.raises(UnsafeTenantURL, match="PSA_ALLOWED_HOSTS") as caught:
        STRICT.check_url("https://cw.example-msp.com/")
    assert "add cw.example-msp.com to PSA_ALLOWED_HOSTS" in caught.value.hint
    URLPolicy.build(insecure_hosts=(), allowed_hosts=["CW.Example-MSP.com."]).check_url("https://cw.example-msp.com/")
    # A look-alike suffix is not a cloud host.
    with pytest.raises(UnsafeTenantURL):
        STRICT.check_url("https://evilmyconnectwise.net/")


def test_a_public_address_literal_is_allowed_when_listed():
    URLPolicy.build(insecure_hosts=(), allowed_hosts=["8.8.8.8"]).check_url("https://8.8.8.8/")


def test_the_client_refuses_an_unsafe_site_without_sending_anything(mocked):
    client = make_client(site="https://2130706433", insecure_hosts=(), codebase=None)
    with pytest.raises(UnsafeTenantURL):
        client.discover()
    with pytest.raises(UnsafeTenantURL, match="user name or password"):
        make_client(site="https://admin:pw@na.myconnectwise.net").get("/system/info")
    with pytest.raises(UnsafeTenantURL, match="https"):
        make_client(site="http://na.myconnectwise.net").get("/system/info")
    assert len(mocked.calls) == 0


def test_a_configured_session_does_not_use_environment_proxies():
    client = make_client()
    assert client._session.trust_env is False
    assert client._session.proxies == {}
    proxied = make_client(proxy="http://proxy.internal:3128")
    assert proxied._session.proxies == {"http": "http://proxy.internal:3128", "https": "http://proxy.internal:3128"}
