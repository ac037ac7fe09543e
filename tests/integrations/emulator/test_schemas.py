"""Every endpoint's payloads validate against the official ConnectWise schemas."""

from __future__ import annotations

from typing import Any

import pytest

from integrations.emulator.dataset import Dataset

from .conftest import Api
from .schemas import response_schema, schema_named, validation_errors

TABLES = Dataset(42, "small").tables
TOP_LEVEL = sorted(key for key, table in TABLES.items() if table.parent_key is None)
CHILDREN = sorted(key for key, table in TABLES.items() if table.parent_key is not None)


def child_path(api: Api, key: str) -> str:
    """The URL of a child list under the first parent that has children."""
    table = TABLES[key]
    parent_key, child = key.rsplit("/", 1)
    store = api.emulator.store
    parent_id = next(pid for pid in store.ids(table.parent_key or parent_key) if store.ids(key, pid))
    return f"{parent_key}/{parent_id}/{child}"


def assert_valid(payload: Any, spec_path: str) -> None:
    spec_name, schema = response_schema(spec_path)
    errors = validation_errors(payload, spec_name, schema)
    assert not errors, f"GET {spec_path} ({spec_name}):\n" + "\n".join(errors)


@pytest.mark.parametrize("key", TOP_LEVEL)
def test_list_and_item_payloads_match_the_official_schema(api: Api, key: str) -> None:
    spec_path = TABLES[key].spec_path
    records = api.json(key, pageSize=200)
    assert records, f"{key} served no records"
    assert_valid(records, spec_path)
    assert_valid(api.json(f"{key}/{records[-1]['id']}"), f"{spec_path}/{{id}}")


@pytest.mark.parametrize("key", CHILDREN)
def test_child_list_and_item_payloads_match_the_official_schema(api: Api, key: str) -> None:
    spec_path = TABLES[key].spec_path
    path = child_path(api, key)
    records = api.json(path)
    assert records
    assert_valid(records, spec_path)
    item_spec = spec_path.rstrip("/") + "/{id}"
    item_id = records[0]["forecastItems"][0]["id"] if key.endswith("/forecast") else records[0]["id"]
    try:
        response_schema(item_spec)
    except LookupError:
        return  # the spec has no GET /{id} for this child list
    assert_valid(api.json(f"{path}/{item_id}"), item_spec)


@pytest.mark.parametrize("key", TOP_LEVEL + CHILDREN)
def test_count_endpoints_answer_with_the_count_schema(api: Api, key: str) -> None:
    path = child_path(api, key) if key in CHILDREN else key
    body = api.json(f"{path}/count")
    spec_name, schema = schema_named("Count")
    assert not validation_errors(body, spec_name, schema)
    parent_id = next((int(segment) for segment in path.split("/") if segment.isdigit()), None)
    assert body["count"] == len(api.emulator.store.ids(key, parent_id))


def test_the_schema_check_rejects_a_wrong_type() -> None:
    # Guards the guard: a validator that accepted everything would make every test above pass.
    spec_name, schema = schema_named("Ticket")
    assert validation_errors({"summary": 5, "company": {"id": 1}}, spec_name, schema)
    assert validation_errors({"summary": "x"}, spec_name, schema)  # company is required
    assert validation_errors({"summary": "x", "company": {}, "closedDate": None}, spec_name, schema)
    assert validation_errors({"summary": "x", "company": {}, "requiredDate": "2026-03-08 21:59"}, spec_name, schema)
    assert not validation_errors({"summary": "x", "company": {}, "budgetHours": None}, spec_name, schema)


def test_system_info_matches_the_info_schema(api: Api) -> None:
    assert_valid(api.json("system/info"), "/system/info")


def test_reference_objects_carry_an_href_to_the_referenced_record(api: Api) -> None:
    ticket = api.json("service/tickets", pageSize=1)[0]
    assert ticket["company"]["_info"]["company_href"] == f"{api.root}/company/companies/{ticket['company']['id']}"
    assert set(ticket["company"]) == {"id", "identifier", "name", "_info"}
    assert api.session.get(ticket["board"]["_info"]["board_href"], timeout=10).json()["id"] == ticket["board"]["id"]


def test_time_entries_carry_date_entered_top_level_and_records_keep_it_in_info(api: Api) -> None:
    entry = api.json("time/entries", pageSize=1)[0]
    assert "dateEntered" in entry and "enteredBy" in entry
    assert "dateEntered" not in entry["_info"]
    ticket = api.json("service/tickets", pageSize=1)[0]
    assert {"lastUpdated", "updatedBy", "dateEntered", "enteredBy"} <= set(ticket["_info"])


def test_some_custom_fields_have_no_value_key(api: Api) -> None:
    fields = [f for c in api.json("company/companies", pageSize=100) for f in c["customFields"]]
    assert any("value" not in f for f in fields)
    assert any("value" in f for f in fields)
