"""The shipped starter templates: one outline per kind, each made into a Word and a PDF template.

Free variables (`inputs.*`) hold what a person must write and ConnectWise does not know (scope narrative,
assumptions, recommendations…); they are asked for when the document is generated.
"""

from __future__ import annotations

from dataclasses import dataclass

from documents.models import DocumentTemplate, ObjectType
from documents.starter_templates.spec import (
    Chart,
    Column,
    Cover,
    Facts,
    For,
    Heading,
    If,
    Outline,
    PageBreak,
    Para,
    Table,
)

Kind = DocumentTemplate.Kind

PREPARED = (("Prepared by", "{{ user.name|d(my_company.name) }}"), ("Date", "{{ generated_at|date }}"))


def statement_of_work() -> Outline:
    return Outline(
        header="Statement of Work · {{ project.name }}",
        cover=Cover(
            "Statement of Work",
            "{{ project.name }} for {{ company.name }}",
            (
                ("Client", "{{ company.name }}"),
                ("Client contact", "{{ contact.name|d('—') }}"),
                ("Project manager", "{{ manager.name|d('—') }}"),
                ("Project number", "#{{ project.id }}"),
                *PREPARED,
            ),
        ),
        blocks=[
            Heading("1. Overview"),
            Para("{{ inputs.scope_narrative|d(project.description) }}", "multiline"),
            Facts(
                (
                    ("Project", "{{ project.name }}"),
                    ("Type", "{{ project.type|d('—') }}"),
                    ("Status", "{{ project.status }}"),
                    ("Estimated start", "{{ project.estimated_start|date }}"),
                    ("Estimated end", "{{ project.estimated_end|date }}"),
                    ("Customer PO", "{{ project.customer_po|d('—') }}"),
                )
            ),
            Heading("2. Scope and deliverables"),
            Para("The work is organised in the phases below; each task is tracked as a ticket in our PSA."),
            For(
                "phase in phases",
                (
                    Heading("{{ phase.wbs_code }} {{ phase.name }}", 2),
                    Para(
                        "Scheduled {{ phase.scheduled_start|date|d('TBD') }} – {{ phase.scheduled_end|date|d('TBD') }}"
                        " · budget {{ phase.budget_hours|hours }}",
                        "note",
                    ),
                    Table(
                        "t in phase.tickets",
                        (
                            Column("WBS", "{{ t.wbs_code }}"),
                            Column("Task", "{{ t.summary }}"),
                            Column("Owner", "{{ t.owner }}"),
                            Column("Status", "{{ t.status }}"),
                            Column("Budget", "{{ t.budget_hours|hours }}", numeric=True),
                        ),
                        empty="No tasks in this phase yet.",
                    ),
                ),
            ),
            Heading("3. Project team"),
            Table(
                "m in team",
                (
                    Column("Name", "{{ m.name }}"),
                    Column("Role", "{{ m.role }}"),
                    Column("Work role", "{{ m.work_role }}"),
                    Column("Planned hours", "{{ m.hours|hours }}", numeric=True),
                ),
                empty="The team will be confirmed at kick-off.",
            ),
            Heading("4. Schedule and effort"),
            Facts(
                (
                    ("Budget hours", "{{ totals.budget_hours|hours }}"),
                    ("Hours to date", "{{ totals.actual_hours|hours }}"),
                    ("Complete", "{{ totals.percent_complete|percent }}"),
                    (
                        "Tasks",
                        "{{ totals.ticket_count }} ({{ totals.open_tickets }} open, "
                        "{{ totals.closed_tickets }} closed)",
                    ),
                )
            ),
            Heading("5. Commercials"),
            Facts(
                (
                    ("Billing method", "{{ project.billing_method|d('—') }}"),
                    ("Amount", "{{ project.billing_amount|money(company.currency_symbol)|d('—') }}"),
                    ("Billing terms", "{{ project.billing_terms|d(company.billing_terms)|d('—') }}"),
                )
            ),
            Heading("6. Assumptions"),
            Para(
                "{{ inputs.assumptions|d('Work is done remotely in business hours unless agreed otherwise.') }}",
                "multiline",
            ),
            Heading("7. Acceptance"),
            Para("By signing below, {{ company.name }} accepts this Statement of Work."),
            Facts(
                (
                    ("For {{ company.name }}", "Name, signature, date"),
                    ("For {{ my_company.name }}", "Name, signature, date"),
                )
            ),
        ],
    )


