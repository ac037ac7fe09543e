"""Maps API endpoints to the ConnectWise security-role permissions they need, and audits an API member's role."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .errors import ConnectionFailed, ConnectWiseError, InvalidCredentials, PermissionDenied, UndecryptableCredentials

if TYPE_CHECKING:
    from .client import ConnectWiseClient

logger = logging.getLogger(__name__)

INQUIRE_ALL = "Inquire All"


def permission_label(module: str, permission: str, level: str = INQUIRE_ALL) -> str:
    """How ConnectWise's Security Roles screen names a permission: "Module › Permission — Level"."""
    return f"{module} › {permission} — {level}"


# Endpoint patterns ("*" = one path segment, prefix match) -> (module, permission). The most specific pattern wins,
# so child endpoints such as notes and documents get their own permission.
_ENDPOINT_PERMISSIONS: tuple[tuple[str, str, str], ...] = (
    ("company/companies", "Companies", "Company Maintenance"),
    ("company/companies/*/groups", "Companies", "Company/Contact Group Maintenance"),
    ("company/contacts/*/groups", "Companies", "Company/Contact Group Maintenance"),
    ("company/companies/*/notes", "Companies", "Notes"),
    ("company/contacts/*/notes", "Companies", "Notes"),
    ("company/companies/*/teams", "Companies", "Team Members"),
    ("company/companies/*/documents", "Companies", "Manage Attachments"),
    ("company/configurations", "Companies", "Configurations"),
    ("company/contacts", "Companies", "Contacts"),
    ("sales/activities", "Companies", "CRM/Sales Activities"),
    ("system/documents", "Companies", "Manage Attachments"),
    ("service/tickets/*/documents", "Companies", "Manage Attachments"),
    ("project/tickets/*/documents", "Companies", "Manage Attachments"),
    ("finance/agreements", "Finance", "Agreements"),
    ("finance/agreementrecap", "Finance", "Agreements"),
    ("finance/invoices", "Finance", "Invoicing"),
    ("finance/invoices/*/timeentries", "Finance", "Billing View Time"),
    ("project", "Project", "Projects"),
    ("sales/opportunities", "Sales", "Opportunity"),
    ("sales/orders", "Sales", "Sales Orders"),
    ("sales/orders/*/financialrecap", "Sales", "Sales Orders Finance"),
    ("schedule", "Service Desk", "Resource Scheduling"),
    ("service/tickets/*/scheduleentries", "Service Desk", "Resource Scheduling"),
    ("project/tickets/*/scheduleentries", "Service Desk", "Resource Scheduling"),
    ("service/tickets", "Service Desk", "Service Tickets"),
    ("service", "Service Desk", "Service Tickets"),
    ("system/members", "System", "Member Maintenance"),
    ("system/myCompany", "System", "My Company"),
    ("time/entries", "Time & Expense", "Time Entry"),
    ("time", "Time & Expense", "Time Entry"),
    ("expense", "Time & Expense", "Expense Entry"),
    ("procurement", "Procurement", "Product Catalog"),
    ("system/userDefinedFields", "System", "Table Setup"),
)


def _segments(path: str) -> list[str]:
    path = path.split("?", 1)[0]
    if "/apis/3.0/" in path:  # a full URL or an _info href
        path = path.split("/apis/3.0/", 1)[1]
    return [s for s in path.strip("/").split("/") if s]


def _matches(pattern: list[str], segments: list[str]) -> bool:
    if len(segments) < len(pattern):
        return False
    return all(p == "*" or p.lower() == s.lower() for p, s in zip(pattern, segments, strict=False))


