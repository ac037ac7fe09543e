"""The record browser: lists with search, filters and pagination in constant queries; detail with the template data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.cache_models import Company, ServiceTicket
from tests.staff.conftest import cached


@pytest.fixture
def reader(staff_client):
    return staff_client("portal.view_records")


def test_the_project_list_searches_by_name_and_company(reader, make_projects):
    make_projects(6)
    url = reverse("integrations:record_list", args=["project"])

    by_name = reader.get(url, {"q": "network"}).content.decode()
    by_company = reader.get(url, {"q": "fabrikam"}).content.decode()

    assert "Network refresh" in by_name and "Project 001" not in by_name
    assert "Project 001" in by_company and "Network refresh" not in by_company  # odd projects are Fabrikam's


def test_the_project_list_filters_by_board_state_and_date(reader, make_projects):
    make_projects(6)
    url = reverse("integrations:record_list", args=["project"])

    closed = reader.get(url, {"state": "closed"}).content.decode()
    board = reader.get(url, {"board": "Professional Services", "state": "open"}).content.decode()

    assert "Network refresh" in closed and "Project 003" in closed and "Project 001" not in closed
    assert "Project 001" in board and "Project 005" in board and "Project 002" not in board
    assert "Professional Services" in board  # offered as a choice


def test_the_list_pages_through_records(reader, make_projects):
    make_projects(30)
    response = reader.get(reverse("integrations:record_list", args=["project"]), {"page": 2, "q": "project"})
    assert response.status_code == 200
    assert "Page 2 of 2" in response.content.decode()
    assert "q=project" in response.content.decode()  # the previous-page link keeps the search


@pytest.mark.parametrize("object_type", ["project", "service_ticket", "company"])
def test_list_queries_do_not_grow_with_the_rows(
    reader, connection, make_projects, django_assert_max_num_queries, object_type
):
    def fill(n: int, start: int) -> None:
        make_projects(n, start=start)
        for index in range(n):
            cached(
                ServiceTicket,
                connection,
                start + index,
                summary=f"Ticket {index}",
                company_psa_id=1,
                board_name="Help Desk",
                status_name="New",
                priority_name="P3",
            )
            cached(Company, connection, start + index, name=f"Company {index}")

    url = reverse("integrations:record_list", args=[object_type])
    fill(5, 1000)
    with django_assert_max_num_queries(12) as few:
        assert reader.get(url).status_code == 200
    fill(45, 5000)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = reader.get(url)
    assert response.status_code == 200
    assert "25" in response.content.decode() or "50" in response.content.decode()


def test_the_detail_page_shows_what_a_template_sees(reader, make_projects, project_builder):
    project = make_projects(1)[0]
    response = reader.get(reverse("integrations:record_detail", args=["project", project.psa_id]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Network refresh" in page
    assert "<dt>phases</dt>" in page and "<th>hours</th>" in page  # nested list of dicts as a table
    assert "Contoso Ltd" in page


def test_the_detail_page_explains_when_no_data_source_exists(reader, make_projects):
    from documents import contexts

    project = make_projects(1)[0]
    with contexts.context_builder_replaced("project", None):
        page = reader.get(reverse("integrations:record_detail", args=["project", project.psa_id])).content.decode()
    assert "cannot be generated yet" in page


def test_a_record_deleted_in_the_psa_is_not_found(reader, make_projects):
    project = make_projects(1)[0]
    project.is_deleted = True
    project.save()
    response = reader.get(reverse("integrations:record_detail", args=["project", project.psa_id]))
    assert response.status_code == 404
    assert "not in the cache" in response.content.decode()


def test_pages_say_when_there_is_no_connection(reader):
    page = reader.get(reverse("integrations:record_list", args=["project"])).content.decode()
    assert "No ConnectWise connection is set up yet" in page


def test_the_variable_reference_lists_sample_values(staff_client, project_builder):
    client = staff_client("portal.generate_documents")
    page = client.get(reverse("documents:variable_reference", args=["project"])).content.decode()
    assert "project.company.name" in page and "Contoso Ltd" in page
    assert "inputs" in page  # common variables come first


def test_filter_options_are_not_recomputed_on_every_page_view(reader, make_projects):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    make_projects(3)
    url = reverse("integrations:record_list", args=["project"])
    with CaptureQueriesContext(db) as first:
        assert reader.get(url).status_code == 200
    with CaptureQueriesContext(db) as again:
        assert reader.get(url).status_code == 200
    assert any("DISTINCT" in q["sql"] for q in first.captured_queries)
    assert not any("DISTINCT" in q["sql"] for q in again.captured_queries)
