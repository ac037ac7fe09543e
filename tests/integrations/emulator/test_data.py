"""Generated data is deterministic per seed, cross-consistent, and looks like a real MSP's."""

from __future__ import annotations

import json

import pytest

from integrations.emulator import Emulator
from integrations.emulator.dataset import Scale

from .conftest import Api

SAMPLE = [
    ("service/tickets", 1001),
    ("company/companies", 5),
    ("company/configurations", 9),
    ("time/entries", 3),
    ("project/tickets", None),
    ("finance/invoices", 4),
]


def sample(emulator: Emulator) -> str:
    records = []
    for key, record_id in SAMPLE:
        chosen = record_id if record_id is not None else emulator.store.ids(key)[0]
        records.append(emulator.get_record(key, chosen))
    return json.dumps(records, sort_keys=True)


def test_the_same_seed_generates_the_same_data() -> None:
    assert sample(Emulator(seed=3, scale=200)) == sample(Emulator(seed=3, scale=200))


def test_a_different_seed_generates_different_data() -> None:
    assert sample(Emulator(seed=3, scale=200)) != sample(Emulator(seed=4, scale=200))


def test_scales_size_the_data_proportionally() -> None:
    assert Scale.from_name("demo").companies == 8
    small, large = Scale.from_name("small"), Scale.from_name("large")
    assert (small.tickets, small.companies) == (1000, 100)
    assert (large.tickets, large.companies) == (100_000, 10_000)
    assert Scale.from_name(5000).companies == 500
    with pytest.raises(ValueError, match="Unknown scale"):
        Scale.from_name("huge")


def test_demo_companies_are_readable_and_include_unicode_names() -> None:
    names = [
        c["name"] for c in (Emulator(seed=42, scale="demo").get_record("company/companies", i) for i in range(2, 10))
    ]
    assert "Müller Maschinenbau GmbH" in names and "株式会社サクラ商事" in names


def test_ticket_references_point_at_records_that_exist(api: Api) -> None:
    store = api.emulator.store
    boards = {b["id"]: b for b in api.json("service/boards")}
    for ticket in api.json("service/tickets", pageSize=300):
        company_id = ticket["company"]["id"]
        assert store.exists("company/companies", company_id)
        contact = store.get("company/contacts", ticket["contact"]["id"])
        assert contact["company"]["id"] == company_id
        assert ticket["site"]["id"] in store.ids("company/companies/sites", company_id)
        assert ticket["board"]["id"] in boards
        assert ticket["status"]["id"] in store.ids("service/boards/statuses", ticket["board"]["id"])
        if "owner" in ticket:
            assert store.exists("system/members", ticket["owner"]["id"])


def test_project_tickets_sit_in_real_phases_of_their_project(api: Api) -> None:
    store = api.emulator.store
    for ticket in api.json("project/tickets", pageSize=200):
        project_id = ticket["project"]["id"]
        assert ticket["phase"]["id"] in store.ids("project/projects/phases", project_id)
        assert ticket["company"]["id"] == store.get("project/projects", project_id)["company"]["id"]


def test_time_entries_charge_real_tickets_and_add_up_to_actual_hours(api: Api) -> None:
    store = api.emulator.store
    entries = api.json("time/entries", pageSize=1000)
    by_ticket: dict[int, float] = {}
    for entry in entries:
        key = "service/tickets" if entry["chargeToType"] == "ServiceTicket" else "project/tickets"
        ticket = store.get(key, entry["chargeToId"])
        assert entry["company"]["id"] == ticket["company"]["id"]
        assert store.exists("system/members", entry["member"]["id"])
        if key == "service/tickets":
            by_ticket[entry["chargeToId"]] = by_ticket.get(entry["chargeToId"], 0) + entry["actualHours"]
    last_listed = entries[-1]["id"]
    for ticket_id, hours in list(by_ticket.items())[:-1]:  # the last ticket may continue on the next page
        ticket = store.get("service/tickets", ticket_id)
        assert ticket["actualHours"] == pytest.approx(hours), (ticket_id, last_listed)


def test_data_has_the_awkward_parts_of_real_data(api: Api) -> None:
    tickets = api.json("service/tickets", pageSize=1000)
    assert any(t["closedFlag"] for t in tickets) and any(not t["closedFlag"] for t in tickets)
    assert {t["board"]["name"] for t in tickets} >= {"Help Desk", "Network Operations", "Alerts & Monitoring"}
    assert any(len(t.get("initialDescription", "")) > 2000 for t in tickets)
    assert any(t["budgetHours"] is None for t in tickets if "budgetHours" in t)
    notes = [n for t in tickets[:200] for n in api.emulator.store.ids("service/tickets/notes", t["id"])]
    texts = [api.emulator.store.get("service/tickets/notes", n) for n in notes]
    assert any(n["internalAnalysisFlag"] for n in texts) and any(n["externalFlag"] for n in texts)
    assert any("<p>" in n["text"] for n in texts) and any("\n" in n["text"] for n in texts)
    companies = api.json("company/companies", pageSize=1000)
    assert any(not c["name"].isascii() for c in companies)
    assert any(c["status"]["name"] == "Inactive" for c in companies)
    configurations = api.json("company/configurations", pageSize=1000)
    types = {c["type"]["name"] for c in configurations}
    assert {"Server", "Workstation", "Firewall", "Switch"} <= types
    server = next(c for c in configurations if c["type"]["name"] == "Server")
    assert server["serialNumber"] and server["ipAddress"] and server["macAddress"] and server["osType"]
    assert server["warrantyExpirationDate"].endswith("Z")
