"""Builders for ConnectWise client tests: fixed credentials, a recording sleeper and mocked HTTP at the seam."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import responses

from integrations.connectwise import ConnectWiseClient, Credentials

SITE = "https://na.myconnectwise.net"
COMPANYINFO_URL = f"{SITE}/login/companyinfo/acme"
API_HOST = "api-na.myconnectwise.net"
API = f"https://{API_HOST}/v2025_1/apis/3.0"

PUBLIC_KEY = "PubKey7Qx2Lm"
PRIVATE_KEY = "PrivSecret9Zr4Wq"
CLIENT_ID = "c1d2e3f4-aaaa-4bbb-8ccc-0123456789ab"
CREDENTIALS = Credentials(company_id="acme", public_key=PUBLIC_KEY, private_key=PRIVATE_KEY, client_id=CLIENT_ID)
SECRETS = (PUBLIC_KEY, PRIVATE_KEY, CLIENT_ID, CREDENTIALS.authorization, CREDENTIALS.authorization[6:])


class RecordingSleeper:
    """Stands in for time.sleep: remembers the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def companyinfo(**overrides: Any) -> dict[str, Any]:
    body = {
        "CompanyName": "Acme MSP",
        "Codebase": "v2025_1/",
        "VersionCode": "v2025.1",
        "VersionNumber": "v4.6.10333",
        "CompanyID": "acme",
        "IsCloud": "True",
        "SiteUrl": API_HOST,
    }
    body.update(overrides)
    return body


def make_client(sleeper: RecordingSleeper | None = None, **overrides: Any) -> ConnectWiseClient:
    """A client for the fake tenant; by default already knows its codebase so no discovery happens."""
    options: dict[str, Any] = {
        "site": SITE,
        "credentials": CREDENTIALS,
        "codebase": "v2025_1/",
        "api_host": API_HOST,
        "sleep": sleeper or RecordingSleeper(),
        "jitter": lambda low, high: high,  # the upper bound, so backoff waits are predictable
    }
    options.update(overrides)
    return ConnectWiseClient(**options)


@pytest.fixture
def sleeper() -> RecordingSleeper:
    return RecordingSleeper()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