def ticket_summary() -> Outline:
    return Outline(
        header="Ticket summary · {{ company.name }}",
        cover=Cover(
            "Ticket Summary",
            "{{ company.name }}",
            (
                ("Tickets", "{{ totals.ticket_count }} ({{ totals.open_count }} open)"),
                ("Hours logged", "{{ totals.hours_logged|hours }}"),
                *PREPARED,
            ),
        ),
        blocks=[
            Para("{{ inputs.notes }}", "multiline"),
            Heading("Overview"),
            Table(
                "t in tickets",
                (
                    Column("#", "{{ t.id }}"),
                    Column("Summary", "{{ t.summary }}"),
                    Column("Status", "{{ t.status }}"),
                    Column("Priority", "{{ t.priority }}"),
                    Column("Entered", "{{ t.date_entered|date }}"),
                    Column("Hours", "{{ t.hours_logged|hours }}", numeric=True),
                ),
                totals=("", "Total", "", "", "", "{{ totals.hours_logged|hours }}"),
            ),
            Heading("Ticket details"),
            For(
                "t in tickets",
                (
                    Heading("#{{ t.id }} {{ t.summary }}", 2),
                    Facts(
                        (
                            ("Status", "{{ t.status }}"),
                            ("Contact", "{{ t.contact_name|d('—') }}"),
                            ("Technician", "{{ t.owner|d('—') }}"),
                            ("Board", "{{ t.board }}"),
                        )
                    ),
                    Para("{{ t.description|plaintext }}", "multiline"),
                    Table(
                        "n in t.notes",
                        (
                            Column("Date", "{{ n.date_created|date }}"),
                            Column("By", "{{ n.created_by }}"),
                            Column("Note", "{{ n.text|plaintext }}"),
                        ),
                        empty="No notes.",
                    ),
                ),
            ),
        ],
    )


def client_report() -> Outline:
    return Outline(
        header="Client report · {{ company.name }}",
        cover=Cover(
            "Quarterly Business Review",
            "{{ company.name }}",
            (("Client since", "{{ company.date_acquired|date|d('—') }}"), *PREPARED),
        ),
        blocks=[
            Heading("1. Executive summary"),
            Para(
                "{{ inputs.executive_summary|d('This report summarises the service we delivered to ' "
                "~ company.name ~ '.') }}",
                "multiline",
            ),
            Facts(
                (
                    ("Tickets", "{{ statistics.ticket_count }}"),
                    ("Open tickets", "{{ statistics.open_ticket_count }}"),
                    ("Hours worked (12 months)", "{{ statistics.total_hours|hours }}"),
                    ("Within SLA", "{{ statistics.sla.met_rate|percent|d('n/a') }}"),
                )
            ),
            Heading("2. Service desk"),
            Chart("tickets_by_status"),
            Table(
                "s in statistics.tickets_by_priority",
                (Column("Priority", "{{ s.name }}"), Column("Tickets", "{{ s.count }}", numeric=True)),
            ),
            Chart("hours_by_month"),
            Heading("3. Open tickets"),
            Table(
                "t in open_tickets",
                (
                    Column("#", "{{ t.id }}"),
                    Column("Summary", "{{ t.summary }}"),
                    Column("Status", "{{ t.status }}"),
                    Column("Priority", "{{ t.priority }}"),
                    Column("Entered", "{{ t.date_entered|date }}"),
                ),
                empty="No open tickets.",
            ),
            Heading("4. Recent tickets"),
            Table(
                "t in recent_tickets",
                (
                    Column("#", "{{ t.id }}"),
                    Column("Summary", "{{ t.summary }}"),
                    Column("Status", "{{ t.status }}"),
                    Column("Hours", "{{ t.actual_hours|hours }}", numeric=True),
                ),
            ),
            Heading("5. Agreements"),
            Table(
                "a in agreements",
                (
                    Column("Agreement", "{{ a.name }}"),
                    Column("Type", "{{ a.type }}"),
                    Column("Since", "{{ a.start_date|date }}"),
                    Column("Per cycle", "{{ a.bill_amount|money(company.currency_symbol) }}", numeric=True),
                ),
                empty="No active agreements.",
            ),
            Heading("6. Invoices"),
            Table(
                "i in invoices",
                (
                    Column("Invoice", "{{ i.number }}"),
                    Column("Date", "{{ i.date|date }}"),
                    Column("Status", "{{ i.status }}"),
                    Column("Total", "{{ i.total|money(company.currency_symbol) }}", numeric=True),
                    Column("Balance", "{{ i.balance|money(company.currency_symbol) }}", numeric=True),
                ),
                empty="No invoices.",
            ),
            Heading("7. Pipeline"),
            Table(
                "o in opportunities",
                (
                    Column("Opportunity", "{{ o.name }}"),
                    Column("Stage", "{{ o.stage }}"),
                    Column("Expected", "{{ o.expected_close_date|date }}"),
                ),
                empty="No open opportunities.",
            ),
            Heading("8. Recommendations"),
            Para("{{ inputs.recommendations|d('To be discussed in the review meeting.') }}", "multiline"),
        ],
    )


