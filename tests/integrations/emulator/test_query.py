"""conditions, childConditions, customFieldConditions, orderBy and fields, parsed and applied like ConnectWise."""

from __future__ import annotations

import pytest

from integrations.emulator.query import QueryError, RecordView, compile_conditions, parse_timestamp

from .conftest import Api

TICKET = {
    "id": 7,
    "summary": 'Printer "HP 4" won\'t print',
    "closedFlag": False,
    "budgetHours": None,
    "actualHours": 2.5,
    "board": {"id": 1, "name": "Help Desk"},
    "types": [{"id": 3, "name": "Client"}, {"id": 4, "name": "Vendor"}],
    "_info": {"lastUpdated": "2026-03-08T21:59:20Z"},
}


def matches(condition: str, record: dict | None = None) -> bool:  # type: ignore[type-arg]
    return compile_conditions(condition)(RecordView(record or TICKET))


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("id = 7", True),
        ("id != 7", False),
        ("id < 8 and id <= 7 and id > 6 and id >= 7", True),
        ("actualHours > 2", True),
        ('summary contains "hp 4"', True),
        ('summary not contains "HP"', False),
        ('summary like "Printer%print"', True),
        ("summary like 'printer*'", True),
        ('summary not like "Scanner%"', True),
        ("id in (1, 7, 9)", True),
        ("id not in (1,2)", True),
        ('board/name in ("Alerts", "help desk")', True),
        ("closedFlag = False", True),
        ("closedFlag = true", False),
        ("budgetHours = null", True),
        ("budgetHours != null", False),
        ("actualHours != NULL", True),
        ("missingField = null", True),
        ('summary = "Printer \\"HP 4\\" won\'t print"', True),
        ("summary = 'Printer \"HP 4\" won\\'t print'", True),
        ('board/name = "Help Desk"', True),
        ("BOARD/ID = 1 AND SUMMARY LIKE 'printer%'", True),
        ("lastUpdated > [2026-03-08T21:59:19Z]", True),
        ("lastUpdated > [2026-03-08T21:59:20Z]", False),
        ("_info/lastUpdated >= [2026-03-08T21:59:20Z]", True),
        ("types/id = 4", True),
        ("types/name = 'Prospect'", False),
        ("id = 1 or id = 7", True),
        ("id = 1 or id = 2 and id = 7", False),
        ("(id = 1 or id = 7) and closedFlag = false", True),
        ("(id = 1 or (id = 7 and board/id = 2))", False),
        ("not (id = 1)", True),
    ],
)
def test_condition_semantics(condition: str, expected: bool) -> None:
    assert matches(condition) is expected


@pytest.mark.parametrize(
    "condition",
    [
        "id = ",
        "id 7",
        "= 7",
        "(id = 7",
        "id = 7)",
        "summary like 5",
        "id in 7",
        "id = 7 and",
        "id == 7",
        "lastUpdated > [yesterday]",
        'summary = "unterminated',
        "id = 7 xor id = 8",
        "id = @7",
    ],
)
def test_unparseable_conditions_are_rejected(condition: str) -> None:
    with pytest.raises(QueryError):
        compile_conditions(condition)


def test_timestamps_parse_as_utc() -> None:
    assert parse_timestamp("2026-03-08T21:59:20Z") == parse_timestamp("2026-03-08T21:59:20+00:00")
    assert parse_timestamp("not a date") is None


def test_unparseable_conditions_are_400_never_a_full_list(api: Api) -> None:
    response = api.get("service/tickets", conditions="summary = ")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "InvalidObject" and "Expected" in body["message"] and body["errors"] is None


def test_conditions_filter_lists_and_counts_alike(api: Api) -> None:
    company_id = api.json("service/tickets", pageSize=1)[0]["company"]["id"]
    condition = f"company/id = {company_id} AND closedFlag = False"
    tickets = api.json("service/tickets", conditions=condition, pageSize=1000)
    assert tickets and all(t["company"]["id"] == company_id and not t["closedFlag"] for t in tickets)
    assert api.json("service/tickets/count", conditions=condition)["count"] == len(tickets)


def test_last_updated_at_top_level_means_info_last_updated(api: Api) -> None:
    since = "2026-09-01T00:00:00Z"
    tickets = api.json("service/tickets", conditions=f"lastUpdated > [{since}]", pageSize=1000)
    assert tickets
    assert all(t["_info"]["lastUpdated"] > since for t in tickets)
    same = api.json("service/tickets/count", conditions=f"_info/lastUpdated > [{since}]")["count"]
    assert same == len(tickets)
    everything = api.json("service/tickets/count")["count"]
    assert len(tickets) < everything


def test_order_by_sorts_on_nested_fields_both_ways(api: Api) -> None:
    ascending = api.json("company/companies", orderBy="name asc", pageSize=1000)
    names = [c["name"].casefold() for c in ascending]
    assert names == sorted(names)
    descending = api.json("service/tickets", orderBy="board/name desc, id asc", pageSize=200)
    boards = [t["board"]["name"] for t in descending]
    assert boards == sorted(boards, reverse=True)
    assert (
        api.ids("service/tickets", orderBy="id desc")[:2] == sorted(api.emulator.store.ids("service/tickets"))[-1:-3:-1]
    )


def test_a_bad_order_by_is_400(api: Api) -> None:
    assert api.get("service/tickets", orderBy="summary sideways").status_code == 400


def test_fields_returns_a_partial_response_with_nested_paths(api: Api) -> None:
    tickets = api.json("service/tickets", fields="id,summary,status/id,company/name", pageSize=3)
    for ticket in tickets:
        assert set(ticket) == {"id", "summary", "status", "company"}
        assert set(ticket["status"]) == {"id"}
        assert set(ticket["company"]) == {"name"}
    one = api.json(f"service/tickets/{tickets[0]['id']}", fields="id")
    assert one == {"id": tickets[0]["id"]}


def test_child_conditions_match_within_one_array_element(api: Api) -> None:
    contact = api.json("company/contacts", pageSize=1)[0]
    email = next(i["value"] for i in contact["communicationItems"] if i["communicationType"] == "Email")
    prefix = email.split("@")[0]
    found = api.json(
        "company/contacts",
        childConditions=f'communicationItems/value like "{prefix}%" AND communicationItems/communicationType="Email"',
    )
    assert contact["id"] in [c["id"] for c in found]
    # The e-mail value and the Phone type sit on different items, so the same-element rule excludes the contact.
    mismatch = api.json(
        "company/contacts",
        childConditions=f'communicationItems/value = "{email}" AND communicationItems/communicationType="Phone"',
    )
    assert contact["id"] not in [c["id"] for c in mismatch]


def test_custom_field_conditions_filter_on_caption_and_value(api: Api) -> None:
    with_value = api.json(
        "company/companies", customFieldConditions='caption="Contract No" AND value != null', pageSize=1000
    )
    assert with_value
    for company in with_value:
        field = next(f for f in company["customFields"] if f["caption"] == "Contract No")
        assert field.get("value") is not None
    total = api.json("company/companies/count")["count"]
    assert len(with_value) < total


def test_documents_filter_by_record_type_and_id(api: Api) -> None:
    some = api.json("system/documents", pageSize=1000)
    table = api.emulator.dataset.tables["system/documents"]
    assert table.column is not None
    kind, record_id = table.column(some[0]["id"], "recordtype"), table.column(some[0]["id"], "recordid")
    found = api.json("system/documents", recordType=kind, recordId=record_id)
    assert some[0]["id"] in [d["id"] for d in found]
    assert len(found) < len(some)
