"""The test-only mutation API: updates are found incrementally, deletions disappear, additions appear."""

from __future__ import annotations

from datetime import UTC, datetime

from .conftest import Api


def test_an_update_bumps_last_updated_and_is_found_incrementally(fresh_api: Api) -> None:
    emulator = fresh_api.emulator
    emulator.clock.set(datetime(2027, 1, 1, tzinfo=UTC))
    watermark = "2027-01-01T00:00:00Z"
    assert fresh_api.json("service/tickets", conditions=f"lastUpdated > [{watermark}]") == []
    ticket_id = emulator.store.ids("service/tickets")[3]
    emulator.clock.advance(60)
    emulator.update_record("service/tickets", ticket_id, {"summary": "Changed by the customer"})
    changed = fresh_api.json("service/tickets", conditions=f"lastUpdated > [{watermark}]")
    assert [t["id"] for t in changed] == [ticket_id]
    assert changed[0]["summary"] == "Changed by the customer"
    assert changed[0]["_info"]["lastUpdated"] == "2027-01-01T00:01:00Z"
    assert fresh_api.json(f"service/tickets/{ticket_id}")["summary"] == "Changed by the customer"


def test_successive_updates_get_strictly_increasing_timestamps(fresh_api: Api) -> None:
    emulator = fresh_api.emulator
    emulator.clock.set(datetime(2027, 1, 1, tzinfo=UTC))
    first = emulator.update_record("company/companies", 2, {"phoneNumber": "1"})["_info"]["lastUpdated"]
    second = emulator.update_record("company/companies", 3, {"phoneNumber": "2"})["_info"]["lastUpdated"]
    assert second > first
    assert [c["id"] for c in fresh_api.json("company/companies", conditions=f"lastUpdated > [{first}]")] == [3]


def test_a_deleted_record_leaves_lists_and_counts_and_is_404(fresh_api: Api) -> None:
    emulator = fresh_api.emulator
    before = fresh_api.json("service/tickets/count")["count"]
    ticket_id = fresh_api.ids("service/tickets")[5]
    emulator.delete_record("service/tickets", ticket_id)
    assert fresh_api.json("service/tickets/count")["count"] == before - 1
    assert ticket_id not in fresh_api.ids("service/tickets")
    assert fresh_api.get(f"service/tickets/{ticket_id}").status_code == 404


def test_an_added_record_appears_with_the_next_id(fresh_api: Api) -> None:
    emulator = fresh_api.emulator
    last_id = fresh_api.ids("service/tickets")[-1]
    company = fresh_api.json("company/companies", pageSize=1)[0]
    added = emulator.add_record("service/tickets", {"summary": "Brand new", "company": company})
    assert added["id"] == last_id + 1
    assert fresh_api.ids("service/tickets")[-1] == added["id"]
    assert fresh_api.json(f"service/tickets/{added['id']}")["summary"] == "Brand new"
    note = emulator.add_record("service/tickets/notes", {"text": "First note"}, parent_id=added["id"])
    assert [n["id"] for n in fresh_api.json(f"service/tickets/{added['id']}/notes")] == [note["id"]]


def test_the_http_control_api_updates_adds_and_deletes(fresh_api: Api) -> None:
    control = f"{fresh_api.server.base_url}/_emulator"
    session = fresh_api.session
    session.post(f"{control}/clock", json={"now": "2027-02-01T00:00:00Z"}, timeout=10)
    company_id = fresh_api.ids("company/companies")[1]
    response = session.patch(
        f"{control}/records/company/companies/{company_id}", json={"name": "Renamed GmbH"}, timeout=10
    )
    assert response.status_code == 200
    assert response.json()["_info"]["lastUpdated"] >= "2027-02-01T00:00:00Z"
    assert fresh_api.json(f"company/companies/{company_id}")["name"] == "Renamed GmbH"
    created = session.post(
        f"{control}/records/company/companies", json={"identifier": "NewCo", "name": "NewCo"}, timeout=10
    )
    assert created.status_code == 201
    assert session.delete(f"{control}/records/company/companies/{company_id}", timeout=10).status_code == 204
    assert fresh_api.get(f"company/companies/{company_id}").status_code == 404
    assert session.delete(f"{control}/records/company/companies/{company_id}", timeout=10).status_code == 404


def test_the_control_api_needs_the_api_keys(fresh_api: Api) -> None:
    import requests

    response = requests.get(f"{fresh_api.server.base_url}/_emulator/stats", timeout=10)
    assert response.status_code == 401
