"""Each injected fault shows up on the wire as a client would see it, and is counted."""

from __future__ import annotations

import json

import pytest
import requests

from integrations.emulator import FaultPlan

from .conftest import Api


def test_every_nth_request_is_rate_limited_with_retry_after(fresh_api: Api) -> None:
    fresh_api.emulator.faults.configure(rate_limit_every=3, retry_after=7)
    statuses = [fresh_api.get("company/companies").status_code for _ in range(6)]
    assert statuses == [200, 200, 429, 200, 200, 429]
    response = fresh_api.get("company/companies", page=1)  # 7th
    assert response.status_code == 200
    fresh_api.emulator.faults.configure(rate_limit_next=1)
    throttled = fresh_api.get("company/companies")
    assert throttled.headers["Retry-After"] == "7"
    assert throttled.json() == {
        "code": "TooManyRequests",
        "message": "Too many requests. Please try again in 7 seconds.",
        "errors": None,
    }
    assert fresh_api.emulator.stats.faults["rate_limited"] == 3


def test_rate_limit_can_use_the_cloudflare_body_and_omit_the_header(fresh_api: Api) -> None:
    fresh_api.emulator.faults.configure(rate_limit_next=1, rate_limit_style="cloudflare", retry_after=None)
    response = fresh_api.get("service/tickets")
    assert response.status_code == 429
    assert "Retry-After" not in response.headers
    assert response.json() == {
        "error": "ConnectWiseAPI",
        "message": "Too many requests. Please try again in 30 seconds.",
    }


def test_a_throttle_window_rate_limits_everything_until_cleared(fresh_api: Api) -> None:
    fresh_api.emulator.faults.throttle_for(600)
    assert [fresh_api.get("service/tickets").status_code for _ in range(3)] == [429, 429, 429]
    fresh_api.emulator.faults.clear()
    assert fresh_api.get("service/tickets").status_code == 200


def test_a_5xx_burst_hits_the_next_k_requests_then_recovers(fresh_api: Api) -> None:
    fresh_api.emulator.faults.configure(error_next=2, error_status=503)
    statuses = [fresh_api.get("service/tickets").status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert fresh_api.emulator.stats.faults["server_error"] == 2


def test_an_html_error_page_can_replace_json(fresh_api: Api) -> None:
    fresh_api.emulator.faults.configure(html_next=1, html_status=200)
    response = fresh_api.get("service/tickets")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)
    assert fresh_api.emulator.stats.faults["html"] == 1


def test_a_truncated_body_is_not_valid_json(fresh_api: Api) -> None:
    fresh_api.emulator.faults.configure(truncate_next=1)
    response = fresh_api.get("service/tickets")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)
    assert fresh_api.get("service/tickets").json()  # only the one response was cut
    assert fresh_api.emulator.stats.faults["truncated"] == 1


def test_a_dropped_connection_gives_no_response_at_all(fresh_api: Api) -> None:
    fresh_api.emulator.faults.configure(drop_next=1)
    with pytest.raises(requests.ConnectionError):
        requests.get(
            f"{fresh_api.root}/service/tickets",
            auth=fresh_api.session.auth,
            headers=dict(fresh_api.session.headers),
            timeout=10,
        )
    assert fresh_api.get("service/tickets").status_code == 200
    assert fresh_api.emulator.stats.faults["dropped"] == 1


def test_added_latency_is_applied_and_counted(fresh_api: Api) -> None:
    fresh_api.emulator.faults.configure(latency_ms=1)
    assert fresh_api.get("service/tickets").status_code == 200
    assert fresh_api.emulator.stats.faults["latency"] == 1


def test_faults_can_be_armed_over_http(fresh_api: Api) -> None:
    control = f"{fresh_api.server.base_url}/_emulator/faults"
    assert fresh_api.session.put(control, json={"error_next": 1}, timeout=10).json()["error_next"] == 1
    assert fresh_api.get("service/tickets").status_code == 500
    assert fresh_api.session.put(control, json={"bogus": 1}, timeout=10).status_code == 400
    fresh_api.session.delete(control, timeout=10)
    assert fresh_api.emulator.faults.as_dict() == FaultPlan().as_dict()


def test_requests_are_counted_per_path(fresh_api: Api) -> None:
    fresh_api.get("service/tickets")
    fresh_api.get("service/tickets", page=2)
    fresh_api.get("service/tickets/count")
    stats = fresh_api.emulator.stats
    assert stats.requests_by_path["/service/tickets"] == 2
    assert stats.requests_by_path["/service/tickets/count"] == 1
    body = fresh_api.session.get(f"{fresh_api.server.base_url}/_emulator/stats", timeout=10).json()
    assert body["requests_by_path"]["/service/tickets"] == 2
    assert body["responses_by_status"]["200"] == 3
