"""Context builder for project documents (Statement of Work, Implementation Guide): project, phases, tickets, hours."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Count, Max

from documents.builders.common import (
    COMPANY_FIELDS,
    CONFIGURATION_FIELDS,
    CONTACT_FIELDS,
    MEMBER_FIELDS,
    Payload,
    builder_connection,
    by_psa_id,
    company_shape,
    configuration_shape,
    contact_shape,
    count_by,
    custom_fields,
    documented,
    live,
    member_shape,
    members_by_identifier,
    my_company_context,
    number,
    opt_number,
    ref_name,
    selected_records,
    several,
    text,
)
from documents.builders.tickets import TIME_ENTRY_FIELDS, hours_total, time_entry_shape
from documents.contexts import VariableInfo
from integrations.models import (
    Company,
    Configuration,
    Connection,
    Contact,
    Project,
    ProjectPhase,
    ProjectTeamMember,
    ProjectTicket,
    ProjectTicketTask,
    ServiceTicket,
    TimeEntry,
)

RECURRING_TICKETS_LIMIT = 10


def _wbs_key(code: str) -> tuple:
    """WBS codes sort as numbers: 1.2 before 1.10."""
    return tuple(int(part) if part.isdigit() else 0 for part in re.split(r"\D+", code or "") if part != "") or (0,)


def _project_shape(row: Project) -> Payload:
    data = row.data
    return {
        "id": data.get("id", row.psa_id),
        "name": text(data.get("name")),
        "description": text(data.get("description")),
        "status": ref_name(data, "status"),
        "type": ref_name(data, "type"),
        "board": ref_name(data, "board"),
        "closed": bool(row.closed),
        "billing_method": text(data.get("billingMethod")),
        "billing_amount": opt_number(data.get("billingAmount")),
        "estimated_time_revenue": opt_number(data.get("estimatedTimeRevenue")),
        "budget_hours": number(data.get("budgetHours") or data.get("estimatedHours")),
        "estimated_hours": number(data.get("estimatedHours")),
        "actual_hours": number(data.get("actualHours")),
        "percent_complete": round(number(data.get("percentComplete")) / 100, 4),
        "estimated_start": text(data.get("estimatedStart")),
        "estimated_end": text(data.get("estimatedEnd")),
        "actual_start": text(data.get("actualStart")),
        "actual_end": text(data.get("actualEnd")),
        "customer_po": text(data.get("customerPO")),
        "billing_terms": ref_name(data, "billingTerms"),
        "custom": custom_fields(data),
    }


def _phase_shape(row: ProjectPhase) -> Payload:
    data = row.data
    return {
        "id": data.get("id", row.psa_id),
        "name": text(data.get("description")),
        "wbs_code": text(data.get("wbsCode")),
        "status": ref_name(data, "status"),
        "scheduled_start": text(data.get("scheduledStart")),
        "scheduled_end": text(data.get("scheduledEnd")),
        "deadline": text(data.get("deadlineDate")),
        "milestone": bool(data.get("markAsMilestoneFlag")),
        "budget_hours": number(data.get("budgetHours")),
        "actual_hours": number(data.get("actualHours")),
        "tickets": [],
    }


def _project_ticket_shape(row: ProjectTicket, tasks: list[Payload]) -> Payload:
    data = row.data
    return {
        "id": data.get("id", row.psa_id),
        "summary": text(data.get("summary")),
        "wbs_code": text(data.get("wbsCode")),
        "phase": ref_name(data, "phase"),
        "status": ref_name(data, "status"),
        "owner": ref_name(data, "owner"),
        "budget_hours": number(data.get("budgetHours")),
        "actual_hours": number(data.get("actualHours")),
        "required_date": text(data.get("requiredDate")),
        "closed": bool(row.closed),
        "closed_date": text(data.get("closedDate")),
        "tasks": tasks,
    }


def _task_shape(row: ProjectTicketTask) -> Payload:
    data = row.data
    return {"summary": text(data.get("summary")), "notes": text(data.get("notes")), "closed": bool(row.closed)}


def _team_shape(row: ProjectTeamMember, members: dict) -> Payload:
    data = row.data
    member = member_shape(members.get(row.member_identifier), data.get("member"))
    return {
        **member,
        "role": ref_name(data, "projectRole", "identifier") or ref_name(data, "projectRole") or row.role_name,
        "work_role": ref_name(data, "workRole"),
        "hours": number(data.get("hours")),
        "start_date": text(data.get("startDate")),
        "end_date": text(data.get("endDate")),
    }


def _recurring_tickets(connection: Connection, company_psa_id: int | None) -> list[Payload]:
    """The client's service tickets that keep coming back (same summary twice or more), most frequent first."""
    if company_psa_id is None:
        return []
    rows = (
        live(ServiceTicket, connection)
        .filter(company_psa_id=company_psa_id)
        .values("summary", "board_name")
        .annotate(count=Count("id"), last_entered=Max("date_entered"))
        .filter(count__gte=2)
        .order_by("-count", "summary")[:RECURRING_TICKETS_LIMIT]
    )
    return [
        {
            "summary": row["summary"],
            "board": row["board_name"],
            "count": row["count"],
            "last_entered": row["last_entered"].isoformat() if row["last_entered"] else "",
        }
        for row in rows
    ]


