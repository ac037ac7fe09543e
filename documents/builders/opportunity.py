"""Context builder for opportunity documents (proposal): the opportunity, its forecast items and totals."""

from __future__ import annotations

from typing import Any

from documents.builders.common import (
    COMPANY_FIELDS,
    CONTACT_FIELDS,
    MEMBER_FIELDS,
    Payload,
    builder_connection,
    by_psa_id,
    company_shape,
    contact_shape,
    custom_fields,
    documented,
    live,
    member_shape,
    members_by_identifier,
    my_company_context,
    number,
    ref_name,
    selected_records,
    several,
    text,
)
from documents.contexts import VariableInfo
from integrations.models import Company, Contact, Opportunity, OpportunityForecastItem


def _opportunity_shape(row: Opportunity) -> Payload:
    data = row.data
    return {
        "id": data.get("id", row.psa_id),
        "name": text(data.get("name")),
        "type": ref_name(data, "type"),
        "stage": ref_name(data, "stage"),
        "status": ref_name(data, "status"),
        "probability": ref_name(data, "probability"),
        "rating": ref_name(data, "rating"),
        "source": text(data.get("source")),
        "expected_close_date": text(data.get("expectedCloseDate")),
        "closed": bool(row.closed),
        "notes": text(data.get("notes")),
        "customer_po": text(data.get("customerPO")),
        "custom": custom_fields(data),
    }


def _item_shape(row: OpportunityForecastItem) -> Payload:
    data = row.data
    recurring = bool(data.get("recurringFlag"))
    return {
        "description": text(data.get("forecastDescription") or data.get("productDescription")),
        "product_description": text(data.get("productDescription")),
        "product": ref_name(data, "catalogItem", "identifier"),
        "product_class": text(data.get("productClass")),
        "forecast_type": text(data.get("forecastType")),
        "status": ref_name(data, "status"),
        "quantity": number(data.get("quantity")),
        "revenue": number(data.get("revenue")),
        "cost": number(data.get("cost")),
        "margin": number(data.get("margin")),
        "recurring": recurring,
        "cycles": data.get("cycles") if recurring else None,
        "recurring_start": text(data.get("recurringDateStart")) if recurring else "",
        "included": data.get("includeFlag") is not False,
        "sequence": number(data.get("sequenceNumber")),
    }


def build_opportunity_context(*, record_ids: list[int], user: Any, options: dict[str, Any]) -> Payload:
    """Opportunity documents: `record_ids` are ConnectWise opportunity ids of the connection in use."""
    connection = builder_connection(options)
    rows = selected_records(model=Opportunity, connection=connection, record_ids=record_ids, label="Opportunity")
    items: dict[int, list[Payload]] = {}
    for row in live(OpportunityForecastItem, connection).filter(opportunity_psa_id__in=[r.psa_id for r in rows]):
        items.setdefault(row.opportunity_psa_id, []).append(_item_shape(row))
    companies = by_psa_id(Company, connection, [row.company_psa_id for row in rows])
    contacts = by_psa_id(Contact, connection, [row.contact_psa_id for row in rows])
    reps = members_by_identifier(connection, [row.sales_rep for row in rows])
    contexts = []
    for row in rows:
        forecast = sorted(items.get(row.psa_id, []), key=lambda item: item["sequence"])
        included = [item for item in forecast if item["included"]]
        revenue = round(sum(item["revenue"] for item in included), 2)
        cost = round(sum(item["cost"] for item in included), 2)
        contexts.append(
            {
                "opportunity": _opportunity_shape(row),
                "forecast_items": forecast,
                "totals": {
                    "revenue": revenue,
                    "cost": cost,
                    "margin": round(revenue - cost, 2),
                    "margin_rate": round((revenue - cost) / revenue, 4) if revenue else None,
                    "recurring_revenue": round(sum(i["revenue"] for i in included if i["recurring"]), 2),
                    "one_time_revenue": round(sum(i["revenue"] for i in included if not i["recurring"]), 2),
                    "item_count": len(included),
                },
                "company": company_shape(companies.get(row.company_psa_id)),
                "contact": contact_shape(contacts.get(row.contact_psa_id)),
                "sales_rep": member_shape(reps.get(row.sales_rep), row.data.get("primarySalesRep")),
            }
        )
    if len(contexts) == 1:
        context = contexts[0]
    else:
        context = several(contexts, {"revenue": round(sum(c["totals"]["revenue"] for c in contexts), 2)})
    return {**context, "my_company": my_company_context(connection)}


OPPORTUNITY_FIELDS = [
    ("id", "Opportunity id", 50),
    ("name", "Name", "Server refresh"),
    ("type", "Type", "New Business"),
    ("stage", "Stage", "Qualify"),
    ("status", "Status", "Open"),
    ("probability", "Probability (%)", "50"),
    ("rating", "Rating", "Warm"),
    ("source", "Source", "Referral"),
    ("expected_close_date", "Expected close (use |date)", "2026-11-13T23:21:03Z"),
    ("closed", "Closed", False),
    ("notes", "Notes", ""),
    ("customer_po", "Customer PO", ""),
    ("custom.<caption>", "A custom field by its caption in snake_case", None),
]
ITEM_FIELDS = [
    ("description", "Line description", "Managed Services - Gold"),
    ("product_description", "Product description", "See quote"),
    ("product", "Catalog item identifier", "SKU-232"),
    ("product_class", "Product class", "Agreement"),
    ("forecast_type", "Forecast type (Product, Service, Agreement…)", "Agreement"),
    ("status", "Status", "Open"),
    ("quantity", "Quantity", 4.0),
    ("revenue", "Revenue (use |money)", 4370.64),
    ("cost", "Cost (use |money)", 3257.43),
    ("margin", "Margin (use |money)", 1113.21),
    ("recurring", "Recurring revenue", True),
    ("cycles", "Number of recurring cycles", 12),
    ("recurring_start", "Recurring from (use |date)", "2026-09-28T23:21:03Z"),
    ("included", "Included in the totals", True),
    ("sequence", "Order on the forecast", 4.0),
]

OPPORTUNITY_VARIABLES = [
    *documented("opportunity", OPPORTUNITY_FIELDS),
    *documented("forecast_items[]", ITEM_FIELDS),
    VariableInfo("totals.revenue", "Revenue of the included items (use |money)", 12500.0),
    VariableInfo("totals.cost", "Cost of the included items (use |money)", 9000.0),
    VariableInfo("totals.margin", "Revenue − cost (use |money)", 3500.0),
    VariableInfo("totals.margin_rate", "Margin / revenue (use |percent)", 0.28),
    VariableInfo("totals.recurring_revenue", "Recurring revenue (use |money)", 4370.64),
    VariableInfo("totals.one_time_revenue", "One-time revenue (use |money)", 8129.36),
    VariableInfo("totals.item_count", "Included items", 4),
    *documented("company", COMPANY_FIELDS),
    *documented("contact", CONTACT_FIELDS),
    *documented("sales_rep", MEMBER_FIELDS),
]
