"""Fixtures for the documents tests: isolated media storage and a dummy `project` context builder."""

from __future__ import annotations

import pytest

from documents.contexts import VariableInfo, context_builder_replaced

PROJECTS = {
    12: {"id": 12, "name": "Network refresh", "budget": 12500.5, "manager": "Dana", "due": "2025-03-31"},
    13: {"id": 13, "name": "Cloud backup", "budget": 800, "manager": "Lee", "due": None},
}
TICKETS = [
    {"summary": "Replace core switch", "status": "Closed", "hours": 3.25},
    {"summary": "Configure <VLAN> & ACLs", "status": "In progress", "hours": 1.5},
]


def build_dummy_project_context(*, record_ids: list[int], user, options: dict) -> dict:
    project = dict(PROJECTS.get(record_ids[0], {"id": record_ids[0], "name": f"Project {record_ids[0]}"}))
    project.setdefault("budget", 0)
    project.setdefault("manager", "")
    project.setdefault("due", None)
    project["tickets"] = [dict(ticket) for ticket in TICKETS]
    counts: dict[str, int] = {}
    for ticket in TICKETS:
        counts[ticket["status"]] = counts.get(ticket["status"], 0) + 1
    return {
        "project": project,
        "charts": {"tickets_by_status": {"kind": "bar", "title": "Tickets by status", "data": counts}},
    }


PROJECT_VARIABLES = [
    VariableInfo("project.id", "Project id", 12),
    VariableInfo("project.name", "Project name", "Network refresh"),
    VariableInfo("project.budget", "Budget", 12500.5),
    VariableInfo("project.manager", "Project manager", "Dana"),
    VariableInfo("project.due", "Due date", "2025-03-31"),
    VariableInfo("project.tickets[].summary", "Ticket summary", "Replace core switch"),
    VariableInfo("project.tickets[].status", "Ticket status", "Closed"),
    VariableInfo("project.tickets[].hours", "Hours logged", 3.25),
    VariableInfo("charts.tickets_by_status", "Bar chart of tickets by status"),
]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def no_project_builder():
    """As on a portal where nothing can build project data (the real builder is put back afterwards)."""
    with context_builder_replaced("project", None):
        yield


@pytest.fixture
def project_builder():
    with context_builder_replaced("project", build_dummy_project_context, PROJECT_VARIABLES):
        yield build_dummy_project_context


@pytest.fixture
def in_process_rendering(settings):
    settings.DOCUMENTS_RENDER_ISOLATED = False
