"""Context builder for agreement documents (service agreement / contract): terms, billing, additions."""

from __future__ import annotations

from typing import Any

from documents.builders.common import (
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    Payload,
    builder_connection,
    by_psa_id,
    company_shape,
    contact_shape,
    custom_fields,
    documented,
    live,
    my_company_context,
    number,
    opt_number,
    ref_name,
    selected_records,
    several,
    text,
)
from documents.contexts import VariableInfo
from integrations.models import Agreement, AgreementAddition, Company, Connection, Contact


def agreement_shape(row: Agreement) -> Payload:
    data = row.data
    return {
        "id": data.get("id", row.psa_id),
        "name": text(data.get("name")),
        "type": ref_name(data, "type"),
        "status": text(data.get("agreementStatus")) or ("Cancelled" if row.cancelled else "Active"),
        "start_date": text(data.get("startDate")),
        "end_date": text(data.get("endDate")),
        "no_ending_date": bool(data.get("noEndingDateFlag")),
        "cancelled": bool(row.cancelled),
        "contact_name": ref_name(data, "contact"),
        "site": ref_name(data, "site"),
        "sla": ref_name(data, "sla"),
        "billing_cycle": ref_name(data, "billingCycle"),
        "billing_terms": ref_name(data, "billingTerms"),
        "invoicing_cycle": text(data.get("invoicingCycle")),
        "bill_amount": number(data.get("billAmount")),
        "taxable": bool(data.get("taxable")),
        "application_units": text(data.get("applicationUnits")),
        "application_limit": opt_number(data.get("applicationLimit")),
        "application_cycle": text(data.get("applicationCycle")),
        "unlimited": bool(data.get("applicationUnlimitedFlag")),
        "covers_time": bool(data.get("coverAgreementTime")),
        "covers_products": bool(data.get("coverAgreementProduct")),
        "covers_expenses": bool(data.get("coverAgreementExpense")),
        "allow_overruns": bool(data.get("allowOverruns")),
        "carry_over_unused": bool(data.get("carryOverUnused")),
        "customer_po": text(data.get("customerPO")),
        "custom": custom_fields(data),
        "additions": [],
        "recurring_total": 0.0,
    }


def addition_shape(row: AgreementAddition) -> Payload:
    data = row.data
    quantity = number(data.get("quantity"))
    unit_price = number(data.get("unitPrice"))
    ext_price = data.get("extPrice")
    return {
        "product": ref_name(data, "product", "identifier") or row.product_identifier,
        "description": text(data.get("invoiceDescription") or data.get("description")),
        "quantity": quantity,
        "unit_of_measure": text(data.get("uom")),
        "unit_price": unit_price,
        "ext_price": number(ext_price) if ext_price is not None else round(quantity * unit_price, 2),
        "bill_customer": text(data.get("billCustomer")),
        "effective_date": text(data.get("effectiveDate")),
        "taxable": bool(data.get("taxableFlag")),
    }


def agreements_with_additions(
    connection: Connection, *, company_psa_id: int | None = None, rows: list[Agreement] | None = None
) -> list[Payload]:
    """Agreements (a company's active ones, or the given rows) with their current additions: two queries."""
    if rows is None:
        rows = list(live(Agreement, connection).filter(company_psa_id=company_psa_id, cancelled=False).order_by("name"))
    agreements = [agreement_shape(row) for row in rows]
    by_id = {row.psa_id: agreement for row, agreement in zip(rows, agreements, strict=True)}
    additions = (
        live(AgreementAddition, connection)
        .filter(agreement_psa_id__in=list(by_id), cancelled_date__isnull=True)
        .order_by("agreement_psa_id", "psa_id")
    )
    for row in additions:
        agreement = by_id[row.agreement_psa_id]
        agreement["additions"].append(addition_shape(row))
    for agreement in agreements:
        agreement["additions"].sort(key=lambda addition: addition["description"])
        agreement["recurring_total"] = round(sum(a["ext_price"] for a in agreement["additions"]), 2)
    return agreements


def _contact_id(row: Agreement) -> int | None:
    contact = row.data.get("contact")
    return contact.get("id") if isinstance(contact, dict) else None


