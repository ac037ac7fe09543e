"""Navigable (page/pageSize + Link) and forward-only (pageId) pagination."""

from __future__ import annotations

import re

import pytest

from .conftest import Api

LINK = re.compile(r'<([^>]+)>; rel="(\w+)"')


def links(response) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {rel: url for url, rel in LINK.findall(response.headers.get("Link", ""))}


def test_the_default_page_size_is_25(api: Api) -> None:
    assert len(api.json("service/tickets")) == 25


def test_the_first_page_links_next_and_last_only(api: Api) -> None:
    response = api.get("company/companies", pageSize=30)
    rels = links(response)
    assert set(rels) == {"next", "last"}
    total = api.json("company/companies/count")["count"]
    assert rels["next"].endswith("pageSize=30&page=2")
    assert rels["last"].endswith(f"page={-(-total // 30)}")


def test_a_middle_page_links_all_four_and_the_last_page_no_next(api: Api) -> None:
    assert set(links(api.get("company/companies", pageSize=30, page=2))) == {"first", "prev", "next", "last"}
    last = -(-api.json("company/companies/count")["count"] // 30)
    assert set(links(api.get("company/companies", pageSize=30, page=last))) == {"first", "prev"}


def test_following_next_links_visits_every_record_once_and_keeps_conditions(api: Api) -> None:
    url = f"{api.root}/service/tickets"
    params: dict[str, object] | None = {"conditions": "closedFlag = false", "pageSize": 40}
    seen: list[int] = []
    while url:
        response = api.session.get(url, params=params, timeout=10)
        page = response.json()
        assert all(ticket["closedFlag"] is False for ticket in page)
        seen.extend(ticket["id"] for ticket in page)
        url, params = links(response).get("next", ""), None
    assert seen == sorted(set(seen))
    assert len(seen) == api.json("service/tickets/count", conditions="closedFlag = false")["count"]


def test_a_page_beyond_the_end_is_empty(api: Api) -> None:
    assert api.json("company/companies", page=999) == []


def test_page_size_1000_is_the_maximum(api: Api) -> None:
    assert len(api.json("service/tickets", pageSize=1000)) == 1000
    for size in (1001, 0):
        response = api.get("service/tickets", pageSize=size)
        assert response.status_code == 400
        assert response.json()["message"] == "The field pageSize must be between 1 and 1000."


def test_forward_only_walks_by_page_id_in_id_order(api: Api) -> None:
    headers = {"pagination-type": "forward-only"}
    url: str | None = f"{api.root}/company/contacts?pageSize=300"
    seen: list[int] = []
    while url:
        response = api.session.get(url, headers=headers, timeout=10)
        page = response.json()
        next_link = links(response)["next"]  # forward-only always sends a next link
        if not page:
            break
        assert next_link.endswith(f"pageId={page[-1]['id']}")
        seen.extend(contact["id"] for contact in page)
        url = next_link
    assert seen == api.emulator.store.ids("company/contacts")


def test_forward_only_ignores_page_and_honours_page_id(api: Api) -> None:
    headers = {"pagination-type": "forward-only"}
    page = api.get("service/tickets", headers=headers, pageId=1500, page=3, pageSize=5).json()
    assert [t["id"] for t in page] == [1501, 1502, 1503, 1504, 1505]


def test_forward_only_refuses_order_by(api: Api) -> None:
    response = api.get("service/tickets", headers={"pagination-type": "forward-only"}, orderBy="summary asc")
    assert response.status_code == 400


@pytest.mark.parametrize("value", ["abc", "-1"])
def test_a_nonsense_page_number_is_400(api: Api, value: str) -> None:
    assert api.get("service/tickets", page=value).status_code == 400
