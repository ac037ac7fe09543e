"""Context builder for company documents (client report / QBR, executive brief, technical documentation)."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from documents.builders.agreement import ADDITION_FIELDS, AGREEMENT_FIELDS, agreements_with_additions
from documents.builders.common import (
    COMPANY_FIELDS,
    CONFIGURATION_FIELDS,
    CONTACT_FIELDS,
    SITE_FIELDS,
    Payload,
    builder_connection,
    company_shape,
    configuration_shape,
    contact_shape,
    count_by,
    documented,
    live,
    my_company_context,
    number,
    ref_name,
    selected_records,
    several,
    site_shape,
    text,
)
from documents.builders.tickets import SLA_FIELDS, TICKET_FIELDS, sla_figures, ticket_shape
from documents.contexts import VariableInfo
from integrations.models import (
    Company,
    CompanySite,
    Configuration,
    Connection,
    Contact,
    Invoice,
    Opportunity,
    ServiceTicket,
    TimeEntry,
)

RECENT_TICKETS = 25
RECENT_INVOICES = 12
HOURS_MONTHS = 12


def _invoice_shape(row: Invoice) -> Payload:
    data = row.data
    return {
        "number": text(data.get("invoiceNumber")),
        "type": text(data.get("type")),
        "status": ref_name(data, "status"),
        "date": text(data.get("date")),
        "due_date": text(data.get("dueDate")),
        "total": number(data.get("total")),
        "balance": number(data.get("balance")),
        "agreement": ref_name(data, "agreement"),
    }


def opportunity_summary(row: Opportunity) -> Payload:
    data = row.data
    return {
        "id": data.get("id", row.psa_id),
        "name": text(data.get("name")),
        "stage": ref_name(data, "stage"),
        "status": ref_name(data, "status"),
        "expected_close_date": text(data.get("expectedCloseDate")),
        "sales_rep": ref_name(data, "primarySalesRep"),
        "probability": ref_name(data, "probability"),
    }


def _hours_by_month(connection: Connection, company: Company) -> dict[str, float]:
    rows = (
        live(TimeEntry, connection)
        .filter(company_psa_id=company.psa_id, time_start__isnull=False)
        .annotate(month=TruncMonth("time_start"))
        .values("month")
        .annotate(hours=Sum("actual_hours"))
        .order_by("-month")[:HOURS_MONTHS]
    )
    return {row["month"].strftime("%Y-%m"): round(number(row["hours"]), 2) for row in reversed(list(rows))}


def _one_company(connection: Connection, company: Company, *, include_internal: bool) -> Payload:
    ticket_rows = list(
        live(ServiceTicket, connection).filter(company_psa_id=company.psa_id).order_by("-date_entered", "-psa_id")
    )
    tickets = [ticket_shape(row) for row in ticket_rows]
    open_tickets = [ticket for ticket in tickets if not ticket["closed"]]
    by_status = count_by(ticket["status"] for ticket in tickets)
    by_priority = count_by(ticket["priority"] for ticket in tickets)
    hours_by_month = _hours_by_month(connection, company)
    statistics = {
        "ticket_count": len(tickets),
        "open_ticket_count": len(open_tickets),
        "closed_ticket_count": len(tickets) - len(open_tickets),
        "tickets_by_status": [{"name": name, "count": count} for name, count in by_status.items()],
        "tickets_by_priority": [{"name": name, "count": count} for name, count in by_priority.items()],
        "hours_by_month": [{"month": month, "hours": hours} for month, hours in hours_by_month.items()],
        "total_hours": round(sum(hours_by_month.values()), 2),
        "sla": sla_figures(tickets),
    }
    invoices = [
        _invoice_shape(row)
        for row in live(Invoice, connection)
        .filter(company_psa_id=company.psa_id)
        .order_by("-date", "-psa_id")[:RECENT_INVOICES]
    ]
    return {
        "company": company_shape(company),
        "sites": [
            site_shape(row)
            for row in live(CompanySite, connection)
            .filter(company_psa_id=company.psa_id, inactive=False)
            .order_by("-primary_address", "name")
        ],
        "contacts": [
            contact_shape(row)
            for row in live(Contact, connection)
            .filter(company_psa_id=company.psa_id, inactive=False)
            .order_by("last_name", "first_name")
        ],
        "configurations": [
            configuration_shape(row)
            for row in live(Configuration, connection)
            .filter(company_psa_id=company.psa_id, active=True)
            .order_by("type_name", "name")
        ],
        "open_tickets": open_tickets,
        "recent_tickets": tickets[:RECENT_TICKETS],
        "tickets": tickets,
        "agreements": agreements_with_additions(connection, company_psa_id=company.psa_id),
        "opportunities": [
            opportunity_summary(row)
            for row in live(Opportunity, connection)
            .filter(company_psa_id=company.psa_id, closed=False)
            .order_by("expected_close_date")
        ],
        "invoices": invoices,
        "statistics": statistics,
        "charts": {
            "tickets_by_status": {"kind": "bar", "title": "Tickets by status", "data": by_status},
            "tickets_by_priority": {"kind": "pie", "title": "Tickets by priority", "data": by_priority},
            "hours_by_month": {"kind": "bar", "title": "Hours worked by month", "data": hours_by_month},
        },
    }


def build_company_context(*, record_ids: list[int], user: Any, options: dict[str, Any]) -> Payload:
    """Company documents: `record_ids` are ConnectWise company ids of the connection in use."""
    connection = builder_connection(options)
    include_internal = bool(options.get("include_internal_notes"))
    companies = selected_records(model=Company, connection=connection, record_ids=record_ids, label="Company")
    contexts = [_one_company(connection, company, include_internal=include_internal) for company in companies]
    if len(contexts) == 1:
        context = contexts[0]
    else:
        context = several(
            contexts,
            {
                "ticket_count": sum(c["statistics"]["ticket_count"] for c in contexts),
                "open_ticket_count": sum(c["statistics"]["open_ticket_count"] for c in contexts),
                "total_hours": round(sum(c["statistics"]["total_hours"] for c in contexts), 2),
            },
        )
    return {**context, "my_company": my_company_context(connection)}


INVOICE_FIELDS = [
    ("number", "Invoice number", "AGR100001"),
    ("type", "Invoice type", "Agreement"),
    ("status", "Status", "Paid"),
    ("date", "Invoice date (use |date)", "2024-10-02T00:00:00Z"),
    ("due_date", "Due date (use |date)", "2024-11-01T00:00:00Z"),
    ("total", "Total (use |money)", 1191.54),
    ("balance", "Balance due (use |money)", 0.0),
    ("agreement", "Agreement invoiced", "Managed Services - Bronze"),
]
OPPORTUNITY_SUMMARY_FIELDS = [
    ("id", "Opportunity id", 50),
    ("name", "Name", "Server refresh"),
    ("stage", "Stage", "Qualify"),
    ("status", "Status", "Open"),
    ("expected_close_date", "Expected close (use |date)", "2026-11-13T23:21:03Z"),
    ("sales_rep", "Sales rep", "Mia Murphy"),
    ("probability", "Probability (%)", "50"),
]

COMPANY_VARIABLES = [
    *documented("company", COMPANY_FIELDS),
    *documented("sites[]", SITE_FIELDS),
    *documented("contacts[]", CONTACT_FIELDS),
    *documented("configurations[]", CONFIGURATION_FIELDS),
    *documented("open_tickets[]", TICKET_FIELDS),
    *documented("recent_tickets[]", TICKET_FIELDS),
    *documented("tickets[]", TICKET_FIELDS),
    *documented("agreements[]", AGREEMENT_FIELDS),
    *documented("agreements[].additions[]", ADDITION_FIELDS),
    *documented("opportunities[]", OPPORTUNITY_SUMMARY_FIELDS),
    *documented("invoices[]", INVOICE_FIELDS),
    VariableInfo("statistics.ticket_count", "All tickets of the company in the cache", 120),
    VariableInfo("statistics.open_ticket_count", "Open tickets", 14),
    VariableInfo("statistics.closed_ticket_count", "Closed tickets", 106),
    VariableInfo("statistics.tickets_by_status[].name", "Status", "Completed"),
    VariableInfo("statistics.tickets_by_status[].count", "Tickets with that status", 80),
    VariableInfo("statistics.tickets_by_priority[].name", "Priority", "Priority 3 - Normal Response"),
    VariableInfo("statistics.tickets_by_priority[].count", "Tickets with that priority", 70),
    VariableInfo("statistics.hours_by_month[].month", "Month (YYYY-MM), the last 12 months with time", "2026-09"),
    VariableInfo("statistics.hours_by_month[].hours", "Hours worked that month", 31.5),
    VariableInfo("statistics.total_hours", "Hours worked over those months", 310.25),
    *documented("statistics.sla", SLA_FIELDS),
    VariableInfo("charts.tickets_by_status", "Bar chart of tickets by status"),
    VariableInfo("charts.tickets_by_priority", "Pie chart of tickets by priority"),
    VariableInfo("charts.hours_by_month", "Bar chart of hours worked by month"),
]