def permission_for_endpoint(path: str) -> str:
    """The permission an endpoint needs, e.g. "/service/tickets" -> "Service Desk › Service Tickets — Inquire All"."""
    segments = _segments(path)
    best: tuple[int, str, str] | None = None
    for pattern, module, permission in _ENDPOINT_PERMISSIONS:
        parts = pattern.split("/")
        if _matches(parts, segments) and (best is None or len(parts) > best[0]):
            best = (len(parts), module, permission)
    if best is None:
        top = segments[0].capitalize() if segments else "the matching module"
        return f"the Inquire permission in {top} for /{'/'.join(segments)}"
    return permission_label(best[1], best[2])


@dataclass(frozen=True)
class PermissionCheck:
    """One security-role permission: how to probe it with a cheap GET, and what documents lose without it."""

    module: str
    permission: str
    probe: str | None  # a "/count" path or a list path fetched with pageSize=1; None when a GET cannot tell
    impact: str
    level: str = INQUIRE_ALL

    @property
    def label(self) -> str:
        return permission_label(self.module, self.permission, self.level)


Status = Literal["granted", "missing", "not_checkable", "error"]


@dataclass(frozen=True)
class PermissionCheckResult:
    check: PermissionCheck
    status: Status
    message: str = ""

    @property
    def label(self) -> str:
        return self.check.label


PERMISSION_CHECKS: tuple[PermissionCheck, ...] = (
    # Companies
    PermissionCheck(
        "Companies",
        "Company Maintenance",
        "/company/companies/count",
        "Every document loses the customer's name, address and status; company profiles cannot be built.",
    ),
    PermissionCheck(
        "Companies",
        "Company/Contact Group Maintenance",
        None,
        "Company profiles and contact lists lose group memberships (marketing/contact groups).",
    ),
    PermissionCheck(
        "Companies",
        "Configurations",
        "/company/configurations/count",
        "Configuration and asset reports are empty; tickets lose their linked configurations.",
    ),
    PermissionCheck(
        "Companies",
        "Contacts",
        "/company/contacts/count",
        "Documents lose contact names, e-mail addresses and phone numbers.",
    ),
    PermissionCheck(
        "Companies",
        "CRM/Sales Activities",
        "/sales/activities/count",
        "Company profiles and opportunity documents lose their activity history.",
    ),
    PermissionCheck(
        "Companies",
        "Manage Attachments",
        "/system/documents/count",
        "Documents cannot list or embed attachments (logos, ticket and project files).",
    ),
    PermissionCheck(
        "Companies",
        "Notes",
        None,  # company notes live under a company id; no company-independent probe exists
        "Company profiles lose company and contact notes.",
    ),
    PermissionCheck("Companies", "Reports", None, "Company report data (ConnectWise's own company reports) is absent."),
    PermissionCheck(
        "Companies",
        "Team Members",
        None,  # only reachable under a company id
        "Company profiles lose the account team (account manager, technicians).",
    ),
    # Finance
    PermissionCheck(
        "Finance",
        "Agreement Invoicing",
        None,
        "Agreement documents lose invoicing details (billing amounts already invoiced).",
    ),
    PermissionCheck(
        "Finance",
        "Agreement Sales",
        None,
        "Agreement documents lose sales figures for additions (prices, revenue).",
    ),
    PermissionCheck(
        "Finance",
        "Agreements",
        "/finance/agreements/count",
        "Agreement summaries are empty; tickets and invoices lose their agreement.",
    ),
    PermissionCheck(
        "Finance",
        "Billing View Time",
        None,
        "Invoice documents lose the time entries billed on them.",
    ),
    PermissionCheck(
        "Finance",
        "Invoicing",
        "/finance/invoices/count",
        "Invoice and account-statement documents are empty.",
    ),
    PermissionCheck("Finance", "Finance Reports", None, "Finance report data (ConnectWise's own reports) is absent."),
    # Project
    PermissionCheck(
        "Project",
        "Projects",
        "/project/projects/count",
        "Project status reports are empty; project tickets, phases and team members are missing.",
    ),
    # Sales
    PermissionCheck(
        "Sales",
        "Closed Opportunity",
        None,
        "Won and lost opportunities are missing from sales documents (only open ones appear).",
    ),
    PermissionCheck(
        "Sales",
        "Opportunity",
        "/sales/opportunities/count",
        "Quotes and opportunity summaries are empty.",
    ),
    PermissionCheck("Sales", "Sales Orders", "/sales/orders/count", "Sales order documents are empty."),
    PermissionCheck(
        "Sales",
        "Sales Orders Finance",
        None,
        "Sales order documents lose totals, tax and financial recap.",
    ),
    # Service Desk
    PermissionCheck("Service Desk", "Change Approvals", None, "Change documents lose their approval status."),
    PermissionCheck(
        "Service Desk",
        "Close Service Tickets",
        None,
        "Not needed to read; listed because ticket reports show who may close tickets.",
    ),
    PermissionCheck("Service Desk", "Merge Tickets", None, "Not needed to read; merged tickets still appear once."),
    PermissionCheck(
        "Service Desk",
        "Service Desk Reports",
        None,
        "Service report data (ConnectWise's own reports) is absent.",
    ),
    PermissionCheck(
        "Service Desk",
        "Resource Scheduling",
        "/schedule/entries/count",
        "Ticket and project documents lose scheduled dates and assigned resources.",
    ),
    PermissionCheck(
        "Service Desk",
        "Service Tickets",
        "/service/tickets/count",
        "Ticket reports and service summaries are empty; boards, statuses and notes are missing.",
    ),
    PermissionCheck(
        "Service Desk",
        "Service Tickets – Finance",
        None,
        "Ticket documents lose billing details (agreement coverage, billable amounts).",
    ),
    # System
    PermissionCheck(
        "System",
        "Member Maintenance",
        "/system/members/count",
        "Documents show member ids instead of names, titles and e-mail addresses of technicians.",
    ),
    PermissionCheck(
        "System",
        "My Company",
        "/system/myCompany/other",
        "Documents lose your own company's details (site URL, time zone, logo).",
    ),
    # Time & Expense
    PermissionCheck(
        "Time & Expense",
        "Time Entry",
        "/time/entries/count",
        "Time reports are empty; tickets and projects lose actual hours and time notes.",
    ),
)