def technical_documentation() -> Outline:
    return Outline(
        header="Technical documentation · {{ company.name }}",
        cover=Cover(
            "Technical Documentation",
            "{{ company.name }}",
            (("Configurations", "{{ configurations|length }}"), ("Sites", "{{ sites|length }}"), *PREPARED),
        ),
        blocks=[
            Para("{{ inputs.notes }}", "multiline"),
            Heading("1. Sites"),
            Table(
                "s in sites",
                (
                    Column("Site", "{{ s.name }}"),
                    Column("Address", "{{ s.address }}"),
                    Column("Phone", "{{ s.phone }}"),
                ),
            ),
            Heading("2. Key contacts"),
            Table(
                "c in contacts",
                (
                    Column("Name", "{{ c.name }}"),
                    Column("Title", "{{ c.title }}"),
                    Column("Email", "{{ c.email }}"),
                    Column("Phone", "{{ c.phone }}"),
                ),
            ),
            Heading("3. Configuration inventory"),
            Table(
                "c in configurations",
                (
                    Column("Name", "{{ c.name }}"),
                    Column("Type", "{{ c.type }}"),
                    Column("Site", "{{ c.site }}"),
                    Column("Serial", "{{ c.serial_number }}"),
                    Column("IP", "{{ c.ip_address }}"),
                    Column("Warranty", "{{ c.warranty_expiration_date|date }}"),
                ),
                empty="No active configurations.",
            ),
            PageBreak(),
            Heading("4. Configuration details"),
            For(
                "c in configurations",
                (
                    Heading("{{ c.name }} ({{ c.type }})", 2),
                    Facts(
                        (
                            ("Manufacturer / model", "{{ c.manufacturer }} {{ c.model_number }}"),
                            ("Serial / tag", "{{ c.serial_number }} / {{ c.tag_number }}"),
                            (
                                "Network",
                                "{{ c.ip_address|d('—') }} · gw {{ c.default_gateway|d('—') }} · "
                                "{{ c.mac_address|d('—') }}",
                            ),
                            ("Operating system", "{{ c.os_type|d('—') }}"),
                            ("Installed", "{{ c.installation_date|date|d('—') }}"),
                        )
                    ),
                    If(
                        "c.questions",
                        (
                            Table(
                                "q in c.questions",
                                (Column("Setting", "{{ q.question }}"), Column("Value", "{{ q.answer }}")),
                            ),
                        ),
                    ),
                ),
            ),
        ],
    )


def implementation_guide() -> Outline:
    return Outline(
        header="Implementation guide · {{ project.name }}",
        cover=Cover(
            "Implementation Guide",
            "{{ project.name }} — {{ company.name }}",
            (("Project manager", "{{ manager.name|d('—') }}"), ("Project number", "#{{ project.id }}"), *PREPARED),
        ),
        blocks=[
            Heading("1. Purpose"),
            Para("{{ inputs.introduction|d(project.description) }}", "multiline"),
            Heading("2. Timeline"),
            Table(
                "p in phases",
                (
                    Column("Phase", "{{ p.wbs_code }} {{ p.name }}"),
                    Column("Start", "{{ p.scheduled_start|date }}"),
                    Column("End", "{{ p.scheduled_end|date }}"),
                    Column("Status", "{{ p.status }}"),
                    Column("Hours", "{{ p.actual_hours|hours }} / {{ p.budget_hours|hours }}", numeric=True),
                ),
                totals=("Total", "", "", "", "{{ totals.actual_hours|hours }} / {{ totals.budget_hours|hours }}"),
            ),
            Chart("hours_by_phase"),
            Heading("3. Implementation steps"),
            For(
                "p in phases",
                (
                    Heading("{{ p.wbs_code }} {{ p.name }}", 2),
                    For(
                        "t in p.tickets",
                        (
                            Para("{{ t.wbs_code }} {{ t.summary }} — {{ t.owner|d('unassigned') }} ({{ t.status }})"),
                            If(
                                "t.tasks",
                                (
                                    Table(
                                        "k in t.tasks",
                                        (
                                            Column("Step", "{{ k.summary }}"),
                                            Column("Notes", "{{ k.notes }}"),
                                            Column("Done", "{{ 'Yes' if k.closed else 'No' }}"),
                                        ),
                                    ),
                                ),
                            ),
                        ),
                    ),
                ),
            ),
            Heading("4. Recurring service issues to address"),
            Para(
                "Service tickets that keep coming back at {{ company.name }}; the implementation should remove "
                "their cause.",
                "note",
            ),
            Table(
                "r in recurring_tickets",
                (
                    Column("Issue", "{{ r.summary }}"),
                    Column("Board", "{{ r.board }}"),
                    Column("Tickets", "{{ r.count }}", numeric=True),
                    Column("Last seen", "{{ r.last_entered|date }}"),
                ),
                empty="No recurring service tickets.",
            ),
            Heading("5. Affected configurations"),
            Table(
                "c in configurations",
                (Column("Name", "{{ c.name }}"), Column("Type", "{{ c.type }}"), Column("IP", "{{ c.ip_address }}")),
                empty="No configurations recorded.",
            ),
            Heading("6. Contacts"),
            Facts(
                (
                    ("Client contact", "{{ contact.name|d('—') }} {{ contact.email }}"),
                    ("Project manager", "{{ manager.name|d('—') }} {{ manager.email }}"),
                )
            ),
        ],
    )


