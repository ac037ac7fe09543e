"""Registry of the PSA object types the sync caches: endpoint, model, key columns, parent; a new type is one entry."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations import cache_models as m
from integrations import models as ref
from integrations.cache import parse_psa_datetime, ref_id, ref_name
from integrations.models import CachedRecord

KeyColumns = Callable[[dict], dict]


@dataclass(frozen=True)
class ObjectType:
    """How one PSA object type maps to its cache table.

    A type with a `parent` is a child list (notes, sites, phases…): its endpoint holds `{parent_id}`, it is fetched
    for each parent the parent's sync returned, and `parent_column` on its model holds the parent's PSA id.
    """

    key: str
    label: str
    endpoint: str
    model: type[CachedRecord]
    key_columns: KeyColumns
    parent: str | None = None
    parent_column: str = ""
    params: Mapping[str, str] = field(default_factory=dict)
    # Some child endpoints answer one object holding the list (the opportunity forecast): this pulls the list out.
    records_from: Callable[[Any], list[dict]] | None = None

    @property
    def is_child(self) -> bool:
        return self.parent is not None

    def endpoint_for(self, parent_id: int | None = None) -> str:
        return self.endpoint.format(parent_id=parent_id) if self.is_child else self.endpoint

    def params_for(self, parent_id: int | None = None) -> dict[str, str]:
        return {name: value.format(parent_id=parent_id) for name, value in self.params.items()}


# ------------------------------------------------------------------------------------------------ field helpers


def _s(payload: dict, key: str, limit: int = 255) -> str:
    value = payload.get(key)
    return str(value)[:limit] if value not in (None, "") else ""


def _name(payload: dict, key: str, limit: int = 100) -> str:
    return ref_name(payload, key)[:limit]


def _identifier(payload: dict, key: str) -> str:
    value = payload.get(key)
    return str(value.get("identifier") or "")[:60] if isinstance(value, dict) else ""


def _flag(payload: dict, key: str) -> bool:
    return bool(payload.get(key))


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _money(value: object) -> Decimal | None:
    if not isinstance(value, int | float | str) or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and abs(amount) < Decimal("1e14") else None


def _default_email(payload: dict) -> str:
    for item in payload.get("communicationItems") or ():
        if isinstance(item, dict) and item.get("communicationType") == "Email" and item.get("defaultFlag"):
            return str(item.get("value") or "")[:255]
    return ""


def _forecast_items(body: Any) -> list[dict]:
    """GET .../forecast answers a list of Forecast containers (or one); the items are in `forecastItems`."""
    containers = body if isinstance(body, list) else [body]
    return [item for c in containers if isinstance(c, dict) for item in c.get("forecastItems") or ()]


def _names(values: Iterable[object] | None) -> str:
    return ", ".join(str(v.get("name")) for v in values or () if isinstance(v, dict) and v.get("name"))[:255]


# ------------------------------------------------------------------------------------------------ the registry

OBJECT_TYPES: tuple[ObjectType, ...] = (
    ObjectType(
        "members",
        "members",
        "/system/members",
        m.Member,
        lambda p: {
            "identifier": _s(p, "identifier", 60),
            "first_name": _s(p, "firstName", 100),
            "last_name": _s(p, "lastName", 100),
            "email": _s(p, "officeEmail") or _s(p, "defaultEmail"),
            "title": _s(p, "title", 100),
            "inactive": _flag(p, "inactiveFlag"),
        },
    ),
    ObjectType(
        "companies",
        "companies",
        "/company/companies",
        m.Company,
        lambda p: {
            "identifier": _s(p, "identifier", 60),
            "name": _s(p, "name"),
            "status_name": _name(p, "status"),
            "type_names": _names(p.get("types")),
            "city": _s(p, "city", 100),
            "territory_name": _name(p, "territory"),
            "deleted_flag": _flag(p, "deletedFlag"),
        },
    ),
    ObjectType(
        "company_sites",
        "company sites",
        "/company/companies/{parent_id}/sites",
        m.CompanySite,
        lambda p: {
            "name": _s(p, "name"),
            "city": _s(p, "city", 100),
            "primary_address": _flag(p, "primaryAddressFlag"),
            "inactive": _flag(p, "inactiveFlag"),
        },
        parent="companies",
        parent_column="company_psa_id",
    ),
    ObjectType(
        "company_notes",
        "company notes",
        "/company/companies/{parent_id}/notes",
        m.CompanyNote,
        lambda p: {"type_name": _name(p, "type"), "flagged": _flag(p, "flagged")},
        parent="companies",
        parent_column="company_psa_id",
    ),
    ObjectType(
        "contacts",
        "contacts",
        "/company/contacts",
        m.Contact,
        lambda p: {
            "company_psa_id": ref_id(p, "company"),
            "first_name": _s(p, "firstName", 100),
            "last_name": _s(p, "lastName", 100),
            "email": _default_email(p),
            "title": _s(p, "title", 100),
            "inactive": _flag(p, "inactiveFlag"),
        },
    ),
    ObjectType(
        "configurations",
        "configurations",
        "/company/configurations",
        m.Configuration,
        lambda p: {
            "company_psa_id": ref_id(p, "company"),
            "contact_psa_id": ref_id(p, "contact"),
            "name": _s(p, "name"),
            "type_name": _name(p, "type"),
            "status_name": _name(p, "status"),
            "serial_number": _s(p, "serialNumber"),
            "active": p.get("activeFlag") is not False,
        },
    ),
    ObjectType(
        "activities",
        "sales activities",
        "/sales/activities",
        m.SalesActivity,
        lambda p: {
            "company_psa_id": ref_id(p, "company"),
            "contact_psa_id": ref_id(p, "contact"),
            "opportunity_psa_id": ref_id(p, "opportunity"),
            "ticket_psa_id": ref_id(p, "ticket"),
            "name": _s(p, "name"),
            "type_name": _name(p, "type"),
            "status_name": _name(p, "status"),
            "assigned_to": _identifier(p, "assignTo"),
            "date_start": parse_psa_datetime(p.get("dateStart")),
        },
    ),
    ObjectType(
        "agreements",
        "agreements",
        "/finance/agreements",
        m.Agreement,
        lambda p: {
            "company_psa_id": ref_id(p, "company"),
            "parent_agreement_psa_id": ref_id(p, "parentAgreement"),
            "name": _s(p, "name"),
            "type_name": _name(p, "type"),
            "agreement_status": _s(p, "agreementStatus", 50),
            "start_date": parse_psa_datetime(p.get("startDate")),
            "end_date": parse_psa_datetime(p.get("endDate")),
            "cancelled": _flag(p, "cancelledFlag"),
        },
    ),
    ObjectType(
        "agreement_additions",
        "agreement additions",
        "/finance/agreements/{parent_id}/additions",
        m.AgreementAddition,
        lambda p: {
            "product_identifier": _identifier(p, "product")[:100],
            "description": _s(p, "description"),
            "quantity": _number(p.get("quantity")),
            "cancelled_date": parse_psa_datetime(p.get("cancelledDate")),
        },
        parent="agreements",
        parent_column="agreement_psa_id",
    ),
    ObjectType(
        "invoices",
        "invoices",
        "/finance/invoices",
        m.Invoice,
        lambda p: {
            "company_psa_id": ref_id(p, "company"),
            "invoice_number": _s(p, "invoiceNumber", 60),
            "status_name": _name(p, "status"),
            "date": parse_psa_datetime(p.get("date")),
            "due_date": parse_psa_datetime(p.get("dueDate")),
            "total": _money(p.get("total")),
            "balance": _money(p.get("balance")),
        },
    ),
    ObjectType(
        "projects",
        "projects",
        "/project/projects",
        m.Project,
        lambda p: {
            "company_psa_id": ref_id(p, "company"),
            "name": _s(p, "name"),
            "board_name": _name(p, "board"),
            "status_name": _name(p, "status"),
            "manager_identifier": _identifier(p, "manager"),
            "estimated_start": parse_psa_datetime(p.get("estimatedStart")),
            "estimated_end": parse_psa_datetime(p.get("estimatedEnd")),
            "closed": _flag(p, "closedFlag"),
        },
    ),
    ObjectType(
        "project_phases",
        "project phases",
        "/project/projects/{parent_id}/phases",
        m.ProjectPhase,
        lambda p: {
            "description": _s(p, "description"),
            "status_name": _name(p, "status"),
            "wbs_code": _s(p, "wbsCode", 50),
        },
        parent="projects",
        parent_column="project_psa_id",
    ),
    ObjectType(
        "project_notes",
        "project notes",
        "/project/projects/{parent_id}/notes",
        m.ProjectNote,
        lambda p: {"flagged": _flag(p, "flagged")},
        parent="projects",
        parent_column="project_psa_id",
    ),
    ObjectType(
        "project_team_members",
        "project team members",
        "/project/projects/{parent_id}/teamMembers",
        m.ProjectTeamMember,
        lambda p: {"member_identifier": _identifier(p, "member"), "role_name": _name(p, "projectRole")},
        parent="projects",
        parent_column="project_psa_id",
    ),
    ObjectType(
        "project_tickets",
        "project tickets",
        "/project/tickets",
        m.ProjectTicket,
        lambda p: {
            "project_psa_id": ref_id(p, "project"),
            "phase_psa_id": ref_id(p, "phase"),
            "company_psa_id": ref_id(p, "company"),
            "summary": _s(p, "summary"),
            "board_name": _name(p, "board"),
            "status_name": _name(p, "status"),
            "owner_identifier": _identifier(p, "owner"),
            "closed": _flag(p, "closedFlag"),
        },
    ),
    ObjectType(
        "project_ticket_notes",
        "project ticket notes",
        "/project/tickets/{parent_id}/notes",
        m.ProjectTicketNote,
        lambda p: {},
        parent="project_tickets",
        parent_column="ticket_psa_id",
    ),
    ObjectType(
        "project_ticket_tasks",
        "project ticket tasks",
        "/project/tickets/{parent_id}/tasks",
        m.ProjectTicketTask,
        lambda p: {"closed": _flag(p, "closedFlag")},
        parent="project_tickets",
        parent_column="ticket_psa_id",
    ),
    ObjectType(
        "opportunities",
        "opportunities",
        "/sales/opportunities",
        m.Opportunity,
        lambda p: {
            "company_psa_id": ref_id(p, "company"),
            "contact_psa_id": ref_id(p, "contact"),
            "name": _s(p, "name"),
            "stage_name": _name(p, "stage"),
            "status_name": _name(p, "status"),
            "sales_rep": _identifier(p, "primarySalesRep"),
            "expected_close_date": parse_psa_datetime(p.get("expectedCloseDate")),
            "closed": _flag(p, "closedFlag") or bool(p.get("closedDate")),
        },
    ),
    ObjectType(
        "opportunity_forecast",
        "opportunity forecast items",
        "/sales/opportunities/{parent_id}/forecast",
        m.OpportunityForecastItem,
        lambda p: {
            "forecast_type": _s(p, "forecastType", 50),
            "description": _s(p, "productDescription") or _name(p, "catalogItem", 255),
            "revenue": _money(p.get("revenue")),
        },
        parent="opportunities",
        parent_column="opportunity_psa_id",
        records_from=lambda body: _forecast_items(body),
    ),
    ObjectType(
        "opportunity_notes",
        "opportunity notes",
        "/sales/opportunities/{parent_id}/notes",
        m.OpportunityNote,
        lambda p: {"flagged": _flag(p, "flagged")},
        parent="opportunities",
        parent_column="opportunity_psa_id",
    ),
    ObjectType(
        "sales_orders",
        "sales orders",
        "/sales/orders",
        m.SalesOrder,
        lambda p: {
            "company_psa_id": ref_id(p, "company"),
            "opportunity_psa_id": ref_id(p, "opportunity"),
            "status_name": _name(p, "status"),
            "po_number": _s(p, "poNumber", 100),
            "order_date": parse_psa_datetime(p.get("orderDate")),
            "total": _money(p.get("total")),
            "closed": _flag(p, "closedFlag"),
        },
    ),
    ObjectType(
        "sales_order_line_items",
        "sales order line items",
        "/sales/orders/{parent_id}/lineitems",
        m.SalesOrderLineItem,
        lambda p: {"description": _s(p, "description"), "quantity": _number(p.get("quantity"))},
        parent="sales_orders",
        parent_column="order_psa_id",
    ),
    ObjectType(
        "tickets",
        "service tickets",
        "/service/tickets",
        m.ServiceTicket,
        lambda p: {
            "company_psa_id": ref_id(p, "company"),
            "contact_psa_id": ref_id(p, "contact"),
            "agreement_psa_id": ref_id(p, "agreement"),
            "board_psa_id": ref_id(p, "board"),
            "summary": _s(p, "summary"),
            "board_name": _name(p, "board"),
            "status_name": _name(p, "status"),
            "priority_name": _name(p, "priority"),
            "owner_identifier": _identifier(p, "owner"),
            "date_entered": parse_psa_datetime((p.get("_info") or {}).get("dateEntered") or p.get("dateEntered")),
            "closed": _flag(p, "closedFlag"),
        },
    ),
    ObjectType(
        "ticket_notes",
        "service ticket notes",
        "/service/tickets/{parent_id}/notes",
        m.ServiceTicketNote,
        lambda p: {"internal": _flag(p, "internalFlag"), "created_by": _s(p, "createdBy", 60)},
        parent="tickets",
        parent_column="ticket_psa_id",
    ),
    ObjectType(
        "ticket_tasks",
        "service ticket tasks",
        "/service/tickets/{parent_id}/tasks",
        m.ServiceTicketTask,
        lambda p: {"closed": _flag(p, "closedFlag")},
        parent="tickets",
        parent_column="ticket_psa_id",
    ),
    ObjectType(
        "documents",
        "documents",
        "/system/documents",
        m.Document,
        lambda p: {
            "record_type": _s(p, "recordType", 50),
            "record_psa_id": _int(p.get("recordId")),
            "title": _s(p, "title"),
            "file_name": _s(p, "fileName"),
            "size": _int(p.get("size")),
        },
    ),
    ObjectType(
        "time_entries",
        "time entries",
        "/time/entries",
        m.TimeEntry,
        lambda p: {
            "company_psa_id": ref_id(p, "company"),
            "ticket_psa_id": ref_id(p, "ticket"),
            "project_psa_id": ref_id(p, "project"),
            "charge_to_type": _s(p, "chargeToType", 50),
            "charge_to_psa_id": _int(p.get("chargeToId")),
            "member_identifier": _identifier(p, "member"),
            "time_start": parse_psa_datetime(p.get("timeStart")),
            "actual_hours": _number(p.get("actualHours")),
            "billable_option": _s(p, "billableOption", 50),
        },
    ),
)

BY_KEY: dict[str, ObjectType] = {t.key: t for t in OBJECT_TYPES}


def _board_child(key: str, label: str, endpoint: str, model: type[CachedRecord], **extra: KeyColumns) -> ObjectType:
    """A list under a board; its `board_psa_id` is set from the board it was fetched for."""
    return ObjectType(
        key,
        label,
        endpoint,
        model,
        lambda p: {"name": _s(p, "name"), **{name: column(p) for name, column in extra.items()}},
        parent=endpoint.split("/{parent_id}")[0].strip("/").replace("/", "_"),
        parent_column="board_psa_id",
    )


# Reference data pulled by Test Connection (small setup tables; not part of a record sync).
REFERENCE_TYPES: tuple[ObjectType, ...] = (
    ObjectType(
        "service_boards",
        "service boards",
        "/service/boards",
        ref.ServiceBoard,
        lambda p: {"name": _s(p, "name"), "inactive": _flag(p, "inactiveFlag")},
    ),
    _board_child(
        "board_statuses",
        "board statuses",
        "/service/boards/{parent_id}/statuses",
        ref.BoardStatus,
        closed=lambda p: _flag(p, "closedStatus"),
        inactive=lambda p: _flag(p, "inactive"),
    ),
    _board_child("board_types", "board types", "/service/boards/{parent_id}/types", ref.BoardType),
    _board_child("board_subtypes", "board subtypes", "/service/boards/{parent_id}/subtypes", ref.BoardSubType),
    _board_child("board_items", "board items", "/service/boards/{parent_id}/items", ref.BoardItem),
    ObjectType(
        "priorities",
        "priorities",
        "/service/priorities",
        ref.Priority,
        lambda p: {"name": _s(p, "name"), "sort": _int(p.get("sort"))},
    ),
    ObjectType(
        "project_boards", "project boards", "/project/boards", ref.ProjectBoard, lambda p: {"name": _s(p, "name")}
    ),
    _board_child(
        "project_statuses",
        "project statuses",
        "/project/boards/{parent_id}/statuses",
        ref.ProjectBoardStatus,
        closed=lambda p: _flag(p, "closedFlag"),
    ),
    ObjectType(
        "configuration_types",
        "configuration types",
        "/company/configurations/types",
        ref.ConfigurationType,
        lambda p: {"name": _s(p, "name"), "inactive": _flag(p, "inactiveFlag")},
    ),
    ObjectType(
        "custom_fields",
        "custom fields",
        "/system/userDefinedFields",
        ref.CustomFieldDefinition,
        lambda p: {
            "caption": _s(p, "caption"),
            "screen_id": _s(p, "screenId", 100),
            "field_type": _s(p, "fieldTypeIdentifier", 50),
        },
    ),
)


def children_of(key: str) -> list[ObjectType]:
    return [t for t in OBJECT_TYPES if t.parent == key]


class UnknownObjectType(ValueError):
    """A type name that is not in the registry."""


def object_types_resolve(names: Iterable[str] | None, *, include_children: bool = True) -> list[ObjectType]:
    """The registry entries for `names` (all when None), in registry order; a parent brings its children along.

    A child named alone brings its parent, since children are only fetched for the parents a sync returns.
    """
    if not names:
        return list(OBJECT_TYPES)
    wanted: set[str] = set()
    for raw in names:
        key = raw.strip().replace("-", "_").replace(" ", "_")
        if not key:
            continue
        if key not in BY_KEY:
            raise UnknownObjectType(f"Unknown object type {raw!r}; choose from: {', '.join(BY_KEY)}")
        wanted.add(key)
        if include_children:
            wanted.update(child.key for child in children_of(key))
        if parent := BY_KEY[key].parent:
            wanted.add(parent)
    return [t for t in OBJECT_TYPES if t.key in wanted]
