"""Every ConnectWise failure becomes a typed error whose message says what to do."""

from __future__ import annotations

import gzip
import socket

import pytest
import requests
import urllib3
from cryptography.fernet import Fernet

from integrations.connectwise import (
    BadRequest,
    ConnectionFailed,
    ConnectWiseError,
    InvalidCredentials,
    PermissionDenied,
    ReadOnlyViolation,
    UndecryptableCredentials,
)
from integrations.connectwise.client import Credentials

from .conftest import API, CREDENTIALS, make_client

TICKETS = f"{API}/service/tickets"


def test_401_is_invalid_credentials_telling_what_to_check(mocked):
    mocked.get(TICKETS, status=401, json={"code": "Unauthorized", "message": "UserNotAuthenticated"})
    with pytest.raises(InvalidCredentials) as caught:
        make_client().get("/service/tickets")
    assert caught.value.message == (
        "ConnectWise rejected the API keys: check the public/private key and the company ID"
    )
    assert "API member" in caught.value.hint
    assert caught.value.status == 401
    assert len(mocked.calls) == 1  # never retried


@pytest.mark.parametrize(
    ("path", "permission"),
    [
        ("/service/tickets", "Service Desk › Service Tickets — Inquire All"),
        ("/company/configurations", "Companies › Configurations — Inquire All"),
        ("/time/entries/count", "Time & Expense › Time Entry — Inquire All"),
    ],
)
def test_403_names_the_security_role_permission_to_grant(mocked, path, permission):
    mocked.get(f"{API}{path}", status=403, json={"code": "Forbidden", "message": "Not allowed"})
    with pytest.raises(PermissionDenied) as caught:
        make_client().get(path)
    assert caught.value.permission == permission
    assert permission in str(caught.value)
    assert "API member's security role" in caught.value.hint
    assert "Not allowed" in caught.value.message


def test_400_is_a_bad_request_carrying_connectwise_message_and_errors(mocked):
    mocked.get(
        TICKETS,
        status=400,
        json={
            "code": "InvalidObject",
            "message": "conditions is invalid",
            "errors": [{"code": "InvalidField", "message": "Unknown field 'sumary'", "field": "conditions"}],
        },
    )
    with pytest.raises(BadRequest) as caught:
        make_client().get("/service/tickets", params={"conditions": 'sumary="x"'})
    assert "conditions is invalid" in caught.value.message
    assert "conditions: Unknown field 'sumary'" in caught.value.message
    assert len(mocked.calls) == 1


def test_an_unexpected_4xx_is_a_connectwise_error_and_not_retried(mocked):
    mocked.get(TICKETS, status=409, json={"code": "Conflict", "message": "Busy"})
    with pytest.raises(ConnectWiseError, match=r"HTTP 409.*Busy"):
        make_client().get("/service/tickets")
    assert len(mocked.calls) == 1


def test_a_web_page_instead_of_json_means_the_site_url_is_wrong(mocked):
    mocked.get(TICKETS, body="<!DOCTYPE html><html><body>Sign in</body></html>", content_type="text/html")
    with pytest.raises(ConnectionFailed, match="web page, not the API") as caught:
        make_client().get("/service/tickets")
    assert "site URL" in caught.value.hint


def test_a_truncated_json_answer_is_a_connection_failure(mocked):
    mocked.get(TICKETS, body='[{"id": 1, "summ', content_type="application/json")
    with pytest.raises(ConnectionFailed, match="not valid JSON"):
        make_client(max_attempts=2).get("/service/tickets")
    assert len(mocked.calls) == 2  # retried once, like a dropped connection


def test_a_truncated_json_answer_is_retried_and_the_next_good_one_used(mocked):
    mocked.get(TICKETS, body='[{"id": 1, "summ', content_type="application/json")
    mocked.get(TICKETS, json=[{"id": 1, "summary": "ok"}])
    client = make_client()
    assert client.get("/service/tickets") == [{"id": 1, "summary": "ok"}]
    assert client.stats.retries == 1


def test_a_redirect_is_not_followed_and_names_where_it_pointed(mocked):
    mocked.get(TICKETS, status=302, headers={"Location": "https://login.example.net/sso"})
    with pytest.raises(ConnectionFailed, match=r"redirected /service/tickets to https://login\.example\.net/sso"):
        make_client().get("/service/tickets")
    assert len(mocked.calls) == 1


def test_an_unresolvable_host_is_a_dns_failure_and_not_retried(mocked, sleeper):
    reason = urllib3.exceptions.NameResolutionError("api-nx.myconnectwise.net", None, socket.gaierror(-2, "nx"))
    error = requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, TICKETS, reason))
    mocked.get(TICKETS, body=error)
    with pytest.raises(ConnectionFailed, match=r"could not be resolved \(DNS\)"):
        make_client(sleeper).get("/service/tickets")
    assert sleeper.waits == []


def test_a_bad_tls_certificate_is_a_connection_failure_and_not_retried(mocked, sleeper):
    mocked.get(TICKETS, body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(ConnectionFailed, match="TLS certificate"):
        make_client(sleeper).get("/service/tickets")
    assert sleeper.waits == []


def test_an_answer_larger_than_the_cap_is_abandoned(mocked):
    mocked.get(TICKETS, body=b"[" + b'{"id": 1},' * 20_000 + b'{"id": 2}]', content_type="application/json")
    with pytest.raises(ConnectionFailed, match="larger than 100,000 bytes"):
        make_client(max_response_bytes=100_000).get("/service/tickets")


def test_a_gzip_bomb_fails_cleanly_on_decoded_size(mocked):
    bomb = gzip.compress(b" " * 50_000_000)  # ~50 KB on the wire, 50 MB decoded
    assert len(bomb) < 100_000
    mocked.get(TICKETS, body=bomb, headers={"Content-Encoding": "gzip"}, content_type="application/json")
    with pytest.raises(ConnectionFailed, match="larger than 1,000,000 bytes"):
        make_client(max_response_bytes=1_000_000).get("/service/tickets")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "post"])
def test_anything_but_get_is_refused_before_sending(mocked, method):
    with pytest.raises(ReadOnlyViolation, match=f"Refused to send {method.upper()} /service/tickets"):
        make_client().request(method, "/service/tickets", params={"x": 1})
    assert len(mocked.calls) == 0


def test_keys_that_are_still_fernet_ciphertext_are_never_sent(mocked):
    token = Fernet(Fernet.generate_key()).encrypt(b"PrivSecret9Zr4Wq").decode()
    credentials = Credentials(
        company_id="acme", public_key=CREDENTIALS.public_key, private_key=token, client_id=CREDENTIALS.client_id
    )
    client = make_client(credentials=credentials, codebase=None)
    with pytest.raises(UndecryptableCredentials, match="private key is still encrypted") as caught:
        client.get("/service/tickets")
    assert token not in str(caught.value)
    with pytest.raises(UndecryptableCredentials):
        client.discover()
    assert len(mocked.calls) == 0
