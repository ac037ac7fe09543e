"""Endpoint-to-permission mapping and the permission audit of an API member's security role."""

from __future__ import annotations

import pytest

from integrations.connectwise.permissions import (
    PERMISSION_CHECKS,
    PermissionCheck,
    audit_permissions,
    permission_for_endpoint,
)

from .conftest import API, make_client

REQUIRED = {
    "Companies": {
        "Company Maintenance", "Company/Contact Group Maintenance", "Configurations", "Contacts",
        "CRM/Sales Activities", "Manage Attachments", "Notes", "Reports", "Team Members",
    },
    "Finance": {
        "Agreement Invoicing", "Agreement Sales", "Agreements", "Billing View Time", "Invoicing", "Finance Reports",
    },
    "Project": {"Projects"},
    "Sales": {"Closed Opportunity", "Opportunity", "Sales Orders", "Sales Orders Finance"},
    "Service Desk": {
        "Change Approvals", "Close Service Tickets", "Merge Tickets", "Service Desk Reports", "Resource Scheduling",
        "Service Tickets", "Service Tickets – Finance",
    },
    "System": {"Member Maintenance", "My Company"},
    "Time & Expense": {"Time Entry"},
}  # fmt: skip


def test_there_is_exactly_one_check_per_required_permission():
    listed: dict[str, set[str]] = {}
    for check in PERMISSION_CHECKS:
        listed.setdefault(check.module, set()).add(check.permission)
        assert check.impact
        assert check.probe is None or check.probe.startswith("/")
    assert listed == REQUIRED
    assert len(PERMISSION_CHECKS) == sum(len(p) for p in REQUIRED.values())


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/service/tickets", "Service Desk › Service Tickets — Inquire All"),
        ("service/tickets/5/notes", "Service Desk › Service Tickets — Inquire All"),
        ("/service/tickets/5/documents", "Companies › Manage Attachments — Inquire All"),
        ("/company/configurations", "Companies › Configurations — Inquire All"),
        ("/company/companies/count", "Companies › Company Maintenance — Inquire All"),
        ("/company/companies/250/notes", "Companies › Notes — Inquire All"),
        ("/finance/invoices/9/timeentries", "Finance › Billing View Time — Inquire All"),
        ("/project/projects/3/phases", "Project › Projects — Inquire All"),
        ("/time/entries?conditions=x", "Time & Expense › Time Entry — Inquire All"),
        (
            "https://api-na.myconnectwise.net/v2025_1/apis/3.0/sales/orders/1",
            "Sales › Sales Orders — Inquire All",
        ),
    ],
)
def test_permission_for_endpoint_names_the_security_role_permission(path, expected):
    assert permission_for_endpoint(path) == expected


def test_an_unmapped_endpoint_still_gets_a_helpful_description():
    assert "/marketing/groups" in permission_for_endpoint("/marketing/groups")


def test_audit_reports_granted_missing_error_and_not_checkable(mocked):
    mocked.get(f"{API}/company/companies/count", json={"count": 3})
    mocked.get(f"{API}/service/tickets/count", status=403, json={"code": "Forbidden", "message": "no"})
    mocked.get(f"{API}/time/entries/count", status=400, json={"code": "InvalidObject", "message": "odd"})
    mocked.get(f"{API}/system/myCompany/other", json=[{"id": 1}])
    checks = [
        PermissionCheck("Companies", "Company Maintenance", "/company/companies/count", "x"),
        PermissionCheck("Service Desk", "Service Tickets", "/service/tickets/count", "x"),
        PermissionCheck("Time & Expense", "Time Entry", "/time/entries/count", "x"),
        PermissionCheck("System", "My Company", "/system/myCompany/other", "x"),
        PermissionCheck("Sales", "Closed Opportunity", None, "x"),
        PermissionCheck("Service Desk", "Service Tickets (again)", "/service/tickets/count", "x"),
    ]

    results = audit_permissions(make_client(), checks)

    assert [r.status for r in results] == ["granted", "missing", "error", "granted", "not_checkable", "missing"]
    assert "Service Desk › Service Tickets" in results[1].message
    assert "odd" in results[2].message
    # Identical probes share one request; list probes ask for a single record.
    assert len(mocked.calls) == 4
    assert mocked.calls[3].request.params == {"pageSize": "1"}


def test_audit_stops_probing_once_the_keys_are_rejected(mocked):
    mocked.get(f"{API}/company/companies/count", status=401, json={"code": "Unauthorized", "message": "no"})
    results = audit_permissions(make_client())
    checkable = [r for r in results if r.check.probe]
    assert {r.status for r in checkable} == {"error"}
    assert all("rejected the API keys" in r.message for r in checkable)
    assert len(mocked.calls) == 1