# A failure that says nothing about one permission: once seen, probing further only repeats it.
_GLOBAL_FAILURES = (InvalidCredentials, UndecryptableCredentials, ConnectionFailed)


def _run_probe(client: ConnectWiseClient, probe: str) -> None:
    if probe.rstrip("/").endswith("/count"):
        client.get(probe)
    else:
        client.get(probe, params={"pageSize": 1})


def audit_permissions(
    client: ConnectWiseClient, checks: Iterable[PermissionCheck] = PERMISSION_CHECKS
) -> list[PermissionCheckResult]:
    """Probe each checkable permission once (identical probes share one request) and report its status."""
    checks = list(checks)
    outcomes: dict[str, tuple[Status, str]] = {}
    global_failure: ConnectWiseError | None = None
    for check in checks:
        if check.probe is None or check.probe in outcomes:
            continue
        if global_failure is not None:
            outcomes[check.probe] = ("error", str(global_failure))
            continue
        try:
            _run_probe(client, check.probe)
        except PermissionDenied as exc:
            outcomes[check.probe] = ("missing", str(exc))
        except _GLOBAL_FAILURES as exc:
            global_failure = exc
            outcomes[check.probe] = ("error", str(exc))
        except ConnectWiseError as exc:
            outcomes[check.probe] = ("error", str(exc))
        else:
            outcomes[check.probe] = ("granted", "")
        logger.debug("Permission probe %s: %s", check.probe, outcomes[check.probe][0])

    results = []
    for check in checks:
        if check.probe is None:
            results.append(PermissionCheckResult(check, "not_checkable", "ConnectWise offers no read-only probe."))
        else:
            status, message = outcomes[check.probe]
            results.append(PermissionCheckResult(check, status, message))
    return results
