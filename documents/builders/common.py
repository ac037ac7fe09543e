"""Shared pieces of the context builders: the connection, selected records, allow-listed shapes of PSA records.

Every shape below copies named fields out of a cached payload into a new dict (an allow-list): templates never
get ORM objects, `_info` links, the payload wholesale, or anything of the Connection but our company's details.
Dates stay ISO 8601 strings (the `date` filter formats them); money and hours are numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Q, QuerySet

from documents.contexts import VariableInfo
from documents.errors import ContextBuildError
from integrations.models import CachedRecord, Company, CompanySite, Configuration, Connection, Contact, Member

Record = TypeVar("Record", bound=CachedRecord)
Payload = dict[str, Any]

# Configuration questions of these types hold secrets (passwords); their answers never reach a template.
SECRET_QUESTION_TYPES = frozenset({"password"})
SECRET_CAPTION = re.compile(r"pass(word|phrase)|secret|api.?key|token|credential", re.I)


# --- connection and selected records ------------------------------------------------------------------------


def builder_connection(options: dict[str, Any]) -> Connection:
    """The connection documents read from: `options["connection_id"]` when given, else the default active one."""
    connections = Connection.objects.filter(is_active=True)
    connection_id = options.get("connection_id")
    if connection_id is not None:
        connection = connections.filter(pk=connection_id).first()
    else:
        connection = connections.order_by("-is_default", "name").first()
    if connection is None:
        raise ContextBuildError(
            "No active ConnectWise connection: add one (or mark one active) under Integrations › Connections, "
            "then run a sync."
        )
    return connection


def selected_records(
    *,
    model: type[Record],
    connection: Connection,
    record_ids: Sequence[int],
    label: str,
    queryset: QuerySet | None = None,
) -> list[Record]:
    """The selected records in the order given; a record that vanished or was never synced is a ContextBuildError."""
    found = {row.psa_id: row for row in model.objects.filter(connection=connection, psa_id__in=list(record_ids))}
    records = []
    for record_id in record_ids:
        row = found.get(record_id)
        if row is None:
            raise ContextBuildError(
                f"{label} #{record_id} is not in the portal's copy of ConnectWise ({connection.name}): check the "
                "number, or run a sync if it was created recently."
            )
        if row.is_deleted:
            deleted_on = text(row.data.get("dateDeleted"))[:10] or row.synced_at.date().isoformat()
            raise ContextBuildError(
                f"{label} #{record_id} is no longer in ConnectWise (deleted on {deleted_on}); pick another record."
            )
        records.append(row)
    return records


def live(model: type[Record], connection: Connection) -> QuerySet[Record]:
    """Rows of one cache table for the connection, without the ones deleted in the PSA."""
    return model.objects.filter(connection=connection, is_deleted=False)


def several(contexts: list[Payload], aggregates: Payload) -> Payload:
    """Several selected records: the first one's variables at the top level, every one under `records`."""
    return {**contexts[0], "records": contexts, "aggregates": {"count": len(contexts), **aggregates}}


# --- value helpers ------------------------------------------------------------------------------------------


def text(value: Any) -> str:
    return "" if value is None else str(value)


