"""The shape of the cache tables: the payload column without a re-parsing CHECK, and the upgrade of older tables."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.db import connection, models
from django.utils import timezone

from integrations.models import Connection, ServiceTicket

upgrade = importlib.import_module("integrations.migrations.0004_cache_tables_write_path").upgrade


def table_sql(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
        return cursor.fetchone()[0]


def index_columns(table: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [c["columns"] for c in constraints.values() if c["index"] and not c["unique"] and not c["primary_key"]]


def make_tickets(count: int) -> Connection:
    psa = Connection.objects.create(name="Shape", company_id="c", public_key="p", private_key="k", client_id="i")
    now = timezone.now()
    for n in range(1, count + 1):
        ServiceTicket.objects.create(
            connection=psa, psa_id=n, data={"id": n, "summary": f"Printer {n} – jammed"}, data_hash="h" * 40,
            synced_at=now, summary=f"Printer {n}",
        )  # fmt: skip
    return psa


@pytest.mark.django_db
def test_payload_lookups_work_and_no_index_duplicates_the_unique_constraint():
    make_tickets(3)
    assert list(ServiceTicket.objects.filter(data__summary="Printer 2 – jammed").values_list("psa_id", flat=True)) == [
        2
    ]
    columns = index_columns(ServiceTicket._meta.db_table)
    assert ["connection_id"] not in columns and ["synced_at"] not in columns
    assert ["is_deleted"] in columns and ["board_name"] in columns  # what people filter by stays indexed
    if connection.vendor == "sqlite":
        sql = table_sql(ServiceTicket._meta.db_table)
        assert "JSON_VALID" not in sql.upper()
        assert (
            sql.rstrip(")").rsplit(",", 2)[0].endswith('"data" text NOT NULL')
            or '"data" text NOT NULL, CONSTRAINT' in sql
        )


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_rebuilds_a_table_of_the_old_shape_and_keeps_every_row():
    psa = make_tickets(25)
    table = ServiceTicket._meta.db_table
    before = list(ServiceTicket.objects.order_by("psa_id").values_list("psa_id", "data", "summary", "connection_id"))
    # The shape the first text of 0002 created: a JSON_VALID check (SQLite) and two needless indexes.
    old_data = models.JSONField(default=dict)
    old_data.set_attributes_from_name("data")
    old_data.model = ServiceTicket
    with connection.schema_editor() as editor:
        if connection.vendor == "sqlite":
            editor.alter_field(ServiceTicket, ServiceTicket._meta.get_field("data"), old_data)
        editor.execute(f"CREATE INDEX old_connection_idx ON {table} (connection_id)")
        editor.execute(f"CREATE INDEX old_synced_idx ON {table} (synced_at)")
    assert ["connection_id"] in index_columns(table) and ["synced_at"] in index_columns(table)
    if connection.vendor == "sqlite":
        assert "JSON_VALID" in table_sql(table).upper()

    with connection.schema_editor() as editor:
        upgrade(apps, editor)

    assert ["connection_id"] not in index_columns(table) and ["synced_at"] not in index_columns(table)
    if connection.vendor == "sqlite":
        assert "JSON_VALID" not in table_sql(table).upper()
    after = list(ServiceTicket.objects.order_by("psa_id").values_list("psa_id", "data", "summary", "connection_id"))
    assert after == before and len(after) == 25
    assert ServiceTicket.objects.filter(connection=psa, data__summary="Printer 7 – jammed").count() == 1
