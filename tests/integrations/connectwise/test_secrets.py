"""The keys, the client id and the Authorization header never show up in errors, logs or reprs."""

from __future__ import annotations

import logging
import traceback

import pytest
import requests

from integrations.connectwise import ConnectWiseError

from .conftest import API, COMPANYINFO_URL, CREDENTIALS, PRIVATE_KEY, SECRETS, companyinfo, make_client

TICKETS = f"{API}/service/tickets"


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_credentials_and_client_reprs_hide_the_secrets():
    client = make_client()
    for text in (repr(CREDENTIALS), str(CREDENTIALS), repr(client), str(client), repr(client.stats)):
        assert_no_secret(text)
    assert "acme" in repr(CREDENTIALS)


@pytest.mark.parametrize(
    "register",
    [
        lambda m: m.get(TICKETS, status=401, json={"code": "Unauthorized", "message": "UserNotAuthenticated"}),
        lambda m: m.get(TICKETS, status=403, json={"code": "Forbidden", "message": "no"}),
        lambda m: m.get(TICKETS, status=400, json={"code": "InvalidObject", "message": "bad"}),
        lambda m: m.get(TICKETS, status=429, json={"message": "Try again in 1 seconds."}),
        lambda m: m.get(TICKETS, status=502, body="bad gateway"),
        lambda m: m.get(TICKETS, status=301, headers={"Location": "https://elsewhere.example/"}),
        lambda m: m.get(TICKETS, body="<html>login</html>", content_type="text/html"),
        lambda m: m.get(TICKETS, body=requests.exceptions.ConnectionError("reset")),
    ],
)
def test_no_error_message_log_record_or_repr_carries_a_secret(mocked, caplog, register):
    register(mocked)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConnectWiseError) as caught:
        make_client(max_attempts=2).get("/service/tickets", params={"conditions": "id=1"})
    error = caught.value
    chained = "".join(traceback.format_exception(error))  # what logger.exception() would print
    for text in (str(error), repr(error), error.message, error.hint, caplog.text, repr(error.__dict__), chained):
        assert_no_secret(text)
    assert all(r.getMessage() for r in caplog.records)


def test_a_secret_echoed_back_by_the_server_is_redacted(mocked):
    mocked.get(
        TICKETS,
        status=400,
        json={"code": "InvalidObject", "message": f"Bad key {PRIVATE_KEY} for {CREDENTIALS.authorization}"},
    )
    with pytest.raises(ConnectWiseError) as caught:
        make_client().get("/service/tickets")
    assert_no_secret(str(caught.value))
    assert "[redacted]" in str(caught.value)


def test_discovery_and_success_logs_show_the_api_version_but_no_secret(mocked, caplog):
    mocked.get(COMPANYINFO_URL, json=companyinfo())
    mocked.get(TICKETS, json=[], headers={"api-current-version": "2025.9"})
    caplog.set_level(logging.DEBUG, logger="integrations.connectwise")
    make_client(codebase=None).get("/service/tickets")
    assert "api-current-version 2025.9" in caplog.text
    assert_no_secret(caplog.text)
