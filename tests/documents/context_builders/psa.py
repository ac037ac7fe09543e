"""A PSA cache filled by a real sync against the emulator, shared by the builder and starter template tests.

The sync runs once per test package (a few seconds) outside the per-test transactions and is removed afterwards,
so other packages never see these rows. Tests only read it (their own writes roll back).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from integrations.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_COMPANY_ID,
    DEFAULT_PRIVATE_KEY,
    DEFAULT_PUBLIC_KEY,
    Emulator,
    EmulatorServer,
)
from integrations.models import Connection, SyncRun
from integrations.services import build_client, connection_test
from integrations.sync import sync_connection

CONNECTION_NAME = "Documents emulator"


def _no_sleep(seconds: float) -> None:
    return None


def sync_emulator_into_cache() -> Connection:
    emulator = Emulator(seed=42, scale="small")
    with EmulatorServer(emulator) as server:
        connection = Connection.objects.create(
            name=CONNECTION_NAME,
            region=Connection.Region.CUSTOM,
            custom_url=server.base_url,
            company_id=DEFAULT_COMPANY_ID,
            public_key=DEFAULT_PUBLIC_KEY,
            private_key=DEFAULT_PRIVATE_KEY,
            client_id=DEFAULT_CLIENT_ID,
            is_default=True,
        )
        assert connection_test(connection=connection).ok  # fills my_company and system_info
        run = sync_connection(connection=connection, client=build_client(connection, sleep=_no_sleep), mode="full")
        assert run.status == SyncRun.Status.SUCCEEDED, run.errors
    connection.refresh_from_db()
    return connection


@pytest.fixture(scope="package")
def synced_psa(django_db_setup, django_db_blocker) -> Iterator[Connection]:
    with django_db_blocker.unblock():
        connection = sync_emulator_into_cache()
    yield connection
    with django_db_blocker.unblock():
        Connection.objects.filter(pk=connection.pk).delete()


@pytest.fixture
def psa(synced_psa, db) -> Connection:
    """The synced connection inside a test's transaction."""
    return Connection.objects.get(pk=synced_psa.pk)
