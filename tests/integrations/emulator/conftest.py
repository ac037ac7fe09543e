"""Fixtures for the PSA emulator tests: one small emulator served on loopback per session, plus an API helper."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from integrations.emulator import (
    CODEBASE,
    DEFAULT_CLIENT_ID,
    DEFAULT_COMPANY_ID,
    DEFAULT_PRIVATE_KEY,
    DEFAULT_PUBLIC_KEY,
    Emulator,
    EmulatorServer,
)


class Api:
    """A thin `requests` wrapper that speaks to one emulator like a ConnectWise client would."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self.emulator = server.emulator
        self.root = f"{server.base_url}/{CODEBASE}apis/3.0"
        self.session = requests.Session()
        self.session.auth = (f"{DEFAULT_COMPANY_ID}+{DEFAULT_PUBLIC_KEY}", DEFAULT_PRIVATE_KEY)
        self.session.headers.update({"clientId": DEFAULT_CLIENT_ID, "Accept": "application/vnd.connectwise.com+json"})

    def get(self, path: str, *, headers: dict[str, str] | None = None, **params: Any) -> requests.Response:
        return self.session.get(f"{self.root}/{path.lstrip('/')}", params=params, headers=headers, timeout=30)

    def json(self, path: str, **params: Any) -> Any:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def ids(self, path: str, **params: Any) -> list[int]:
        return [record["id"] for record in self.json(path, pageSize=1000, **params)]


def serve(emulator: Emulator) -> Iterator[Api]:
    with EmulatorServer(emulator) as server:
        api = Api(server)
        yield api
        api.session.close()


@pytest.fixture(scope="session")
def small_emulator() -> Emulator:
    return Emulator(seed=42, scale="small")


@pytest.fixture(scope="session")
def api(small_emulator: Emulator) -> Iterator[Api]:
    """Read-only use: tests that mutate data or arm faults take `fresh_api` instead."""
    yield from serve(small_emulator)


@pytest.fixture
def fresh_api() -> Iterator[Api]:
    """A tiny emulator of its own, for tests that change records, the clock or the fault plan."""
    yield from serve(Emulator(seed=7, scale=40))