def number(value: Any) -> float:
    """A number for arithmetic in templates (None and junk count as 0)."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | Decimal):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def opt_number(value: Any) -> float | None:
    return None if value is None or value == "" else number(value)


def ref_name(payload: Payload, key: str, attr: str = "name") -> str:
    """`payload[key][attr]` for a ConnectWise reference (board, status, member…), "" when absent."""
    value = payload.get(key)
    return text(value.get(attr)) if isinstance(value, dict) else ""


def snake(caption: str) -> str:
    """A custom field caption as a variable name: "Contract Tier" → contract_tier, "Go-Live Date" → go_live_date."""
    name = re.sub(r"[^0-9a-zA-Z]+", "_", caption).strip("_").lower()
    return f"field_{name}" if name[:1].isdigit() else name


def custom_fields(payload: Payload) -> dict[str, Any]:
    """Custom fields keyed by snake_case caption (`company.custom.contract_tier`); unset ones are None."""
    fields: dict[str, Any] = {}
    for field in payload.get("customFields") or []:
        if not isinstance(field, dict) or not field.get("caption"):
            continue
        caption = str(field["caption"])
        if SECRET_CAPTION.search(caption) or str(field.get("type", "")).lower() in SECRET_QUESTION_TYPES:
            continue
        value = field.get("value")
        fields[snake(caption)] = value if isinstance(value, str | int | float | bool) or value is None else str(value)
    return fields


def address_line(payload: Payload, state_key: str = "state") -> str:
    state = payload.get(state_key)
    if isinstance(state, dict):
        state = state.get("identifier") or state.get("name")
    parts = [
        payload.get("addressLine1"),
        payload.get("addressLine2"),
        " ".join(part for part in (text(payload.get("zip")), text(payload.get("city"))) if part),
        text(state),
        ref_name(payload, "country"),
    ]
    return ", ".join(text(part) for part in parts if part)


# --- shapes -------------------------------------------------------------------------------------------------


def company_shape(row: Company | None) -> Payload:
    data = row.data if row is not None else {}
    types = [text(t.get("name")) for t in data.get("types") or [] if isinstance(t, dict)]
    currency = data.get("currency") if isinstance(data.get("currency"), dict) else {}
    return {
        "id": data.get("id"),
        "identifier": text(data.get("identifier")),
        "name": text(data.get("name")),
        "status": ref_name(data, "status"),
        "types": ", ".join(types),
        "address_line1": text(data.get("addressLine1")),
        "address_line2": text(data.get("addressLine2")),
        "city": text(data.get("city")),
        "state": text(data.get("state")),
        "zip": text(data.get("zip")),
        "country": ref_name(data, "country"),
        "address": address_line(data),
        "phone": text(data.get("phoneNumber")),
        "website": text(data.get("website")),
        "territory": ref_name(data, "territory"),
        "market": ref_name(data, "market"),
        "account_number": text(data.get("accountNumber")),
        "number_of_employees": data.get("numberOfEmployees"),
        "date_acquired": text(data.get("dateAcquired")),
        "billing_terms": ref_name(data, "billingTerms"),
        "currency_symbol": text(currency.get("symbol")) or "$",
        "currency_code": text(currency.get("currencyCode")),
        "custom": custom_fields(data),
    }


COMPANY_FIELDS = [
    ("id", "ConnectWise company id", 91),
    ("identifier", "Company identifier", "SummitAutoRepairLtd89"),
    ("name", "Company name", "Summit Auto Repair Ltd"),
    ("status", "Company status", "Active"),
    ("types", "Company types, comma separated", "Client"),
    ("address_line1", "Address line 1", "4888 Elm Court"),
    ("address_line2", "Address line 2", ""),
    ("city", "City", "Denver"),
    ("state", "State", "CO"),
    ("zip", "Postal code", "80202"),
    ("country", "Country", "United States"),
    ("address", "Full address on one line", "4888 Elm Court, 80202 Denver, CO, United States"),
    ("phone", "Main phone number", "5415557176"),
    ("website", "Website", "www.example.com"),
    ("territory", "Territory", "Tampa Office"),
    ("market", "Market", "Small Business"),
    ("account_number", "Account number", "AC00091"),
    ("number_of_employees", "Number of employees", 57),
    ("date_acquired", "Client since (use |date)", "2020-10-10T17:08:33Z"),
    ("billing_terms", "Billing terms", "Net 30 days"),
    ("currency_symbol", "Currency symbol (use with |money)", "$"),
    ("currency_code", "Currency code", "USD"),
    ("custom.<caption>", "A custom field by its caption in snake_case, e.g. custom.contract_tier", "Gold"),
]


def contact_shape(row: Contact | None) -> Payload:
    data = row.data if row is not None else {}
    email = phone = ""
    for item in data.get("communicationItems") or []:
        if not isinstance(item, dict):
            continue
        kind = item.get("communicationType")
        if kind == "Email" and (not email or item.get("defaultFlag")):
            email = text(item.get("value"))
        elif kind == "Phone" and (not phone or item.get("defaultFlag")):
            phone = text(item.get("value"))
    first, last = text(data.get("firstName")), text(data.get("lastName"))
    return {
        "id": data.get("id"),
        "first_name": first,
        "last_name": last,
        "name": f"{first} {last}".strip(),
        "title": text(data.get("title")),
        "email": email,
        "phone": phone or text(data.get("defaultPhoneNbr")),
        "department": ref_name(data, "department"),
        "site": ref_name(data, "site"),
        "company_name": ref_name(data, "company"),
        "inactive": bool(data.get("inactiveFlag")),
        "custom": custom_fields(data),
    }


CONTACT_FIELDS = [
    ("id", "ConnectWise contact id", 351),
    ("first_name", "First name", "Noah"),
    ("last_name", "Last name", "Jones"),
    ("name", "Full name", "Noah Jones"),
    ("title", "Job title", "IT Manager"),
    ("email", "Default email address", "noah.jones@example.com"),
    ("phone", "Default phone number", "5255554220"),
    ("department", "Department", ""),
    ("site", "Site", "Main"),
    ("company_name", "Company name", "Summit Auto Repair Ltd"),
    ("inactive", "Inactive in ConnectWise", False),
    ("custom.<caption>", "A custom field by its caption in snake_case", None),
]


def member_shape(row: Member | None, fallback: Payload | None = None) -> Payload:
    """A member (project manager, owner, sales rep); `fallback` is the reference in the payload when not cached."""
    data = row.data if row is not None else {}
    fallback = fallback or {}
    name = f"{text(data.get('firstName'))} {text(data.get('lastName'))}".strip() or text(fallback.get("name"))
    return {
        "identifier": text(data.get("identifier") or fallback.get("identifier")),
        "name": name,
        "title": text(data.get("title")),
        "email": text(data.get("primaryEmail") or data.get("officeEmail")),
        "phone": text(data.get("officePhone") or data.get("mobilePhone")),
    }


MEMBER_FIELDS = [
    ("identifier", "Member identifier", "jpatel"),
    ("name", "Full name", "Jürgen Patel"),
    ("title", "Job title", "Project Manager"),
    ("email", "Email address", "jpatel@demo-msp.example.net"),
    ("phone", "Office phone", "8135550124"),
]


def site_shape(row: CompanySite) -> Payload:
    data = row.data
    return {
        "id": data.get("id"),
        "name": text(data.get("name")),
        "address": address_line(data, "stateReference"),
        "city": text(data.get("city")),
        "phone": text(data.get("phoneNumber")),
        "primary": bool(data.get("primaryAddressFlag")),
    }


SITE_FIELDS = [
    ("id", "Site id", 127),
    ("name", "Site name", "Main"),
    ("address", "Address on one line", "4888 Elm Court, 80202 Denver, United States"),
    ("city", "City", "Denver"),
    ("phone", "Phone number", "8435559816"),
    ("primary", "Primary address", True),
]


def configuration_shape(row: Configuration) -> Payload:
    data = row.data
    questions = [
        {"question": text(q.get("question")), "answer": text(q.get("answer"))}
        for q in sorted(
            (q for q in data.get("questions") or [] if isinstance(q, dict)),
            key=lambda q: number(q.get("sequenceNumber")),
        )
        if str(q.get("fieldType", "")).lower() not in SECRET_QUESTION_TYPES
        and not SECRET_CAPTION.search(text(q.get("question")))
        and q.get("answer") not in (None, "")
    ]
    return {
        "id": data.get("id"),
        "name": text(data.get("name")),
        "type": ref_name(data, "type"),
        "status": ref_name(data, "status"),
        "active": bool(data.get("activeFlag", row.active)),
        "site": ref_name(data, "site"),
        "contact_name": ref_name(data, "contact"),
        "manufacturer": ref_name(data, "manufacturer"),
        "model_number": text(data.get("modelNumber")),
        "serial_number": text(data.get("serialNumber")),
        "tag_number": text(data.get("tagNumber")),
        "ip_address": text(data.get("ipAddress")),
        "mac_address": text(data.get("macAddress")),
        "default_gateway": text(data.get("defaultGateway")),
        "os_type": text(data.get("osType")),
        "os_info": text(data.get("osInfo")),
        "cpu_speed": text(data.get("cpuSpeed")),
        "ram": text(data.get("ram")),
        "last_login_name": text(data.get("lastLoginName")),
        "purchase_date": text(data.get("purchaseDate")),
        "installation_date": text(data.get("installationDate")),
        "warranty_expiration_date": text(data.get("warrantyExpirationDate")),
        "vendor": ref_name(data, "vendor"),
        "notes": text(data.get("notes")),
        "questions": questions,
        "custom": custom_fields(data),
    }


CONFIGURATION_FIELDS = [
    ("id", "Configuration id", 482),
    ("name", "Name", "LAKESI-FW06"),
    ("type", "Configuration type", "Firewall"),
    ("status", "Status", "Active"),
    ("active", "Active", True),
    ("site", "Site", "Dublin Office"),
    ("contact_name", "Contact", ""),
    ("manufacturer", "Manufacturer", "Cisco"),
    ("model_number", "Model number", "USW-24-POE"),
    ("serial_number", "Serial number", "CI29E0CABBA6"),
    ("tag_number", "Asset tag", "AT-000482"),
    ("ip_address", "IP address", "10.99.1.7"),
    ("mac_address", "MAC address", "2B:D6:58:8B:EA:04"),
    ("default_gateway", "Default gateway", "10.99.1.1"),
    ("os_type", "Operating system", "Windows Server 2022"),
    ("os_info", "Operating system details", ""),
    ("cpu_speed", "CPU speed", ""),
    ("ram", "Memory", ""),
    ("last_login_name", "Last login name", ""),
    ("purchase_date", "Purchase date (use |date)", "2026-08-17T18:34:37Z"),
    ("installation_date", "Installation date (use |date)", "2026-09-06T18:34:37Z"),
    ("warranty_expiration_date", "Warranty expiration (use |date)", "2031-08-16T18:34:37Z"),
    ("vendor", "Vendor", "Demo MSP Solutions"),
    ("notes", "Notes", "Loaner – return by Q4."),
    ("questions[].question", "Configuration question (password answers are never included)", "Firmware Version"),
    ("questions[].answer", "Its answer", "6.0.10"),
    ("custom.<caption>", "A custom field by its caption in snake_case", None),
]


def documented(prefix: str, fields: Iterable[tuple[str, str, Any]]) -> list[VariableInfo]:
    """VariableInfo rows for a shape documented once (e.g. COMPANY_FIELDS) under `prefix` (e.g. `company`)."""
    return [VariableInfo(f"{prefix}.{name}", description, sample) for name, description, sample in fields]


# --- our company --------------------------------------------------------------------------------------------


def my_company_context(connection: Connection) -> Payload:
    """Our company's details: the PSA's own company (type Owner) plus /system/myCompany and /system/info data."""
    owner = (
        live(Company, connection)
        .filter(Q(type_names__icontains="Owner") | Q(identifier__iexact=connection.company_id))
        .order_by("psa_id")
        .first()
    )
    shape = company_shape(owner)
    settings = connection.my_company if isinstance(connection.my_company, dict) else {}
    info = connection.system_info if isinstance(connection.system_info, dict) else {}
    return {
        "name": shape["name"] or connection.name,
        "address": shape["address"],
        "phone": shape["phone"],
        "email": text(settings.get("defaultFromAddress")),
        "website": shape["website"],
        "time_zone": ref_name(settings, "serverTimeZone") or text(info.get("serverTimeZone")),
    }


MY_COMPANY_VARIABLES = [VariableInfo("my_company.time_zone", "Our PSA's time zone", "Eastern Standard Time")]


def members_by_identifier(connection: Connection, identifiers: Iterable[str]) -> dict[str, Member]:
    wanted = {identifier for identifier in identifiers if identifier}
    if not wanted:
        return {}
    return {m.identifier: m for m in Member.objects.filter(connection=connection, identifier__in=wanted)}


def by_psa_id(model: type[Record], connection: Connection, psa_ids: Iterable[int | None]) -> dict[int, Record]:
    wanted = {psa_id for psa_id in psa_ids if psa_id is not None}
    if not wanted:
        return {}
    return {row.psa_id: row for row in live(model, connection).filter(psa_id__in=wanted)}


def count_by(values: Iterable[str], empty: str = "(none)") -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        key = value or empty
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
