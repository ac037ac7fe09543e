"""Context builder for service ticket documents (ticket summary): tickets with notes, time, company and contact."""

from __future__ import annotations

from typing import Any

from documents.builders.common import (
    COMPANY_FIELDS,
    CONFIGURATION_FIELDS,
    CONTACT_FIELDS,
    Payload,
    builder_connection,
    by_psa_id,
    company_shape,
    configuration_shape,
    contact_shape,
    count_by,
    documented,
    live,
    my_company_context,
    selected_records,
    several,
)
from documents.builders.tickets import (
    NOTE_FIELDS,
    TICKET_FIELDS,
    TIME_ENTRY_FIELDS,
    hours_total,
    notes_by_ticket,
    sla_figures,
    ticket_shape,
    time_entry_shape,
)
from documents.contexts import VariableInfo
from integrations.models import Company, Configuration, Contact, ServiceTicket, ServiceTicketNote, TimeEntry


def build_service_ticket_context(*, record_ids: list[int], user: Any, options: dict[str, Any]) -> Payload:
    """Ticket documents: `record_ids` are ConnectWise ticket numbers; all tickets are read in a fixed number of queries.

    Notes are the external ones unless the template opts in to internal notes (`include_internal_notes`).
    """
    connection = builder_connection(options)
    include_internal = bool(options.get("include_internal_notes"))
    rows = selected_records(model=ServiceTicket, connection=connection, record_ids=record_ids, label="Ticket")
    ids = [row.psa_id for row in rows]
    notes = notes_by_ticket(
        live(ServiceTicketNote, connection).filter(ticket_psa_id__in=ids), include_internal=include_internal
    )
    entries: dict[int, list[Payload]] = {}
    for row in live(TimeEntry, connection).filter(ticket_psa_id__in=ids).order_by("time_start", "psa_id"):
        entries.setdefault(row.ticket_psa_id, []).append(time_entry_shape(row, include_internal=include_internal))
    companies = by_psa_id(Company, connection, [row.company_psa_id for row in rows])
    contacts = by_psa_id(Contact, connection, [row.contact_psa_id for row in rows])
    configurations: dict[int, list[Payload]] = {}
    company_ids = {row.company_psa_id for row in rows if row.company_psa_id is not None}
    for row in live(Configuration, connection).filter(company_psa_id__in=company_ids, active=True).order_by("name"):
        configurations.setdefault(row.company_psa_id, []).append(configuration_shape(row))

    tickets = []
    for row in rows:
        ticket = ticket_shape(row)
        ticket["notes"] = notes.get(row.psa_id, [])
        ticket["time_entries"] = entries.get(row.psa_id, [])
        ticket["hours_logged"] = hours_total(ticket["time_entries"])
        tickets.append(ticket)
    contexts = [
        {
            "ticket": ticket,
            "notes": ticket["notes"],
            "time_entries": ticket["time_entries"],
            "company": company_shape(companies.get(row.company_psa_id)),
            "contact": contact_shape(contacts.get(row.contact_psa_id)),
            "configurations": configurations.get(row.company_psa_id, []),
        }
        for row, ticket in zip(rows, tickets, strict=True)
    ]
    by_status = count_by(ticket["status"] for ticket in tickets)
    totals = {
        "ticket_count": len(tickets),
        "open_count": sum(1 for ticket in tickets if not ticket["closed"]),
        "closed_count": sum(1 for ticket in tickets if ticket["closed"]),
        "hours_logged": round(sum(ticket["hours_logged"] for ticket in tickets), 2),
        "sla": sla_figures(tickets),
    }
    context = contexts[0] if len(contexts) == 1 else several(contexts, {})
    return {
        **context,
        "tickets": tickets,
        "totals": totals,
        "charts": {"tickets_by_status": {"kind": "bar", "title": "Tickets by status", "data": by_status}},
        "my_company": my_company_context(connection),
    }


_TICKET_EXTRA = [
    *TICKET_FIELDS,
    *[(f"notes[].{name}", description, sample) for name, description, sample in NOTE_FIELDS],
    *[(f"time_entries[].{name}", description, sample) for name, description, sample in TIME_ENTRY_FIELDS],
    ("hours_logged", "Hours in the ticket's time entries", 1.5),
]

SERVICE_TICKET_VARIABLES = [
    *documented("ticket", _TICKET_EXTRA),
    *documented("tickets[]", _TICKET_EXTRA),
    *documented("notes[]", NOTE_FIELDS),
    *documented("time_entries[]", TIME_ENTRY_FIELDS),
    *documented("company", COMPANY_FIELDS),
    *documented("contact", CONTACT_FIELDS),
    *documented("configurations[]", CONFIGURATION_FIELDS),
    VariableInfo("totals.ticket_count", "Selected tickets", 3),
    VariableInfo("totals.open_count", "Of which open", 2),
    VariableInfo("totals.closed_count", "Of which closed", 1),
    VariableInfo("totals.hours_logged", "Hours logged on them", 4.5),
    VariableInfo("totals.sla.measured", "Tickets with SLA data", 3),
    VariableInfo("totals.sla.met", "Tickets within SLA", 3),
    VariableInfo("totals.sla.met_rate", "Share within SLA (use |percent)", 1.0),
    VariableInfo("totals.sla.average_respond_minutes", "Average minutes to respond", 35.0),
    VariableInfo("charts.tickets_by_status", "Bar chart of the selected tickets by status"),
]
