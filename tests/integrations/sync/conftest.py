"""Sync tests run the real client against the emulator on loopback; retries never really sleep."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from integrations.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_COMPANY_ID,
    DEFAULT_PRIVATE_KEY,
    DEFAULT_PUBLIC_KEY,
    Emulator,
    EmulatorServer,
)
from integrations.models import Connection
from integrations.services import build_client
from integrations.sync import sync_connection

SCALE = 300  # tickets; companies, contacts, configurations… follow proportionally


def no_sleep(seconds: float) -> None:
    return None


def serve(emulator: Emulator) -> EmulatorServer:
    return EmulatorServer(emulator)


@pytest.fixture(scope="session")
def shared_emulator() -> Iterator[tuple[Emulator, str]]:
    """One read-only emulator for the tests that never mutate it."""
    emulator = Emulator(seed=42, scale=SCALE)
    with serve(emulator) as server:
        yield emulator, server.base_url


@pytest.fixture
def own_emulator() -> Iterator[tuple[Emulator, str]]:
    """A fresh emulator for tests that mutate records or inject faults."""
    emulator = Emulator(seed=7, scale=SCALE)
    with serve(emulator) as server:
        yield emulator, server.base_url


def make_connection(base_url: str, name: str = "Emulator") -> Connection:
    return Connection.objects.create(
        name=name,
        region=Connection.Region.CUSTOM,
        custom_url=base_url,
        company_id=DEFAULT_COMPANY_ID,
        public_key=DEFAULT_PUBLIC_KEY,
        private_key=DEFAULT_PRIVATE_KEY,
        client_id=DEFAULT_CLIENT_ID,
    )


@pytest.fixture
def emulator(own_emulator) -> Emulator:
    return own_emulator[0]


@pytest.fixture
def psa(db, own_emulator) -> Connection:
    return make_connection(own_emulator[1])


@pytest.fixture
def shared_psa(db, shared_emulator) -> Connection:
    return make_connection(shared_emulator[1])


def run_sync(connection: Connection, **kwargs: Any):
    """A sync with a client that does not sleep between retries."""
    connection.refresh_from_db()  # the codebase a previous run discovered
    client = build_client(connection, sleep=no_sleep)
    return sync_connection(connection=connection, client=client, **kwargs)


def psa_count(emulator: Emulator, collection: str, parent_id: int | None = None) -> int:
    return len(emulator.store.ids(collection, parent_id))