def build_agreement_context(*, record_ids: list[int], user: Any, options: dict[str, Any]) -> Payload:
    """Agreement documents: `record_ids` are ConnectWise agreement ids of the connection in use."""
    connection = builder_connection(options)
    rows = selected_records(model=Agreement, connection=connection, record_ids=record_ids, label="Agreement")
    agreements = agreements_with_additions(connection, rows=rows)
    companies = by_psa_id(Company, connection, [row.company_psa_id for row in rows])
    contact_ids = [
        (row.data.get("contact") or {}).get("id") for row in rows if isinstance(row.data.get("contact"), dict)
    ]
    contacts = by_psa_id(Contact, connection, contact_ids)
    contexts = []
    for row, agreement in zip(rows, agreements, strict=True):
        contexts.append(
            {
                "agreement": agreement,
                "additions": agreement["additions"],
                "company": company_shape(companies.get(row.company_psa_id)),
                "contact": contact_shape(contacts.get(_contact_id(row))),
                "totals": {
                    "recurring_total": agreement["recurring_total"],
                    "bill_amount": agreement["bill_amount"],
                    "addition_count": len(agreement["additions"]),
                    "annual_value": round(
                        (agreement["bill_amount"] or agreement["recurring_total"])
                        * (12 if agreement["billing_cycle"] == "Monthly" else 1),
                        2,
                    ),
                },
            }
        )
    if len(contexts) == 1:
        context = contexts[0]
    else:
        context = several(
            contexts, {"recurring_total": round(sum(c["totals"]["recurring_total"] for c in contexts), 2)}
        )
    return {**context, "my_company": my_company_context(connection)}


AGREEMENT_FIELDS = [
    ("id", "Agreement id", 116),
    ("name", "Agreement name", "Managed Services - Gold"),
    ("type", "Agreement type", "Managed Services"),
    ("status", "Status", "Active"),
    ("start_date", "Start date (use |date)", "2022-10-02T00:00:00Z"),
    ("end_date", "End date (use |date)", ""),
    ("no_ending_date", "Runs until cancelled", True),
    ("cancelled", "Cancelled", False),
    ("contact_name", "Contact", "Zoë Nguyen"),
    ("site", "Site", "Main"),
    ("sla", "SLA", "Standard SLA"),
    ("billing_cycle", "Billing cycle", "Monthly"),
    ("billing_terms", "Billing terms", "Net 30 days"),
    ("invoicing_cycle", "Invoicing cycle", "ContractYear"),
    ("bill_amount", "Amount billed each cycle (use |money)", 4700.0),
    ("taxable", "Taxable", True),
    ("application_units", "Covered units (Amount, Hours, Incidents)", "Amount"),
    ("application_limit", "Covered limit per cycle", 0.0),
    ("application_cycle", "Limit cycle", "CalendarMonth"),
    ("unlimited", "Unlimited coverage", True),
    ("covers_time", "Covers labour", True),
    ("covers_products", "Covers products", False),
    ("covers_expenses", "Covers expenses", False),
    ("allow_overruns", "Overruns allowed", True),
    ("carry_over_unused", "Unused coverage carries over", False),
    ("customer_po", "Customer PO", ""),
    ("recurring_total", "Sum of the additions' extended prices (use |money)", 1900.0),
    ("custom.<caption>", "A custom field by its caption in snake_case", None),
]
ADDITION_FIELDS = [
    ("product", "Product identifier", "SUPPORT-USER"),
    ("description", "Description on the invoice", "Managed user support"),
    ("quantity", "Quantity", 20.0),
    ("unit_of_measure", "Unit of measure", "Each"),
    ("unit_price", "Unit price (use |money)", 95.0),
    ("ext_price", "Extended price (use |money)", 1900.0),
    ("bill_customer", "Billing (Billable, NoCharge, DoNotBill)", "Billable"),
    ("effective_date", "Effective from (use |date)", "2026-09-26T00:00:00Z"),
    ("taxable", "Taxable", True),
]

AGREEMENT_VARIABLES = [
    *documented("agreement", AGREEMENT_FIELDS),
    *documented("agreement.additions[]", ADDITION_FIELDS),
    *documented("additions[]", ADDITION_FIELDS),
    *documented("company", COMPANY_FIELDS),
    *documented("contact", CONTACT_FIELDS),
    VariableInfo("totals.recurring_total", "Sum of the additions (use |money)", 1900.0),
    VariableInfo("totals.bill_amount", "Agreement amount per billing cycle (use |money)", 4700.0),
    VariableInfo("totals.addition_count", "Number of additions", 4),
    VariableInfo("totals.annual_value", "Amount per cycle × 12 for monthly agreements (use |money)", 56400.0),
]
