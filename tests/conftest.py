"""Shared pytest fixtures: connections, users, and secrets every test can check for leaks."""

from __future__ import annotations

import pytest

from integrations.models import Connection

PUBLIC_KEY = "pubKEY-1a2b3c4d5e"
PRIVATE_KEY = "privKEY-9z8y7x6w5v"
CLIENT_ID = "c1d2e3f4-0000-4abc-8def-123456789abc"
SECRETS = (PUBLIC_KEY, PRIVATE_KEY, CLIENT_ID)


@pytest.fixture
def connection(db) -> Connection:
    return Connection.objects.create(
        name="Acme MSP",
        region=Connection.Region.NA,
        company_id="acme",
        public_key=PUBLIC_KEY,
        private_key=PRIVATE_KEY,
        client_id=CLIENT_ID,
        is_default=True,
    )


@pytest.fixture
def superuser(db, django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "pw")


@pytest.fixture
def admin_client_logged_in(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (cached filter options must not leak between tests)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