def _one_project(connection: Connection, project: Project, *, include_internal: bool) -> Payload:
    data = project.data
    company = by_psa_id(Company, connection, [project.company_psa_id]).get(project.company_psa_id)
    contact_id = (data.get("contact") or {}).get("id") if isinstance(data.get("contact"), dict) else None
    contact = by_psa_id(Contact, connection, [contact_id]).get(contact_id)

    phases = sorted(
        (_phase_shape(row) for row in live(ProjectPhase, connection).filter(project_psa_id=project.psa_id)),
        key=lambda phase: (_wbs_key(phase["wbs_code"]), phase["id"] or 0),
    )
    ticket_rows = list(live(ProjectTicket, connection).filter(project_psa_id=project.psa_id))
    tasks: dict[int, list[Payload]] = {}
    ticket_ids = live(ProjectTicket, connection).filter(project_psa_id=project.psa_id).values("psa_id")
    for row in live(ProjectTicketTask, connection).filter(ticket_psa_id__in=ticket_ids).order_by("psa_id"):
        tasks.setdefault(row.ticket_psa_id, []).append(_task_shape(row))
    tickets = sorted(
        (_project_ticket_shape(row, tasks.get(row.psa_id, [])) for row in ticket_rows),
        key=lambda ticket: (_wbs_key(ticket["wbs_code"]), ticket["id"] or 0),
    )
    phase_of = {row.psa_id: row.phase_psa_id for row in ticket_rows}
    phases_by_id = {phase["id"]: phase for phase in phases}
    unphased = []
    for ticket in tickets:
        phase = phases_by_id.get(phase_of.get(ticket["id"]))
        (phase["tickets"] if phase is not None else unphased).append(ticket)
    if unphased:
        phases.append({**_phase_shape(ProjectPhase(data={"description": "Other tasks"})), "tickets": unphased})

    entries = [
        time_entry_shape(row, include_internal=include_internal)
        for row in live(TimeEntry, connection).filter(project_psa_id=project.psa_id).order_by("time_start", "psa_id")
    ]
    team_rows = list(live(ProjectTeamMember, connection).filter(project_psa_id=project.psa_id).order_by("psa_id"))
    manager_ref = data.get("manager") if isinstance(data.get("manager"), dict) else {}
    members = members_by_identifier(
        connection, [project.manager_identifier, *(row.member_identifier for row in team_rows)]
    )
    configurations = (
        [
            configuration_shape(row)
            for row in live(Configuration, connection)
            .filter(company_psa_id=project.company_psa_id, active=True)
            .order_by("type_name", "name")
        ]
        if project.company_psa_id is not None
        else []
    )

    shape = _project_shape(project)
    closed = sum(1 for ticket in tickets if ticket["closed"])
    logged = hours_total(entries)
    actual = shape["actual_hours"] or logged
    budget = shape["budget_hours"]
    totals = {
        "budget_hours": budget,
        "actual_hours": actual,
        "remaining_hours": round(max(budget - actual, 0.0), 2),
        "budget_used": round(actual / budget, 4) if budget else None,
        "percent_complete": shape["percent_complete"],
        "ticket_count": len(tickets),
        "open_tickets": len(tickets) - closed,
        "closed_tickets": closed,
        "phase_count": len(phases),
        "logged_hours": logged,
        "billable_hours": hours_total(entry for entry in entries if entry["billable"] == "Billable"),
        "task_count": sum(len(ticket["tasks"]) for ticket in tickets),
    }
    by_status = count_by(ticket["status"] for ticket in tickets)
    return {
        "project": shape,
        "company": company_shape(company),
        "contact": contact_shape(contact),
        "manager": member_shape(members.get(project.manager_identifier), manager_ref),
        "phases": phases,
        "tickets": tickets,
        "time_entries": entries,
        "team": [_team_shape(row, members) for row in team_rows],
        "configurations": configurations,
        "recurring_tickets": _recurring_tickets(connection, project.company_psa_id),
        "totals": totals,
        "charts": {
            "tickets_by_status": {"kind": "bar", "title": "Project tickets by status", "data": by_status},
            "hours_by_phase": {
                "kind": "barh",
                "title": "Hours worked by phase",
                "data": [[phase["name"], phase["actual_hours"]] for phase in phases if phase["id"] is not None],
            },
        },
    }


