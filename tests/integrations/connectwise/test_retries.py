"""Throttling and transient failures are retried with bounded, observable waits; other 4xx never are."""

from __future__ import annotations

import pytest
import requests

from integrations.connectwise import ConnectionFailed, ConnectWiseError, ServerError, Throttled

from .conftest import API, make_client

TICKETS = f"{API}/service/tickets"
OK = [{"id": 1}]
STANDARD_429 = {"code": "TooManyRequests", "message": "Rate limit exceeded", "errors": None}
CLOUDFLARE_429 = {"error": "ConnectWiseAPI", "message": "Too many requests. Please try again in 30 seconds."}


@pytest.mark.parametrize("body", [STANDARD_429, CLOUDFLARE_429])
def test_it_retries_429_after_the_retry_after_header_then_succeeds(mocked, sleeper, body):
    mocked.get(TICKETS, status=429, json=body, headers={"Retry-After": "7"})
    mocked.get(TICKETS, json=OK)
    client = make_client(sleeper)

    assert client.get("/service/tickets") == OK
    assert sleeper.waits == [7.0]  # the header wins over the seconds in the message
    assert (client.stats.requests, client.stats.retries, client.stats.throttled_seconds) == (2, 1, 7.0)


def test_it_reads_the_wait_from_the_message_when_there_is_no_header(mocked, sleeper):
    mocked.get(TICKETS, status=429, json=CLOUDFLARE_429)
    mocked.get(TICKETS, json=OK)
    assert make_client(sleeper, max_backoff=60).get("/service/tickets") == OK
    assert sleeper.waits == [30.0]


def test_it_honours_retry_after_as_an_http_date_against_the_server_clock(mocked, sleeper):
    mocked.get(
        TICKETS,
        status=429,
        json=STANDARD_429,
        headers={"Retry-After": "Wed, 21 Oct 2015 07:30:00 GMT", "Date": "Wed, 21 Oct 2015 07:28:00 GMT"},
    )
    mocked.get(TICKETS, json=OK)
    make_client(sleeper, max_backoff=300).get("/service/tickets")
    assert sleeper.waits == [120.0]


def test_throttling_that_outlasts_the_attempts_raises_throttled_with_retry_after(mocked, sleeper):
    mocked.get(TICKETS, status=429, json=STANDARD_429, headers={"Retry-After": "2"})
    client = make_client(sleeper, max_attempts=3)
    with pytest.raises(Throttled) as caught:
        client.get("/service/tickets")
    assert caught.value.retry_after == 2.0
    assert "Wait 2 seconds" in str(caught.value)
    assert sleeper.waits == [2.0, 2.0]
    assert len(mocked.calls) == 3
    assert client.stats.throttled_seconds == 4.0


def test_a_retry_after_longer_than_max_backoff_gives_up_at_once(mocked, sleeper):
    mocked.get(TICKETS, status=429, json=STANDARD_429, headers={"Retry-After": "3600"})
    with pytest.raises(Throttled) as caught:
        make_client(sleeper, max_backoff=60).get("/service/tickets")
    assert caught.value.retry_after == 3600.0
    assert sleeper.waits == []  # a worker is not parked for an hour; the caller reschedules
    assert len(mocked.calls) == 1


def test_5xx_is_retried_with_capped_exponential_backoff_then_raises_server_error(mocked, sleeper):
    mocked.get(TICKETS, status=503, json={"code": "Unavailable", "message": "Upgrading"})
    client = make_client(sleeper, max_attempts=5, backoff_base=1.0, max_backoff=5.0)
    with pytest.raises(ServerError, match=r"HTTP 503.*Upgrading") as caught:
        client.get("/service/tickets")
    assert caught.value.status == 503
    assert sleeper.waits == [1.0, 2.0, 4.0, 5.0]  # jitter pinned to its upper bound
    assert (client.stats.requests, client.stats.retries) == (5, 4)
    assert client.stats.throttled_seconds == 0


def test_backoff_uses_full_jitter_between_zero_and_the_ceiling(mocked, sleeper):
    mocked.get(TICKETS, status=500)
    asked: list[tuple[float, float]] = []

    def jitter(low: float, high: float) -> float:
        asked.append((low, high))
        return low

    with pytest.raises(ServerError):
        make_client(sleeper, jitter=jitter, max_attempts=4, backoff_base=0.5).get("/service/tickets")
    assert asked == [(0.0, 0.5), (0.0, 1.0), (0.0, 2.0)]
    assert sleeper.waits == [0.0, 0.0, 0.0]


def test_a_transient_500_then_success_returns_the_data(mocked, sleeper):
    mocked.get(TICKETS, status=500, body="oops")
    mocked.get(TICKETS, json=OK)
    assert make_client(sleeper).get("/service/tickets") == OK
    assert len(sleeper.waits) == 1


@pytest.mark.parametrize(
    "failure", [requests.exceptions.ConnectionError("reset"), requests.exceptions.ReadTimeout("slow")]
)
def test_connection_errors_and_timeouts_are_retried(mocked, sleeper, failure):
    mocked.get(TICKETS, body=failure)
    mocked.get(TICKETS, json=OK)
    assert make_client(sleeper).get("/service/tickets") == OK
    assert len(sleeper.waits) == 1


def test_connection_errors_that_persist_raise_connection_failed(mocked, sleeper):
    mocked.get(TICKETS, body=requests.exceptions.ConnectTimeout("slow"))
    with pytest.raises(ConnectionFailed, match="did not answer /service/tickets within 30 seconds"):
        make_client(sleeper, max_attempts=2).get("/service/tickets")
    assert len(mocked.calls) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409])
def test_other_4xx_are_never_retried(mocked, sleeper, status):
    mocked.get(TICKETS, status=status, json={"code": "X", "message": "no"})
    mocked.get("https://na.myconnectwise.net/login/companyinfo/acme", json={"Codebase": "v2025_1/"})
    with pytest.raises(ConnectWiseError):
        make_client(sleeper).get("/service/tickets")
    assert sleeper.waits == []
    assert len([c for c in mocked.calls if c.request.url.startswith(TICKETS)]) == 1
