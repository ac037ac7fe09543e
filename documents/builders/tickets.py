"""Shapes of service tickets, their notes and time entries, shared by the ticket, company and project builders."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from documents.builders.common import Payload, custom_fields, number, opt_number, ref_name, text
from integrations.models import ServiceTicket, ServiceTicketNote, TimeEntry


def ticket_shape(row: ServiceTicket) -> Payload:
    data = row.data
    return {
        "id": data.get("id", row.psa_id),
        "summary": text(data.get("summary")),
        "board": ref_name(data, "board"),
        "status": ref_name(data, "status"),
        "priority": ref_name(data, "priority"),
        "type": ref_name(data, "type"),
        "subtype": ref_name(data, "subType"),
        "severity": text(data.get("severity")),
        "impact": text(data.get("impact")),
        "owner": ref_name(data, "owner"),
        "company_name": ref_name(data, "company"),
        "contact_name": text(data.get("contactName")) or ref_name(data, "contact"),
        "site_name": text(data.get("siteName")) or ref_name(data, "site"),
        "agreement": ref_name(data, "agreement"),
        "description": text(data.get("initialDescription")),
        "date_entered": row.date_entered.isoformat()
        if row.date_entered
        else text((data.get("_info") or {}).get("dateEntered")),
        "required_date": text(data.get("requiredDate")),
        "closed": bool(row.closed),
        "closed_date": text(data.get("closedDate")),
        "actual_hours": number(data.get("actualHours")),
        "budget_hours": opt_number(data.get("budgetHours")),
        "sla": ref_name(data, "sla"),
        "sla_status": text(data.get("slaStatus")),
        "is_in_sla": data.get("isInSla") if isinstance(data.get("isInSla"), bool) else None,
        "respond_minutes": opt_number(data.get("respondMinutes")),
        "resolve_minutes": opt_number(data.get("resolveMinutes")),
        "custom": custom_fields(data),
    }


TICKET_FIELDS = [
    ("id", "Ticket number", 2000),
    ("summary", "Summary", "Shared drive S: missing after login"),
    ("board", "Service board", "Help Desk"),
    ("status", "Status", "In Progress"),
    ("priority", "Priority", "Priority 3 - Normal Response"),
    ("type", "Type", "Change"),
    ("subtype", "Subtype", "Account"),
    ("severity", "Severity", "Low"),
    ("impact", "Impact", "Medium"),
    ("owner", "Owner (technician)", "Mia Patel"),
    ("company_name", "Company", "Nordic Dental LLC"),
    ("contact_name", "Contact", "Tomasz Rossi"),
    ("site_name", "Site", "Main"),
    ("agreement", "Agreement", "Managed Services - Gold"),
    ("description", "Initial description", "Vendor case opened with ISP; ETA 4 hours."),
    ("date_entered", "Entered (use |date)", "2026-09-30T20:20:20+00:00"),
    ("required_date", "Required by (use |date)", "2026-10-02T20:20:20Z"),
    ("closed", "Closed", False),
    ("closed_date", "Closed on (use |date)", ""),
    ("actual_hours", "Hours worked", 3.0),
    ("budget_hours", "Budget hours", None),
    ("sla", "SLA", "Standard SLA"),
    ("sla_status", "SLA status", "Respond by"),
    ("is_in_sla", "Within SLA (true/false, empty when unknown)", True),
    ("respond_minutes", "Minutes to respond", 233),
    ("resolve_minutes", "Minutes to resolve", 0),
    ("custom.<caption>", "A custom field by its caption in snake_case, e.g. custom.root_cause", "User error"),
]


def note_shape(row: ServiceTicketNote) -> Payload:
    data = row.data
    return {
        "id": data.get("id", row.psa_id),
        "text": text(data.get("text")),
        "date_created": text(data.get("dateCreated")),
        "created_by": ref_name(data, "member") or text(data.get("createdBy")),
        "internal": bool(row.internal),
        "resolution": bool(data.get("resolutionFlag")),
    }


NOTE_FIELDS = [
    ("id", "Note id", 1),
    ("text", "Note text (may hold HTML: use |plaintext)", "Called user, no answer. Left voicemail."),
    ("date_created", "Written on (use |date)", "2024-10-01T06:26:06Z"),
    ("created_by", "Written by", "Zoë Smith"),
    ("internal", "Internal note (only present when the template includes internal notes)", False),
    ("resolution", "Marked as the resolution", False),
]


def time_entry_shape(row: TimeEntry, *, include_internal: bool) -> Payload:
    data = row.data
    return {
        "id": data.get("id", row.psa_id),
        "date": text(data.get("timeStart")),
        "member": ref_name(data, "member") or row.member_identifier,
        "hours": number(row.actual_hours if row.actual_hours is not None else data.get("actualHours")),
        "billable": text(data.get("billableOption")),
        "work_type": ref_name(data, "workType"),
        "work_role": ref_name(data, "workRole"),
        "ticket_id": row.ticket_psa_id,
        "ticket_summary": ref_name(data, "ticket", "summary"),
        # Time entry notes flagged "internal analysis" are internal: only for templates that opt in.
        "notes": text(data.get("notes")) if include_internal or not data.get("addToInternalAnalysisFlag") else "",
    }


TIME_ENTRY_FIELDS = [
    ("id", "Time entry id", 1),
    ("date", "Start (use |date)", "2024-10-03T11:45:00Z"),
    ("member", "Who worked", "Jürgen Walsh"),
    ("hours", "Hours (use |hours)", 0.5),
    ("billable", "Billable option", "Billable"),
    ("work_type", "Work type", "Remote Support"),
    ("work_role", "Work role", "Engineer"),
    ("ticket_id", "Ticket number", 1001),
    ("ticket_summary", "Ticket summary", "Phishing email reported – please review"),
    ("notes", "Notes (internal-analysis notes only when the template includes internal notes)", "Cleared cache."),
]


def notes_by_ticket(rows: Iterable[ServiceTicketNote], *, include_internal: bool) -> dict[int, list[Payload]]:
    grouped: dict[int, list[Payload]] = {}
    for row in rows:
        if row.internal and not include_internal:
            continue
        grouped.setdefault(row.ticket_psa_id, []).append(note_shape(row))
    for notes in grouped.values():
        notes.sort(key=lambda note: (note["date_created"], note["id"] or 0))
    return grouped


def hours_total(entries: Iterable[Payload]) -> float:
    return round(sum(entry["hours"] for entry in entries), 2)


def sla_figures(tickets: Iterable[Any]) -> Payload:
    """SLA figures over ticket shapes where the PSA reports them (tickets without SLA data are not counted)."""
    measured = [t for t in tickets if t["is_in_sla"] is not None]
    met = sum(1 for t in measured if t["is_in_sla"])
    responds = [t["respond_minutes"] for t in measured if t["respond_minutes"]]
    return {
        "measured": len(measured),
        "met": met,
        "met_rate": round(met / len(measured), 4) if measured else None,
        "average_respond_minutes": round(sum(responds) / len(responds), 1) if responds else None,
    }


SLA_FIELDS = [
    ("measured", "Tickets with SLA data", 120),
    ("met", "Tickets within SLA", 111),
    ("met_rate", "Share within SLA (use |percent)", 0.925),
    ("average_respond_minutes", "Average minutes to respond", 41.5),
]