def executive_brief() -> Outline:
    return Outline(
        header="Executive brief · {{ company.name }}",
        cover=Cover("Executive Brief", "{{ company.name }}", PREPARED),
        blocks=[
            Heading("At a glance"),
            Facts(
                (
                    ("Tickets (all time)", "{{ statistics.ticket_count }}"),
                    ("Open now", "{{ statistics.open_ticket_count }}"),
                    ("Hours (12 months)", "{{ statistics.total_hours|hours }}"),
                    ("Within SLA", "{{ statistics.sla.met_rate|percent|d('n/a') }}"),
                    ("Active agreements", "{{ agreements|length }}"),
                    ("Managed configurations", "{{ configurations|length }}"),
                )
            ),
            Para("{{ inputs.executive_summary }}", "lead"),
            Heading("Service trends"),
            Chart("hours_by_month"),
            Chart("tickets_by_priority"),
            Heading("Priorities for next quarter"),
            Para("{{ inputs.recommendations|d('To be agreed with ' ~ company.name ~ '.') }}", "multiline"),
        ],
    )


def proposal() -> Outline:
    return Outline(
        header="Proposal · {{ opportunity.name }}",
        cover=Cover(
            "Proposal",
            "{{ opportunity.name }} for {{ company.name }}",
            (
                ("Prepared for", "{{ contact.name|d(company.name) }}"),
                ("Account manager", "{{ sales_rep.name }}"),
                ("Valid until", "{{ inputs.valid_until|d(opportunity.expected_close_date|date) }}"),
                *PREPARED,
            ),
        ),
        blocks=[
            Heading("1. Introduction"),
            Para(
                "{{ inputs.introduction|d('Thank you for the opportunity to propose the following to ' "
                "~ company.name ~ '.') }}",
                "multiline",
            ),
            Heading("2. Investment"),
            Table(
                "i in forecast_items",
                (
                    Column("Item", "{{ i.description }}"),
                    Column("Type", "{{ i.forecast_type }}"),
                    Column("Qty", "{{ i.quantity }}", numeric=True),
                    Column("Billing", "{{ 'Recurring' if i.recurring else 'One-time' }}"),
                    Column("Amount", "{{ i.revenue|money(company.currency_symbol) }}", numeric=True),
                ),
                totals=("Total", "", "", "", "{{ totals.revenue|money(company.currency_symbol) }}"),
            ),
            Facts(
                (
                    ("One-time", "{{ totals.one_time_revenue|money(company.currency_symbol) }}"),
                    ("Recurring", "{{ totals.recurring_revenue|money(company.currency_symbol) }}"),
                )
            ),
            Heading("3. Terms"),
            Para(
                "{{ inputs.terms|d('Prices exclude taxes. Payment terms: ' ~ company.billing_terms|d('Net 30 days')"
                " ~ '.') }}",
                "multiline",
            ),
            Heading("4. Next steps"),
            Para("Please contact {{ sales_rep.name }} ({{ sales_rep.email }}) to proceed."),
        ],
    )