def build_project_context(*, record_ids: list[int], user: Any, options: dict[str, Any]) -> Payload:
    """Project documents: `record_ids` are ConnectWise project numbers of the connection in use."""
    connection = builder_connection(options)
    include_internal = bool(options.get("include_internal_notes"))
    projects = selected_records(model=Project, connection=connection, record_ids=record_ids, label="Project")
    contexts = [_one_project(connection, project, include_internal=include_internal) for project in projects]
    context = contexts[0] if len(contexts) == 1 else several(contexts, _aggregates(contexts))
    return {**context, "my_company": my_company_context(connection)}


def _aggregates(contexts: list[Payload]) -> Payload:
    return {
        "budget_hours": round(sum(c["totals"]["budget_hours"] for c in contexts), 2),
        "actual_hours": round(sum(c["totals"]["actual_hours"] for c in contexts), 2),
        "ticket_count": sum(c["totals"]["ticket_count"] for c in contexts),
        "open_tickets": sum(c["totals"]["open_tickets"] for c in contexts),
    }


PROJECT_FIELDS = [
    ("id", "Project number", 10),
    ("name", "Project name", "Server Refresh 2026"),
    ("description", "Description from ConnectWise", "Server Refresh 2026 for Prairie Consulting Inc."),
    ("status", "Status", "In Progress"),
    ("type", "Project type", "Implementation"),
    ("board", "Project board", "Projects"),
    ("closed", "Closed", False),
    ("billing_method", "Billing method", "FixedFee"),
    ("billing_amount", "Fixed fee or not-to-exceed amount (use |money)", 7500.0),
    ("estimated_time_revenue", "Estimated time revenue (use |money)", 6000.0),
    ("budget_hours", "Budget hours", 40.0),
    ("estimated_hours", "Estimated hours", 40.0),
    ("actual_hours", "Actual hours", 2.75),
    ("percent_complete", "Completion as a fraction (use |percent)", 0.0688),
    ("estimated_start", "Estimated start (use |date)", "2026-08-22T11:53:47Z"),
    ("estimated_end", "Estimated end (use |date)", "2026-11-29T11:53:47Z"),
    ("actual_start", "Actual start (use |date)", "2026-08-22T11:53:47Z"),
    ("actual_end", "Actual end (use |date)", ""),
    ("customer_po", "Customer PO", "PO-32126"),
    ("billing_terms", "Billing terms", "Net 30 days"),
    ("custom.<caption>", "A custom field by its caption in snake_case, e.g. custom.go_live_date", None),
]
PHASE_FIELDS = [
    ("id", "Phase id", 1),
    ("name", "Phase name", "Planning"),
    ("wbs_code", "WBS code", "1"),
    ("status", "Status", "Open"),
    ("scheduled_start", "Scheduled start (use |date)", "2024-11-19T04:14:49Z"),
    ("scheduled_end", "Scheduled end (use |date)", "2024-12-03T04:14:49Z"),
    ("deadline", "Deadline (use |date)", "2024-12-03T04:14:49Z"),
    ("milestone", "Marked as a milestone", True),
    ("budget_hours", "Budget hours", 6.0),
    ("actual_hours", "Actual hours", 1.5),
]
PROJECT_TICKET_FIELDS = [
    ("id", "Ticket number", 3001),
    ("summary", "Summary", "Kick-off meeting"),
    ("wbs_code", "WBS code", "1.1"),
    ("phase", "Phase name", "Planning"),
    ("status", "Status", "Completed"),
    ("owner", "Owner", "James Haddad"),
    ("budget_hours", "Budget hours", 6.0),
    ("actual_hours", "Actual hours", 1.5),
    ("required_date", "Required by (use |date)", ""),
    ("closed", "Closed", True),
    ("closed_date", "Closed on (use |date)", "2024-12-03T13:03:10Z"),
    ("tasks[].summary", "Task (checklist item)", "Confirm downtime window"),
    ("tasks[].notes", "Task notes", "See runbook in IT Glue."),
    ("tasks[].closed", "Task done", False),
]
TEAM_FIELDS = [
    *MEMBER_FIELDS,
    ("role", "Project role", "Lead"),
    ("work_role", "Work role", "Engineer"),
    ("hours", "Planned hours", 16.0),
    ("start_date", "On the project from (use |date)", "2024-11-16T04:14:49Z"),
    ("end_date", "On the project until (use |date)", "2025-03-16T04:14:49Z"),
]
TOTAL_FIELDS = [
    ("budget_hours", "Budget hours", 40.0),
    ("actual_hours", "Actual hours", 2.75),
    ("remaining_hours", "Budget hours left", 37.25),
    ("budget_used", "Actual / budget hours (use |percent)", 0.0688),
    ("percent_complete", "Completion (use |percent)", 0.0688),
    ("ticket_count", "Project tickets", 8),
    ("open_tickets", "Open project tickets", 6),
    ("closed_tickets", "Closed project tickets", 2),
    ("phase_count", "Phases", 4),
    ("logged_hours", "Hours in time entries", 2.75),
    ("billable_hours", "Billable hours in time entries", 2.75),
    ("task_count", "Tasks on the project tickets", 12),
]

PROJECT_VARIABLES = [
    *documented("project", PROJECT_FIELDS),
    *documented("company", COMPANY_FIELDS),
    *documented("contact", CONTACT_FIELDS),
    *documented("manager", MEMBER_FIELDS),
    *documented("phases[]", PHASE_FIELDS),
    *documented("phases[].tickets[]", PROJECT_TICKET_FIELDS),
    *documented("tickets[]", PROJECT_TICKET_FIELDS),
    *documented("time_entries[]", TIME_ENTRY_FIELDS),
    *documented("team[]", TEAM_FIELDS),
    *documented("configurations[]", CONFIGURATION_FIELDS),
    *documented(
        "recurring_tickets[]",
        [
            ("summary", "A service ticket summary that recurs at this client", "Printer offline"),
            ("board", "Service board", "Help Desk"),
            ("count", "How many tickets had it", 4),
            ("last_entered", "Latest one entered (use |date)", "2026-09-30T20:20:20+00:00"),
        ],
    ),
    *documented("totals", TOTAL_FIELDS),
    VariableInfo("charts.tickets_by_status", "Bar chart of the project's tickets by status"),
    VariableInfo("charts.hours_by_phase", "Bar chart of hours worked per phase"),
]
