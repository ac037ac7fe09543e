"""Context builders for configuration and contact documents."""

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
from documents.builders.tickets import TICKET_FIELDS, ticket_shape
from documents.contexts import VariableInfo
from integrations.models import Company, Configuration, Contact, ServiceTicket

CONTACT_TICKETS = 50


def build_configuration_context(*, record_ids: list[int], user: Any, options: dict[str, Any]) -> Payload:
    """Configuration documents: `record_ids` are ConnectWise configuration ids; read in a fixed number of queries."""
    connection = builder_connection(options)
    rows = selected_records(model=Configuration, connection=connection, record_ids=record_ids, label="Configuration")
    companies = by_psa_id(Company, connection, [row.company_psa_id for row in rows])
    contacts = by_psa_id(Contact, connection, [row.contact_psa_id for row in rows])
    configurations = [configuration_shape(row) for row in rows]
    contexts = [
        {
            "configuration": configuration,
            "company": company_shape(companies.get(row.company_psa_id)),
            "contact": contact_shape(contacts.get(row.contact_psa_id)),
        }
        for row, configuration in zip(rows, configurations, strict=True)
    ]
    by_type = count_by(configuration["type"] for configuration in configurations)
    context = contexts[0] if len(contexts) == 1 else several(contexts, {})
    return {
        **context,
        "configurations": configurations,
        "totals": {"count": len(configurations), "by_type": [{"name": k, "count": v} for k, v in by_type.items()]},
        "charts": {"configurations_by_type": {"kind": "pie", "title": "Configurations by type", "data": by_type}},
        "my_company": my_company_context(connection),
    }


CONFIGURATION_VARIABLES = [
    *documented("configuration", CONFIGURATION_FIELDS),
    *documented("configurations[]", CONFIGURATION_FIELDS),
    *documented("company", COMPANY_FIELDS),
    *documented("contact", CONTACT_FIELDS),
    VariableInfo("totals.count", "Selected configurations", 12),
    VariableInfo("totals.by_type[].name", "Configuration type", "Firewall"),
    VariableInfo("totals.by_type[].count", "Selected configurations of that type", 2),
    VariableInfo("charts.configurations_by_type", "Pie chart of the selected configurations by type"),
]


def build_contact_context(*, record_ids: list[int], user: Any, options: dict[str, Any]) -> Payload:
    """Contact documents: the contact, their company, their open tickets and the configurations assigned to them."""
    connection = builder_connection(options)
    rows = selected_records(model=Contact, connection=connection, record_ids=record_ids, label="Contact")
    ids = [row.psa_id for row in rows]
    companies = by_psa_id(Company, connection, [row.company_psa_id for row in rows])
    tickets: dict[int, list[Payload]] = {}
    open_rows = live(ServiceTicket, connection).filter(contact_psa_id__in=ids, closed=False).order_by("-date_entered")
    for row in open_rows:
        if len(tickets.setdefault(row.contact_psa_id, [])) < CONTACT_TICKETS:
            tickets[row.contact_psa_id].append(ticket_shape(row))
    configurations: dict[int, list[Payload]] = {}
    for row in live(Configuration, connection).filter(contact_psa_id__in=ids, active=True).order_by("name"):
        configurations.setdefault(row.contact_psa_id, []).append(configuration_shape(row))
    contexts = [
        {
            "contact": contact_shape(row),
            "company": company_shape(companies.get(row.company_psa_id)),
            "open_tickets": tickets.get(row.psa_id, []),
            "configurations": configurations.get(row.psa_id, []),
        }
        for row in rows
    ]
    context = contexts[0] if len(contexts) == 1 else several(contexts, {})
    return {**context, "my_company": my_company_context(connection)}


CONTACT_VARIABLES = [
    *documented("contact", CONTACT_FIELDS),
    *documented("company", COMPANY_FIELDS),
    *documented("open_tickets[]", TICKET_FIELDS),
    *documented("configurations[]", CONFIGURATION_FIELDS),
]