def service_agreement() -> Outline:
    return Outline(
        header="Service agreement · {{ agreement.name }}",
        cover=Cover(
            "Service Agreement",
            "{{ agreement.name }} — {{ company.name }}",
            (
                ("Client", "{{ company.name }}"),
                ("Address", "{{ company.address }}"),
                ("Agreement number", "#{{ agreement.id }}"),
                *PREPARED,
            ),
        ),
        blocks=[
            Heading("1. Parties"),
            Para(
                "This agreement is made between {{ my_company.name }} (“the Provider”) and {{ company.name }} "
                "(“the Client”)."
            ),
            Heading("2. Term"),
            Facts(
                (
                    ("Start date", "{{ agreement.start_date|date }}"),
                    ("End date", "{{ 'Until cancelled' if agreement.no_ending_date else agreement.end_date|date }}"),
                    ("Agreement type", "{{ agreement.type }}"),
                    ("Service level", "{{ agreement.sla|d('Standard') }}"),
                )
            ),
            Heading("3. Services and products"),
            Table(
                "a in additions",
                (
                    Column("Item", "{{ a.description }}"),
                    Column("Product", "{{ a.product }}"),
                    Column("Qty", "{{ a.quantity }}", numeric=True),
                    Column("Unit price", "{{ a.unit_price|money(company.currency_symbol) }}", numeric=True),
                    Column("Extended", "{{ a.ext_price|money(company.currency_symbol) }}", numeric=True),
                ),
                empty="No additions on this agreement.",
                totals=("Total", "", "", "", "{{ totals.recurring_total|money(company.currency_symbol) }}"),
            ),
            Heading("4. Coverage"),
            Facts(
                (
                    ("Labour covered", "{{ 'Yes' if agreement.covers_time else 'No' }}"),
                    ("Products covered", "{{ 'Yes' if agreement.covers_products else 'No' }}"),
                    ("Expenses covered", "{{ 'Yes' if agreement.covers_expenses else 'No' }}"),
                    (
                        "Limit",
                        "{{ 'Unlimited' if agreement.unlimited else agreement.application_limit ~ ' ' ~ "
                        "agreement.application_units }}",
                    ),
                )
            ),
            Heading("5. Billing"),
            Facts(
                (
                    ("Amount per cycle", "{{ agreement.bill_amount|money(company.currency_symbol) }}"),
                    ("Billing cycle", "{{ agreement.billing_cycle }}"),
                    ("Billing terms", "{{ agreement.billing_terms }}"),
                    ("Annual value", "{{ totals.annual_value|money(company.currency_symbol) }}"),
                )
            ),
            Heading("6. Terms and conditions"),
            Para('{{ inputs.terms|d("The Provider\'s standard terms of service apply.") }}', "multiline"),
            Heading("7. Signatures"),
            Facts(
                (
                    ("For {{ company.name }}", "{{ contact.name }} — signature, date"),
                    ("For {{ my_company.name }}", "Name, signature, date"),
                )
            ),
        ],
    )


@dataclass(frozen=True)
class StarterTemplate:
    """One shipped template kind: made in both formats (`<slug>-docx` and `<slug>-pdf`)."""

    slug: str
    name: str
    kind: str
    object_type: str
    description: str
    outline: object  # () -> Outline


STARTER_KINDS = (
    StarterTemplate("statement-of-work", "Statement of Work", Kind.STATEMENT_OF_WORK, ObjectType.PROJECT,
                    "Scope, phases with tasks, team, effort and commercials of a project.", statement_of_work),
    StarterTemplate("ticket-summary", "Ticket Summary", Kind.TICKET_SUMMARY, ObjectType.SERVICE_TICKET,
                    "Selected service tickets with their notes and hours.", ticket_summary),
    StarterTemplate("client-report", "Client Report (QBR)", Kind.CLIENT_REPORT, ObjectType.COMPANY,
                    "Quarterly business review: tickets, hours, SLA, agreements, invoices.", client_report),
    StarterTemplate("technical-documentation", "Technical Documentation", Kind.TECHNICAL_DOCUMENTATION,
                    ObjectType.COMPANY, "Sites, contacts and configurations of a client.", technical_documentation),
    StarterTemplate("implementation-guide", "Implementation Guide", Kind.IMPLEMENTATION_GUIDE, ObjectType.PROJECT,
                    "Timeline, step-by-step tasks and recurring service issues of a project.", implementation_guide),
    StarterTemplate("executive-brief", "Executive Brief", Kind.EXECUTIVE_BRIEF, ObjectType.COMPANY,
                    "One-page summary with charts for a client's leadership.", executive_brief),
    StarterTemplate("proposal", "Proposal", Kind.PROPOSAL, ObjectType.OPPORTUNITY,
                    "An opportunity's forecast items as a priced proposal.", proposal),
    StarterTemplate("service-agreement", "Service Agreement", Kind.SERVICE_AGREEMENT, ObjectType.AGREEMENT,
                    "An agreement's term, additions, coverage and billing as a contract.", service_agreement),
)  # fmt: skip
