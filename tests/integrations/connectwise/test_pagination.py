"""Listing streams page by page, by Link header or forward-only pageId, and keeps the caller's conditions."""

from __future__ import annotations

import pytest
from responses import matchers

from integrations.connectwise import ConnectionFailed
from integrations.connectwise.client import parse_link_header

from .conftest import API, make_client

COMPANIES = f"{API}/company/companies"
CONDITIONS = 'status/name="Active" AND name contains "&"'


def page_of(*ids: int) -> list[dict]:
    return [{"id": i, "name": f"Company {i}"} for i in ids]


def link(**rels: str) -> dict[str, str]:
    return {"Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in rels.items())}


def sent_params(mocked) -> list[dict[str, str]]:
    return [call.request.params for call in mocked.calls]


def test_it_follows_link_next_across_pages_keeping_the_conditions(mocked):
    next2 = f"{COMPANIES}?pageSize=2&page=2"  # ConnectWise's link does not have to repeat the conditions
    next3 = f"{COMPANIES}?pageSize=2&page=3"
    mocked.get(
        COMPANIES,
        match=[matchers.query_param_matcher({"page": "1"}, strict_match=False)],
        json=page_of(1, 2),
        headers=link(next=next2, last=next3),
    )
    mocked.get(
        COMPANIES,
        match=[matchers.query_param_matcher({"page": "2"}, strict_match=False)],
        json=page_of(3, 4),
        headers=link(next=next3, last=next3),
    )
    mocked.get(
        COMPANIES,
        match=[matchers.query_param_matcher({"page": "3"}, strict_match=False)],
        json=page_of(5),
        headers=link(first=next2),
    )

    pages = list(
        make_client().iter_pages(
            "/company/companies", conditions=CONDITIONS, page_size=2, fields=["id", "name"], order_by="name asc"
        )
    )

    assert [[r["id"] for r in page] for page in pages] == [[1, 2], [3, 4], [5]]
    assert sent_params(mocked) == [
        {"conditions": CONDITIONS, "fields": "id,name", "orderBy": "name asc", "pageSize": "2", "page": str(n)}
        for n in (1, 2, 3)
    ]


def test_it_stops_when_a_full_page_has_no_next_link(mocked):
    mocked.get(COMPANIES, json=page_of(1, 2))
    assert list(make_client().iter_records("/company/companies", page_size=2)) == page_of(1, 2)
    assert len(mocked.calls) == 1


def test_it_stops_on_a_short_page_even_if_a_next_link_is_present(mocked):
    mocked.get(COMPANIES, json=page_of(1), headers=link(next=f"{COMPANIES}?page=2"))
    assert list(make_client().iter_records("/company/companies", page_size=2)) == page_of(1)
    assert len(mocked.calls) == 1


def test_an_empty_result_yields_no_pages(mocked):
    mocked.get(COMPANIES, json=[])
    assert list(make_client().iter_pages("/company/companies")) == []


def test_pages_are_fetched_lazily_one_at_a_time(mocked):
    mocked.get(COMPANIES, json=page_of(1, 2), headers=link(next=f"{COMPANIES}?page=2"))
    pages = make_client().iter_pages("/company/companies", page_size=2)
    assert len(mocked.calls) == 0
    next(pages)
    assert len(mocked.calls) == 1


def test_forward_only_sends_the_header_and_walks_page_ids(mocked):
    # First page: next pageId from the Link header; second page: no Link, so the last id returned.
    mocked.get(
        COMPANIES,
        match=[matchers.query_param_matcher({"pageSize": "2", "conditions": CONDITIONS})],
        json=page_of(3, 8),
        headers=link(next=f"{COMPANIES}?pageSize=2&pageId=8"),
    )
    mocked.get(
        COMPANIES, match=[matchers.query_param_matcher({"pageId": "8"}, strict_match=False)], json=page_of(9, 12)
    )
    mocked.get(COMPANIES, match=[matchers.query_param_matcher({"pageId": "12"}, strict_match=False)], json=page_of(15))

    ids = [
        r["id"]
        for r in make_client().iter_records("/company/companies", conditions=CONDITIONS, page_size=2, forward_only=True)
    ]

    assert ids == [3, 8, 9, 12, 15]
    assert [c.request.headers["pagination-type"] for c in mocked.calls] == ["forward-only"] * 3
    assert [p.get("pageId") for p in sent_params(mocked)] == [None, "8", "12"]
    assert all(p["conditions"] == CONDITIONS and "orderBy" not in p for p in sent_params(mocked))


def test_forward_only_adds_id_to_the_requested_fields(mocked):
    mocked.get(COMPANIES, json=[{"id": 1, "name": "A"}])
    list(make_client().iter_pages("/company/companies", fields=["name"], forward_only=True))
    assert sent_params(mocked)[0]["fields"] == "name,id"


def test_forward_only_without_a_next_page_id_fails_instead_of_looping(mocked):
    mocked.get(COMPANIES, json=[{"name": "no id"}, {"name": "no id either"}])
    with pytest.raises(ConnectionFailed, match="no next page for forward-only"):
        list(make_client().iter_pages("/company/companies", page_size=2, forward_only=True))


def test_it_refuses_page_sizes_over_1000_and_order_by_with_forward_only(mocked):
    client = make_client()
    with pytest.raises(ValueError, match="between 1 and 1000"):
        client.iter_pages("/company/companies", page_size=1001)
    with pytest.raises(ValueError, match="drop order_by"):
        client.iter_pages("/company/companies", forward_only=True, order_by="id desc")
    assert len(mocked.calls) == 0


def test_a_single_object_where_a_list_was_expected_is_reported(mocked):
    mocked.get(COMPANIES, json={"id": 1})
    with pytest.raises(ConnectionFailed, match="single object where a list was expected"):
        list(make_client().iter_pages("/company/companies"))


def test_count_asks_the_count_endpoint_with_the_conditions(mocked):
    mocked.get(f"{COMPANIES}/count", json={"count": 1234})
    assert make_client().count("/company/companies", conditions=CONDITIONS) == 1234
    assert sent_params(mocked) == [{"conditions": CONDITIONS}]


def test_count_without_a_count_in_the_answer_is_reported(mocked):
    mocked.get(f"{COMPANIES}/count", json={"total": 3})
    with pytest.raises(ConnectionFailed, match="without a count"):
        make_client().count("company/companies")


def test_link_header_parsing_tolerates_spacing_order_and_unquoted_rels():
    header = (
        "<https://x/a?page=4&pageSize=50>;rel=last , <https://x/a?page=2&conditions=name%3D%22a,b%22>; "
        'title="Next, page"; rel="next prev-archive",<https://x/a?page=1>; REL="first"'
    )
    links = parse_link_header(header)
    assert links["next"] == "https://x/a?page=2&conditions=name%3D%22a,b%22"
    assert links["last"] == "https://x/a?page=4&pageSize=50"
    assert links["first"] == "https://x/a?page=1"
    assert parse_link_header(None) == {}
    assert parse_link_header("garbage") == {}
