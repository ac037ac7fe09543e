"""Deterministic, lazily built ConnectWise data for the emulator: compact columns at start, full records on demand."""

from __future__ import annotations

import random
import re
import unicodedata
import uuid
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import pools
from .query import format_timestamp

BASE = "{{base}}"  # replaced by the request's API root when a response is serialised
ANCHOR = int(datetime(2026, 10, 1, tzinfo=UTC).timestamp())  # "now" of the generated history; fixed for determinism
DAY = 86_400
YEAR = 365 * DAY

Record = dict[str, Any]


# --------------------------------------------------------------------------------------------------- scale


@dataclass(frozen=True)
class Scale:
    """How many of each top-level thing to generate; everything else is drawn per parent."""

    companies: int
    tickets: int
    members: int
    projects: int
    opportunities: int
    orders: int
    invoices: int
    activities: int
    documents: int

    @classmethod
    def from_name(cls, scale: str | int) -> Scale:
        if scale == "demo":
            return cls(
                companies=8,
                tickets=60,
                members=8,
                projects=3,
                opportunities=5,
                orders=3,
                invoices=12,
                activities=15,
                documents=10,
            )
        if scale == "small":
            return cls.for_tickets(1000)
        if scale == "large":
            return cls.for_tickets(100_000)
        try:
            tickets = int(scale)
        except (TypeError, ValueError):
            raise ValueError(f"Unknown scale {scale!r}: use demo, small, large or a number of tickets.") from None
        if tickets < 1:
            raise ValueError("The number of tickets must be at least 1.")
        return cls.for_tickets(tickets)

    @classmethod
    def for_tickets(cls, tickets: int) -> Scale:
        companies = max(8, tickets // 10)
        return cls(
            companies=companies,
            tickets=tickets,
            members=min(250, max(10, tickets // 40)),
            projects=max(3, tickets // 100),
            opportunities=max(5, companies // 2),
            orders=max(3, companies // 3),
            invoices=max(10, tickets // 5),
            activities=max(10, tickets // 4),
            documents=max(10, tickets // 8),
        )


# --------------------------------------------------------------------------------------------------- layout helpers


class Groups:
    """Children laid out contiguously per parent: parent k owns child indexes starts[k] .. starts[k+1]-1."""

    def __init__(self, counts: Iterable[int]) -> None:
        self.starts = array("q", [0])
        total = 0
        for count in counts:
            total += count
            self.starts.append(total)
        self.total = total

    def children(self, parent_index: int) -> range:
        return range(self.starts[parent_index], self.starts[parent_index + 1])

    def parent(self, child_index: int) -> int:
        return bisect_right(self.starts, child_index) - 1


def spread_epochs(rng: random.Random, count: int, span: int, *, settle: float = 0.15) -> tuple[array, array]:
    """dateEntered rising with the id over `span` seconds before ANCHOR, and lastUpdated some time after it."""
    entered = array("q", bytes(8 * count))
    updated = array("q", bytes(8 * count))
    start = ANCHOR - span
    step = span / max(count, 1)
    for index in range(count):
        created = int(start + index * step + rng.random() * step)
        entered[index] = created
        # Most records settle soon after creation; a few are touched much later (edits, closes, syncs).
        age = ANCHOR - created
        updated[index] = created + int(age * (rng.random() ** 6 if rng.random() > settle else rng.random()))
    return entered, updated


def ascii_fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded.replace("ø", "o")


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", ascii_fold(text)) or "X"


def ts(epoch: int) -> str:
    return format_timestamp(epoch)


def ref(kind: str, path: str, record_id: int, **fields: Any) -> Record:
    """A ConnectWise reference object: {id, <fields>, _info: {<kind>_href}}."""
    out: Record = {"id": record_id}
    out.update({k: v for k, v in fields.items() if v is not None})
    out["_info"] = {f"{kind}_href": f"{BASE}/{path}/{record_id}"}
    return out


def info(entered: int, updated: int, entered_by: str, updated_by: str, **hrefs: str) -> Record:
    data: Record = {
        "lastUpdated": ts(updated),
        "updatedBy": updated_by,
        "dateEntered": ts(entered),
        "enteredBy": entered_by,
    }
    data.update({f"{name}_href": f"{BASE}/{target}" for name, target in hrefs.items()})
    return data


def compact(record: Record) -> Record:
    """Drop None-valued fields: ConnectWise omits nulls rather than sending them (keys in KEEP_NULL excepted)."""
    return {k: v for k, v in record.items() if v is not None or k in KEEP_NULL}


# Nullable fields that real payloads do carry as explicit nulls, so clients must cope with both forms.
KEEP_NULL = frozenset({"parentTicketId", "budgetHours", "annualRevenue", "numberOfEmployees", "hoursBilled"})


def seeded(seed: int, kind: str, record_id: int) -> random.Random:
    """The per-record generator: the same (seed, type, id) always yields the same record."""
    code = _KIND_CODES.get(kind)
    if code is None:
        code = _KIND_CODES[kind] = sum((index + 1) * ord(char) for index, char in enumerate(kind))
    return random.Random((seed * 1_000_003 + code) * 10_000_019 + record_id)


_KIND_CODES: dict[str, int] = {}


# --------------------------------------------------------------------------------------------------- tables


@dataclass
class Table:
    """One served collection: how to list its ids, build a record, and relate it to its parent."""

    key: str  # "service/tickets", or "service/tickets/notes" for a child list
    noun: str  # for 404 messages
    ids: Sequence[int]
    build: Callable[[int], Record]
    spec_path: str  # the path template in the official spec, for schema tests
    schema: str
    parent_key: str | None = None
    parent_of: Callable[[int], int] | None = None
    children_of: Callable[[int], Iterable[int]] | None = None
    epochs: Callable[[int], dict[str, int]] | None = None  # precomputed _info timestamps for fast filters
    column: Callable[[int, str], Any] | None = None  # cheap per-id columns (recordType/recordId on documents)


CUSTOM_FIELD_DEFS: dict[str, list[dict[str, Any]]] = {
    "Company": [
        {"id": 1, "caption": "Contract No", "type": "Text", "entryMethod": "EntryField", "numberOfDecimals": 0},
        {"id": 2, "caption": "Onboarded", "type": "Checkbox", "entryMethod": "EntryField", "numberOfDecimals": 0},
        {"id": 3, "caption": "Backup Tier", "type": "Text", "entryMethod": "List", "numberOfDecimals": 0},
    ],
    "Ticket": [
        {"id": 4, "caption": "Root Cause", "type": "Text", "entryMethod": "List", "numberOfDecimals": 0},
        {
            "id": 5,
            "caption": "Billable Override",
            "type": "Checkbox",
            "entryMethod": "EntryField",
            "numberOfDecimals": 0,
        },
    ],
    "Configuration": [
        {"id": 6, "caption": "Asset Verified", "type": "Date", "entryMethod": "Date", "numberOfDecimals": 0},
        {"id": 7, "caption": "Rack Units", "type": "Number", "entryMethod": "EntryField", "numberOfDecimals": 0},
    ],
    "Project": [
        {"id": 8, "caption": "Go-Live Date", "type": "Date", "entryMethod": "Date", "numberOfDecimals": 0},
    ],
}
CUSTOM_FIELD_SCREENS = {"Company": "fv_company", "Ticket": "fv_sr", "Configuration": "fv_config", "Project": "fv_pm"}

SERVICE_BOARDS = (
    (1, "Help Desk", False),
    (2, "Network Operations", False),
    (3, "Alerts & Monitoring", False),
    (4, "Procurement", False),
    (10, "Projects", True),
    (11, "Professional Services", True),
)
SERVICE_STATUSES = (
    ("New", False, "NotResponded"),
    ("Assigned", False, "Responded"),
    ("In Progress", False, "ResolutionPlan"),
    ("Waiting on Client", False, "NoEscalation"),
    ("Scheduled", False, "NoEscalation"),
    ("Completed", True, "Resolved"),
    ("Closed", True, "Resolved"),
)
PROJECT_TICKET_STATUSES = (
    ("New", False, "NotResponded"),
    ("Open", False, "Responded"),
    ("In Progress", False, "ResolutionPlan"),
    ("Completed", True, "Resolved"),
)
BOARD_TYPES = (
    ("Incident", "Reactive"),
    ("Service Request", "Proactive"),
    ("Problem", "Reactive"),
    ("Change", "Proactive"),
)
BOARD_SUBTYPES = ("Hardware", "Software", "Network", "Email", "Security", "Account")
BOARD_ITEMS = ("Password Reset", "New User", "Printer", "VPN", "Backup", "Licensing")
PRIORITIES = (
    (1, "Priority 1 - Emergency Response", "Red", "Critical"),
    (2, "Priority 2 - Quick Response", "Orange", "High"),
    (3, "Priority 3 - Normal Response", "Green", "Medium"),
    (4, "Priority 4 - Schedule Maintenance", "Blue", "Low"),
    (5, "Do Not Respond", "Gray", "Low"),
)
CONFIG_TYPES = (
    (1, "Workstation", (("Operating System", "Text"), ("RAM (GB)", "Number"), ("Encrypted (BitLocker)", "Checkbox"))),
    (2, "Laptop", (("Operating System", "Text"), ("RAM (GB)", "Number"), ("Encrypted (BitLocker)", "Checkbox"))),
    (
        3,
        "Server",
        (("Operating System", "Text"), ("RAID Level", "Text"), ("Backup Solution", "Text"), ("Admin URL", "Hyperlink")),
    ),
    (4, "Firewall", (("Firmware Version", "Text"), ("WAN IP", "IPAddress"), ("Admin Password", "Password"))),
    (5, "Switch", (("Firmware Version", "Text"), ("Port Count", "Number"))),
    (6, "Wireless Access Point", (("Firmware Version", "Text"), ("SSIDs", "TextArea"))),
    (7, "Printer", (("Toner Model", "Text"),)),
)
CONFIG_TYPE_WEIGHTS = (55, 15, 10, 5, 5, 5, 5)
CONFIG_STATUSES = (
    (1, "Active", False, True),
    (2, "Inactive", False, False),
    (3, "Retired", True, False),
    (4, "In Repair", False, False),
)
DOCUMENT_RECORD_TYPES = ("Ticket", "Company", "Configuration", "Project")


class Dataset:
    """All generated data of one emulator instance; immutable once built (mutations live in the store)."""

    def __init__(self, seed: int, scale: str | int) -> None:
        self.seed = seed
        self.scale = Scale.from_name(scale)
        self.demo = scale == "demo"
        self.tables: dict[str, Table] = {}
        self._company_names: dict[int, str] = {}
        self._contact_names: dict[int, tuple[str, str]] = {}
        self._lay_out()
        self._build_static_tables()
        self._register_tables()

    # ------------------------------------------------------------------ layout (compact columns)

    def _rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}/{name}")

    def _lay_out(self) -> None:
        s = self.scale
        rng = self._rng("layout")
        self.company_base, self.contact_base, self.site_base, self.config_base = 1, 0, 0, 0
        self.ticket_base = 1000
        self.project_ticket_base = self.ticket_base + s.tickets + 1000
        self.member_base = 100

        self.company_entered, self.company_updated = spread_epochs(rng, s.companies, 6 * YEAR)
        client_range = range(1, s.companies)  # company index 0 is the MSP itself (type Owner)
        self.sites = Groups([1] + [1 + (rng.random() < 0.35) + (rng.random() < 0.1) for _ in client_range])
        self.contacts = Groups([3] + [rng.randint(2, 6) for _ in client_range])
        self.company_notes = Groups(rng.randint(0, 3) for _ in range(s.companies))
        self.configs = Groups([4] + [rng.randint(1, 9) for _ in client_range])
        self.agreements = Groups([0] + [(rng.random() < 0.85) + (rng.random() < 0.25) for _ in client_range])
        self.contact_entered, self.contact_updated = spread_epochs(rng, self.contacts.total, 5 * YEAR)
        self.config_entered, self.config_updated = spread_epochs(rng, self.configs.total, 5 * YEAR)
        self.agreement_entered, self.agreement_updated = spread_epochs(rng, self.agreements.total, 4 * YEAR)
        self.additions = Groups(rng.randint(1, 5) for _ in range(self.agreements.total))

        def client() -> int:
            return rng.randint(1, s.companies - 1)

        self.ticket_company = array("i", (client() for _ in range(s.tickets)))
        self.ticket_entered, self.ticket_updated = spread_epochs(rng, s.tickets, 2 * YEAR)
        self.ticket_notes = Groups(rng.randint(1, 4) for _ in range(s.tickets))
        self.ticket_tasks = Groups(rng.choice((0, 0, 1, 2)) for _ in range(s.tickets))

        self.project_company = array("i", (client() for _ in range(s.projects)))
        self.project_entered, self.project_updated = spread_epochs(rng, s.projects, 2 * YEAR)
        self.phases = Groups(rng.randint(2, 5) for _ in range(s.projects))
        self.project_notes = Groups(rng.randint(0, 3) for _ in range(s.projects))
        self.team_members = Groups(rng.randint(2, 4) for _ in range(s.projects))
        self.phase_tickets = Groups(rng.randint(1, 4) for _ in range(self.phases.total))
        self.project_ticket_notes = Groups(rng.randint(0, 3) for _ in range(self.phase_tickets.total))
        self.project_ticket_tasks = Groups(rng.randint(0, 3) for _ in range(self.phase_tickets.total))

        # Time entries: first those charged to service tickets, then those charged to project tickets.
        self.service_time = Groups(rng.choice((0, 1, 1, 2, 3)) for _ in range(s.tickets))
        self.project_time = Groups(rng.randint(0, 2) for _ in range(self.phase_tickets.total))
        self.time_total = self.service_time.total + self.project_time.total
        self.time_entered, self.time_updated = spread_epochs(rng, self.time_total, 2 * YEAR)

        self.opportunity_company = array("i", (client() for _ in range(s.opportunities)))
        self.opportunity_entered, self.opportunity_updated = spread_epochs(rng, s.opportunities, 3 * YEAR)
        self.forecast_items = Groups(rng.randint(1, 4) for _ in range(s.opportunities))
        self.opportunity_notes = Groups(rng.randint(0, 2) for _ in range(s.opportunities))
        self.order_company = array("i", (client() for _ in range(s.orders)))
        self.order_entered, self.order_updated = spread_epochs(rng, s.orders, 3 * YEAR)
        self.order_lines = Groups(rng.randint(1, 4) for _ in range(s.orders))

        # An invoice bills a ticket or an agreement; its company follows from that record.
        self.invoice_source = array("i", (rng.randrange(s.tickets) for _ in range(s.invoices)))
        self.invoice_entered, self.invoice_updated = spread_epochs(rng, s.invoices, 2 * YEAR)
        self.activity_ticket = array("i", (rng.randrange(s.tickets) for _ in range(s.activities)))
        self.activity_entered, self.activity_updated = spread_epochs(rng, s.activities, 2 * YEAR)
        self.document_kind = array("b", (rng.randrange(len(DOCUMENT_RECORD_TYPES)) for _ in range(s.documents)))
        self.document_target = array("i", (rng.randrange(1 << 30) for _ in range(s.documents)))
        self.document_entered, self.document_updated = spread_epochs(rng, s.documents, 2 * YEAR)

    # ------------------------------------------------------------------ id helpers

    def company_id(self, index: int) -> int:
        return self.company_base + 1 + index

    def company_index(self, company_id: int) -> int:
        return company_id - self.company_base - 1

    def ticket_id(self, index: int) -> int:
        return self.ticket_base + 1 + index

    def project_ticket_id(self, index: int) -> int:
        return self.project_ticket_base + 1 + index

    def member_id(self, index: int) -> int:
        return self.member_base + 1 + index

    # ------------------------------------------------------------------ static tables

    def _build_static_tables(self) -> None:
        rng = self._rng("static")
        created = ANCHOR - 7 * YEAR
        self.static_info = info(created, created + YEAR, "ZAdmin", "ZAdmin")
        self.members: list[Record] = []
        used: set[str] = set()
        titles = (
            "Service Manager",
            "Senior Engineer",
            "Service Desk Technician",
            "Network Engineer",
            "Project Manager",
            "Account Manager",
            "Dispatcher",
            "Field Technician",
        )
        for index in range(self.scale.members):
            first, last = rng.choice(pools.FIRST_NAMES), rng.choice(pools.LAST_NAMES)
            identifier = slug(first[0] + last)[:13].lower()
            while identifier in used:
                identifier = identifier[:12] + str(len(used) % 10)
            used.add(identifier)
            self.members.append(
                {"first": first, "last": last, "identifier": identifier, "title": titles[index % len(titles)]}
            )
        self.members[0].update(first="Dana", last="Whitfield", identifier="dwhitfield", title="Service Manager")
        self.technicians = list(range(1, len(self.members)))
        self.board_statuses: dict[int, list[int]] = {}
        self.status_names: dict[int, tuple[str, bool, int]] = {}
        next_status = 1
        for board_id, _name, is_project in SERVICE_BOARDS:
            statuses = PROJECT_TICKET_STATUSES if is_project else SERVICE_STATUSES
            self.board_statuses[board_id] = []
            for sort, (status_name, closed, _esc) in enumerate(statuses):
                self.board_statuses[board_id].append(next_status)
                self.status_names[next_status] = (status_name, closed, sort)
                next_status += 1

    def member_ref(self, index: int) -> Record:
        member = self.members[index]
        return ref(
            "member",
            "system/members",
            self.member_id(index),
            identifier=member["identifier"],
            name=f"{member['first']} {member['last']}",
            dailyCapacity=8.0,
        )

    def member_identifier(self, index: int) -> str:
        return self.members[index]["identifier"]

    # ------------------------------------------------------------------ shared references

    def company_name(self, index: int) -> str:
        # Names are asked for several times per record (refs, domains, identifiers), so they are memoised.
        name = self._company_names.get(index)
        if name is None:
            name = self._company_names[index] = self._make_company_name(index)
        return name

    def _make_company_name(self, index: int) -> str:
        if self.demo and index < len(pools.DEMO_COMPANIES):
            return pools.DEMO_COMPANIES[index][0]
        if index == 0:
            return "Demo MSP Solutions"
        rng = seeded(self.seed, "company-name", index)
        if index % 23 == 5:
            return pools.UNUSUAL_COMPANIES[(index // 23) % len(pools.UNUSUAL_COMPANIES)]
        name = (
            f"{rng.choice(pools.COMPANY_STEMS)} {rng.choice(pools.COMPANY_TRADES)} {rng.choice(pools.COMPANY_SUFFIXES)}"
        )
        return name.strip()

    def company_identifier(self, index: int) -> str:
        return (slug(self.company_name(index))[:24] + (str(index) if index else ""))[:30]

    def company_ref(self, index: int) -> Record:
        return ref(
            "company",
            "company/companies",
            self.company_id(index),
            identifier=self.company_identifier(index),
            name=self.company_name(index),
        )

    def company_domain(self, index: int) -> str:
        return slug(self.company_name(index))[:20].lower() + (".example.com" if index else ".example.net")

    def contact_name(self, contact_index: int) -> tuple[str, str]:
        name = self._contact_names.get(contact_index)
        if name is None:
            rng = seeded(self.seed, "contact-name", contact_index)
            name = self._contact_names[contact_index] = (rng.choice(pools.FIRST_NAMES), rng.choice(pools.LAST_NAMES))
        return name

    def contact_ref(self, contact_index: int) -> Record:
        first, last = self.contact_name(contact_index)
        return ref("contact", "company/contacts", self.contact_base + 1 + contact_index, name=f"{first} {last}")

    def site_name(self, company_index: int, site_index: int) -> str:
        first = self.sites.children(company_index).start
        if site_index == first:
            return "Main"
        city = pools.CITIES[site_index % len(pools.CITIES)][0]
        return f"{city} Office"

    def site_ref(self, company_index: int, site_index: int) -> Record:
        return ref(
            "site",
            f"company/companies/{self.company_id(company_index)}/sites",
            self.site_base + 1 + site_index,
            name=self.site_name(company_index, site_index),
        )

    def board_ref(self, board_id: int) -> Record:
        name = next(name for bid, name, _p in SERVICE_BOARDS if bid == board_id)
        return ref("board", "service/boards", board_id, name=name)

    def status_ref(self, board_id: int, status_id: int) -> Record:
        name, _closed, sort = self.status_names[status_id]
        return ref("status", f"service/boards/{board_id}/statuses", status_id, name=name, sort=sort)

    def priority_ref(self, priority_id: int) -> Record:
        _pid, name, _color, level = PRIORITIES[priority_id - 1]
        return {
            "id": priority_id,
            "name": name,
            "sort": priority_id,
            "level": level,
            "_info": {
                "priority_href": f"{BASE}/service/priorities/{priority_id}",
                "image_href": f"{BASE}/service/priorities/{priority_id}/image?lm=2019-05-14T15:41:12Z",
            },
        }

    def country_ref(self, code: str) -> Record:
        country_id, name = pools.COUNTRIES[code]
        return ref("country", "company/countries", country_id, identifier=code, name=name)

    def simple_ref(self, kind: str, path: str, record_id: int, name: str) -> Record:
        return ref(kind, path, record_id, name=name)

    def custom_fields(self, pod: str, rng: random.Random) -> list[Record]:
        fields = []
        for definition in CUSTOM_FIELD_DEFS.get(pod, []):
            field = dict(definition, connectWiseId=str(uuid.UUID(int=rng.getrandbits(128))))
            caption = definition["caption"]
            roll = rng.random()
            # Unset custom fields omit `value` entirely (API_NOTES §7), so a good share here has none.
            if roll < 0.3:
                pass
            elif definition["type"] == "Checkbox":
                field["value"] = roll > 0.6
            elif definition["type"] == "Number":
                field["value"] = rng.randint(1, 42)
            elif definition["type"] == "Date":
                field["value"] = ts(ANCHOR - rng.randint(0, 900) * DAY)
            elif caption == "Contract No":
                field["value"] = f"C-{rng.randint(1000, 9999)}"
            elif caption == "Backup Tier":
                field["value"] = rng.choice(("Gold", "Silver", "Bronze"))
            else:
                field["value"] = rng.choice(("Hardware failure", "User error", "Vendor outage", "Configuration"))
            fields.append(field)
        return fields

    def address(self, rng: random.Random) -> tuple[str, str, str, str, str]:
        city, state, postcode, country = rng.choice(pools.CITIES)
        return f"{rng.randint(1, 9999)} {rng.choice(pools.STREETS)}", city, state, postcode, country

    # ------------------------------------------------------------------ registration

    def _register_tables(self) -> None:
        s = self.scale
        add = self._add

        def epochs_from(entered: array, updated: array, base: int) -> Callable[[int], dict[str, int]]:
            def lookup(record_id: int) -> dict[str, int]:
                index = record_id - base - 1
                return {"lastupdated": updated[index], "dateentered": entered[index]}

            return lookup

        def top(
            key: str,
            noun: str,
            count: int,
            base: int,
            build: Callable[[int], Record],
            schema: str,
            epochs: tuple[array, array] | None = None,
        ) -> None:
            add(
                Table(
                    key,
                    noun,
                    range(base + 1, base + count + 1),
                    build,
                    f"/{key}",
                    schema,
                    epochs=epochs_from(epochs[0], epochs[1], base) if epochs else None,
                )
            )

        def child(
            key: str,
            noun: str,
            parent_key: str,
            groups: Groups,
            child_base: int,
            parent_to_index: Callable[[int], int],
            index_to_parent: Callable[[int], int],
            build: Callable[[int], Record],
            spec_path: str,
            schema: str,
        ) -> None:
            def children_of(parent_id: int) -> range:
                index = parent_to_index(parent_id)
                if not 0 <= index < len(groups.starts) - 1:
                    return range(0)
                span = groups.children(index)
                return range(span.start + child_base + 1, span.stop + child_base + 1)

            def parent_of(record_id: int) -> int:
                return index_to_parent(groups.parent(record_id - child_base - 1))

            add(
                Table(
                    key,
                    noun,
                    range(child_base + 1, child_base + groups.total + 1),
                    build,
                    spec_path,
                    schema,
                    parent_key=parent_key,
                    parent_of=parent_of,
                    children_of=children_of,
                )
            )

        def company_to_index(company_id: int) -> int:
            return self.company_index(company_id)

        def project_to_index(project_id: int) -> int:
            return project_id - 1

        def ticket_to_index(ticket_id: int) -> int:
            return ticket_id - self.ticket_base - 1

        def project_ticket_to_index(ticket_id: int) -> int:
            return ticket_id - self.project_ticket_base - 1

        top(
            "company/companies",
            "Company",
            s.companies,
            self.company_base,
            self.build_company,
            "Company",
            (self.company_entered, self.company_updated),
        )
        child(
            "company/companies/sites",
            "Site",
            "company/companies",
            self.sites,
            self.site_base,
            company_to_index,
            self.company_id,
            self.build_site,
            "/company/companies/{parentId}/sites",
            "CompanySite",
        )
        child(
            "company/companies/notes",
            "CompanyNote",
            "company/companies",
            self.company_notes,
            0,
            company_to_index,
            self.company_id,
            self.build_company_note,
            "/company/companies/{parentId}/notes",
            "CompanyNote",
        )
        top(
            "company/contacts",
            "Contact",
            self.contacts.total,
            self.contact_base,
            self.build_contact,
            "Contact",
            (self.contact_entered, self.contact_updated),
        )
        top(
            "company/configurations",
            "Configuration",
            self.configs.total,
            self.config_base,
            self.build_configuration,
            "Company.Configuration",
            (self.config_entered, self.config_updated),
        )
        self._static(
            "company/configurations/types",
            "ConfigurationType",
            self.configuration_types(),
            "/company/configurations/types",
            "ConfigurationType",
        )
        self._static(
            "company/configurations/statuses",
            "ConfigurationStatus",
            self.configuration_statuses(),
            "/company/configurations/statuses",
            "ConfigurationStatus",
        )
        self._static(
            "company/configurations/types/questions",
            "ConfigurationTypeQuestion",
            self.configuration_questions(),
            "/company/configurations/types/{parentId}/questions",
            "ConfigurationTypeQuestion",
            parent_key="company/configurations/types",
            parent_field="configurationType",
        )
        top(
            "sales/activities",
            "Activity",
            s.activities,
            0,
            self.build_activity,
            "Activity",
            (self.activity_entered, self.activity_updated),
        )
        top(
            "system/documents",
            "Document",
            s.documents,
            0,
            self.build_document,
            "DocumentInfo",
            (self.document_entered, self.document_updated),
        )
        self.tables["system/documents"].column = self.document_column
        self._static("system/members", "Member", self.member_records(), "/system/members", "Member")
        top(
            "finance/agreements",
            "Agreement",
            self.agreements.total,
            0,
            self.build_agreement,
            "Agreement",
            (self.agreement_entered, self.agreement_updated),
        )
        child(
            "finance/agreements/additions",
            "Addition",
            "finance/agreements",
            self.additions,
            0,
            lambda agreement_id: agreement_id - 1,
            lambda index: index + 1,
            self.build_addition,
            "/finance/agreements/{parentId}/additions",
            "Addition",
        )
        top(
            "finance/invoices",
            "Invoice",
            s.invoices,
            0,
            self.build_invoice,
            "Invoice",
            (self.invoice_entered, self.invoice_updated),
        )
        top(
            "time/entries",
            "TimeEntry",
            self.time_total,
            0,
            self.build_time_entry,
            "TimeEntry",
            (self.time_entered, self.time_updated),
        )
        top(
            "project/projects",
            "Project",
            s.projects,
            0,
            self.build_project,
            "Project",
            (self.project_entered, self.project_updated),
        )
        child(
            "project/projects/phases",
            "ProjectPhase",
            "project/projects",
            self.phases,
            0,
            project_to_index,
            lambda index: index + 1,
            self.build_phase,
            "/project/projects/{parentId}/phases",
            "ProjectPhase",
        )
        child(
            "project/projects/notes",
            "ProjectNote",
            "project/projects",
            self.project_notes,
            0,
            project_to_index,
            lambda index: index + 1,
            self.build_project_note,
            "/project/projects/{parentId}/notes",
            "ProjectNote",
        )
        child(
            "project/projects/teamMembers",
            "ProjectTeamMember",
            "project/projects",
            self.team_members,
            0,
            project_to_index,
            lambda index: index + 1,
            self.build_team_member,
            "/project/projects/{parentId}/teamMembers",
            "ProjectTeamMember",
        )
        add(
            Table(
                "project/tickets",
                "ProjectTicket",
                range(self.project_ticket_base + 1, self.project_ticket_base + self.phase_tickets.total + 1),
                self.build_project_ticket,
                "/project/tickets",
                "ProjectTicket",
            )
        )
        child(
            "project/tickets/notes",
            "TicketNote",
            "project/tickets",
            self.project_ticket_notes,
            0,
            project_ticket_to_index,
            self.project_ticket_id,
            self.build_project_ticket_note,
            "/project/tickets/{parentId}/notes",
            "TicketNote",
        )
        child(
            "project/tickets/tasks",
            "TicketTask",
            "project/tickets",
            self.project_ticket_tasks,
            0,
            project_ticket_to_index,
            self.project_ticket_id,
            self.build_project_ticket_task,
            "/project/tickets/{parentId}/tasks",
            "TicketTask",
        )
        top(
            "sales/opportunities",
            "Opportunity",
            s.opportunities,
            0,
            self.build_opportunity,
            "Opportunity",
            (self.opportunity_entered, self.opportunity_updated),
        )
        child(
            "sales/opportunities/forecast",
            "ForecastItem",
            "sales/opportunities",
            self.forecast_items,
            0,
            lambda opportunity_id: opportunity_id - 1,
            lambda index: index + 1,
            self.build_forecast_item,
            "/sales/opportunities/{parentId}/forecast",
            "ForecastItem",
        )
        child(
            "sales/opportunities/notes",
            "OpportunityNote",
            "sales/opportunities",
            self.opportunity_notes,
            0,
            lambda opportunity_id: opportunity_id - 1,
            lambda index: index + 1,
            self.build_opportunity_note,
            "/sales/opportunities/{parentId}/notes",
            "OpportunityNote",
        )
        top("sales/orders", "Order", s.orders, 0, self.build_order, "Order", (self.order_entered, self.order_updated))
        child(
            "sales/orders/lineitems",
            "SalesOrdersLineItem",
            "sales/orders",
            self.order_lines,
            0,
            lambda order_id: order_id - 1,
            lambda index: index + 1,
            self.build_order_line,
            "/sales/orders/{parentId}/lineitems/",
            "SalesOrdersLineItem",
        )
        top(
            "service/tickets",
            "Ticket",
            s.tickets,
            self.ticket_base,
            self.build_ticket,
            "Ticket",
            (self.ticket_entered, self.ticket_updated),
        )
        child(
            "service/tickets/notes",
            "ServiceNote",
            "service/tickets",
            self.ticket_notes,
            0,
            ticket_to_index,
            self.ticket_id,
            self.build_ticket_note,
            "/service/tickets/{parentId}/notes",
            "ServiceNote",
        )
        child(
            "service/tickets/tasks",
            "ServiceTask",
            "service/tickets",
            self.ticket_tasks,
            0,
            ticket_to_index,
            self.ticket_id,
            self.build_ticket_task,
            "/service/tickets/{parentId}/tasks",
            "ServiceTask",
        )
        boards = self.board_records()
        self._static("service/boards", "Board", boards, "/service/boards", "Board")
        # No /project/boards in either spec: project boards are Board records with projectFlag=true.
        self._static("project/boards", "Board", [b for b in boards if b["projectFlag"]], "/service/boards", "Board")
        statuses = self.board_status_records()
        self._static(
            "service/boards/statuses",
            "BoardStatus",
            statuses,
            "/service/boards/{parentId}/statuses",
            "BoardStatus",
            parent_key="service/boards",
            parent_field="board",
        )
        self._static(
            "project/boards/statuses",
            "BoardStatus",
            [s_ for s_ in statuses if s_["board"]["id"] >= 10],
            "/service/boards/{parentId}/statuses",
            "BoardStatus",
            parent_key="project/boards",
            parent_field="board",
        )
        for name, records, schema in (
            ("types", self.board_type_records(), "BoardType"),
            ("subtypes", self.board_subtype_records(), "BoardSubType"),
            ("items", self.board_item_records(), "BoardItem"),
        ):
            self._static(
                f"service/boards/{name}",
                schema,
                records,
                f"/service/boards/{{parentId}}/{name}",
                schema,
                parent_key="service/boards",
                parent_field="board",
            )
        self._static("service/priorities", "Priority", self.priority_records(), "/service/priorities", "Priority")
        self._static(
            "system/userDefinedFields",
            "UserDefinedField",
            self.udf_records(),
            "/system/userDefinedFields",
            "UserDefinedField",
        )
        self._static("system/myCompany/other", "Other", [self.my_company_other()], "/system/myCompany/other", "Other")

    def _add(self, table: Table) -> None:
        self.tables[table.key] = table

    def _static(
        self,
        key: str,
        noun: str,
        records: list[Record],
        spec_path: str,
        schema: str,
        *,
        parent_key: str | None = None,
        parent_field: str | None = None,
    ) -> None:
        by_id = {record["id"]: record for record in records}
        table = Table(key, noun, sorted(by_id), by_id.__getitem__, spec_path, schema, parent_key=parent_key)
        if parent_field:
            children: dict[int, list[int]] = {}
            for record in records:
                children.setdefault(record[parent_field]["id"], []).append(record["id"])
            table.parent_of = lambda record_id: by_id[record_id][parent_field]["id"]
            table.children_of = lambda parent_id: children.get(parent_id, [])
        self._add(table)

    # ------------------------------------------------------------------ builders: companies & contacts

    def build_company(self, company_id: int) -> Record:
        index = self.company_index(company_id)
        rng = seeded(self.seed, "company", company_id)
        entered, updated = self.company_entered[index], self.company_updated[index]
        line1, city, state, postcode, country = self.address(rng)
        kind = "Owner" if index == 0 else ("Prospect" if rng.random() < 0.08 else "Client")
        if self.demo and index < len(pools.DEMO_COMPANIES):
            kind = pools.DEMO_COMPANIES[index][1]
        inactive = index > 0 and rng.random() < 0.06
        status_id, status_name = (2, "Inactive") if inactive else (1, "Active")
        contacts = self.contacts.children(index)
        sites = self.sites.children(index)
        type_ids = {"Owner": 1, "Client": 2, "Prospect": 3}
        rep = rng.choice(self.technicians) if self.technicians else 0
        record = {
            "id": company_id,
            "identifier": self.company_identifier(index),
            "name": self.company_name(index),
            "status": ref("status", "company/companies/statuses", status_id, name=status_name),
            "addressLine1": line1,
            "addressLine2": rng.choice((None, None, "Suite 200", "2. OG", "Unit 4B")),
            "city": city,
            "state": state or None,
            "zip": postcode,
            "country": self.country_ref(country),
            "phoneNumber": f"{rng.randint(200, 989)}555{rng.randint(1000, 9999)}",
            "faxNumber": None,
            "website": f"www.{self.company_domain(index)}",
            "territory": ref("location", "system/locations", 1, name="Tampa Office"),
            "market": ref("market", "company/marketDescriptions", 1, name="Small Business"),
            "accountNumber": f"AC{company_id:05d}" if kind == "Client" else None,
            "defaultContact": self.contact_ref(contacts.start),
            "dateAcquired": ts(entered),
            "annualRevenue": None if rng.random() < 0.5 else float(rng.randint(2, 900) * 100_000),
            "numberOfEmployees": None if rng.random() < 0.3 else rng.randint(3, 1200),
            "timeZoneSetup": ref("timeZoneSetup", "system/timeZoneSetups", 1, name="Eastern Standard Time"),
            "leadFlag": kind == "Prospect",
            "unsubscribeFlag": False,
            "taxCode": ref("taxCode", "finance/taxCodes", 1, name="Tax-State"),
            "billingTerms": ref("billingTerms", "finance/billingTerms", 1, name="Net 30 days"),
            "billToCompany": self.company_ref(index),
            "billingSite": self.site_ref(index, sites.start),
            "billingContact": self.contact_ref(contacts.start),
            "invoiceDeliveryMethod": ref("billingDelivery", "finance/billingDeliveries", 1, name="Mail"),
            "deletedFlag": False,
            "mobileGuid": str(uuid.UUID(int=rng.getrandbits(128))),
            "currency": self.currency_ref(),
            "territoryManager": self.member_ref(rep),
            "isVendorFlag": False,
            "types": [ref("type", "company/companies/types", type_ids[kind], name=kind)],
            "site": self.site_ref(index, sites.start),
            "integratorTags": [],
            "_info": info(
                entered,
                updated,
                "ZAdmin",
                self.member_identifier(rep),
                contacts_href=f"company/contacts?conditions=company/id={company_id}",
                agreements_href=f"finance/agreements?conditions=company/id={company_id}",
                tickets_href=f"service/tickets?conditions=company/id={company_id}",
                opportunities_href=f"sales/opportunities?conditions=company/id={company_id}",
                projects_href=f"project/projects?conditions=company/id={company_id}",
                configurations_href=f"company/configurations?conditions=company/id={company_id}",
                documents_href=f"system/documents?recordType=Company&recordId={company_id}",
                notes_href=f"company/companies/{company_id}/notes",
                sites_href=f"company/companies/{company_id}/sites",
            ),
            "customFields": self.custom_fields("Company", rng),
        }
        return compact(record)

    def currency_ref(self) -> Record:
        return {
            "id": 7,
            "symbol": "$",
            "currencyCode": "USD",
            "decimalSeparator": ".",
            "numberOfDecimals": 2,
            "thousandsSeparator": ",",
            "negativeParenthesesFlag": False,
            "displaySymbolFlag": False,
            "currencyIdentifier": "Default Currency",
            "displayIdFlag": False,
            "rightAlign": False,
            "name": "US Dollars",
            "_info": {"currency_href": f"{BASE}/finance/currencies/7"},
        }

    def build_site(self, site_id: int) -> Record:
        index = site_id - self.site_base - 1
        company_index = self.sites.parent(index)
        rng = seeded(self.seed, "site", site_id)
        line1, city, state, postcode, country = self.address(rng)
        first = index == self.sites.children(company_index).start
        created = self.company_entered[company_index]
        record = {
            "id": site_id,
            "name": self.site_name(company_index, index),
            "addressLine1": line1,
            "city": city,
            "stateReference": ref("state", "company/states", 1 + len(state), identifier=state, name=state)
            if state
            else None,
            "zip": postcode,
            "country": self.country_ref(country),
            "phoneNumber": f"{rng.randint(200, 989)}555{rng.randint(1000, 9999)}",
            "taxCode": ref("taxCode", "finance/taxCodes", 1, name="Tax-State"),
            "expenseReimbursement": 0.0,
            "primaryAddressFlag": first,
            "defaultShippingFlag": first,
            "defaultBillingFlag": first,
            "defaultMailingFlag": first,
            "inactiveFlag": not first and rng.random() < 0.15,
            "mobileGuid": str(uuid.UUID(int=rng.getrandbits(128))),
            "timeZone": ref("timeZoneSetup", "system/timeZoneSetups", 1, name="Eastern Standard Time"),
            "company": self.company_ref(company_index),
            "_info": info(created, created + rng.randint(0, 400) * DAY, "ZAdmin", "ZAdmin"),
            "customFields": [],
        }
        return compact(record)

    def build_company_note(self, note_id: int) -> Record:
        company_index = self.company_notes.parent(note_id - 1)
        rng = seeded(self.seed, "company-note", note_id)
        created = self.company_entered[company_index] + rng.randint(1, 300) * DAY
        author = self.member_identifier(rng.choice(self.technicians))
        record = {
            "id": note_id,
            "text": rng.choice(
                pools.NOTE_LINES
                if rng.random() < 0.5
                else (
                    "Prefers phone over email. Office closed Fridays after 14:00.",
                    "Server room key with reception (ask for Mrs. Fernández).",
                    "VIP: CEO laptop gets same-day service.",
                    "Billing disputes go to accounts@ only – never the CEO.",
                )
            ),
            "type": ref(
                "type", "company/noteTypes", rng.randint(1, 3), name=rng.choice(("General", "Billing", "Alert"))
            ),
            "flagged": rng.random() < 0.2,
            "enteredBy": author,
            "company": self.company_ref(company_index),
            "_info": info(created, created, author, author),
        }
        return compact(record)

    def build_contact(self, contact_id: int) -> Record:
        index = contact_id - self.contact_base - 1
        company_index = self.contacts.parent(index)
        rng = seeded(self.seed, "contact", contact_id)
        first, last = self.contact_name(index)
        domain = self.company_domain(company_index)
        email = f"{slug(first).lower()}.{slug(last).lower()}@{domain}"
        sites = self.sites.children(company_index)
        phone = f"{rng.randint(200, 989)}555{rng.randint(1000, 9999)}"
        items = [
            {
                "id": contact_id * 3,
                "type": ref("type", "company/communicationTypes", 1, name="Email"),
                "value": email,
                "defaultFlag": True,
                "domain": f"@{domain}",
                "communicationType": "Email",
            },
            {
                "id": contact_id * 3 + 1,
                "type": ref("type", "company/communicationTypes", 2, name="Direct"),
                "value": phone,
                "extension": str(rng.randint(100, 399)) if rng.random() < 0.4 else None,
                "defaultFlag": True,
                "communicationType": "Phone",
            },
        ]
        if rng.random() < 0.5:
            items.append(
                {
                    "id": contact_id * 3 + 2,
                    "type": ref("type", "company/communicationTypes", 4, name="Mobile"),
                    "value": f"{rng.randint(200, 989)}555{rng.randint(1000, 9999)}",
                    "defaultFlag": False,
                    "communicationType": "Phone",
                }
            )
        updated = self.contact_updated[index]
        record = {
            "id": contact_id,
            "firstName": first,
            "lastName": last if rng.random() > 0.02 else None,
            "company": self.company_ref(company_index),
            "site": self.site_ref(company_index, rng.choice(sites)),
            "title": rng.choice(
                (
                    "Office Manager",
                    "CEO",
                    "CFO",
                    "Practice Manager",
                    "IT Contact",
                    "Receptionist",
                    "Geschäftsführer",
                    "Head of Operations",
                    None,
                )
            ),
            "department": ref("department", "company/contacts/departments", 1, name="Operations")
            if rng.random() < 0.3
            else None,
            "inactiveFlag": rng.random() < 0.07,
            "marriedFlag": False,
            "childrenFlag": False,
            "disablePortalLoginFlag": rng.random() < 0.5,
            "unsubscribeFlag": False,
            "gender": rng.choice(("Female", "Male", None, None)),
            "presence": "Offline",
            "mobileGuid": str(uuid.UUID(int=rng.getrandbits(128))),
            "defaultPhoneType": "Direct",
            "defaultPhoneNbr": phone,
            "defaultPhoneExtension": items[1].get("extension"),
            "defaultBillingFlag": index == self.contacts.children(company_index).start,
            "defaultFlag": index == self.contacts.children(company_index).start,
            "companyLocation": ref("location", "system/locations", 1, name="Tampa Office"),
            "communicationItems": [compact(item) for item in items],
            "types": [ref("type", "company/contacts/types", 1, name="End User")] if rng.random() < 0.8 else [],
            "integratorTags": [],
            "customFields": [],
            "ignoreDuplicates": False,
            "_info": {
                "lastUpdated": ts(updated),
                "updatedBy": "ZAdmin",
                "communications_href": f"{BASE}/company/contacts/{contact_id}/communications",
                "notes_href": f"{BASE}/company/contacts/{contact_id}/notes",
                "documents_href": f"{BASE}/system/documents?recordType=Contact&recordId={contact_id}",
                "tickets_href": f"{BASE}/service/tickets?conditions=contact/id={contact_id}",
                "image_href": f"{BASE}/company/contacts/{contact_id}/image?lm={ts(updated)}",
            },
        }
        return compact(record)

    # ------------------------------------------------------------------ configurations

    def configuration_types(self) -> list[Record]:
        return [
            {"id": type_id, "name": name, "inactiveFlag": False, "systemFlag": False, "_info": dict(self.static_info)}
            for type_id, name, _questions in CONFIG_TYPES
        ]

    def configuration_statuses(self) -> list[Record]:
        return [
            {
                "id": sid,
                "description": name,
                "closedFlag": closed,
                "defaultFlag": default,
                "_info": dict(self.static_info),
            }
            for sid, name, closed, default in CONFIG_STATUSES
        ]

    def configuration_questions(self) -> list[Record]:
        out = []
        for type_id, type_name, questions in CONFIG_TYPES:
            for sequence, (question, field_type) in enumerate(questions, start=1):
                out.append(
                    {
                        "id": type_id * 10 + sequence,
                        "configurationType": ref(
                            "configurationType", "company/configurations/types", type_id, name=type_name
                        ),
                        "fieldType": field_type,
                        "entryType": "EntryField",
                        "sequenceNumber": float(sequence),
                        "question": question,
                        "numberOfDecimals": 0,
                        "requiredFlag": sequence == 1,
                        "inactiveFlag": False,
                        "_info": dict(self.static_info),
                    }
                )
        return out

    def build_configuration(self, config_id: int) -> Record:
        index = config_id - self.config_base - 1
        company_index = self.configs.parent(index)
        rng = seeded(self.seed, "configuration", config_id)
        type_index = rng.choices(range(len(CONFIG_TYPES)), weights=CONFIG_TYPE_WEIGHTS)[0]
        type_id, type_name, questions = CONFIG_TYPES[type_index]
        number = index - self.configs.children(company_index).start + 1
        prefix = slug(self.company_identifier(company_index))[:6].upper()
        short = {
            "Workstation": "WS",
            "Laptop": "LT",
            "Server": "SRV",
            "Firewall": "FW",
            "Switch": "SW",
            "Wireless Access Point": "AP",
            "Printer": "PRN",
        }[type_name]
        is_server = type_name == "Server"
        network = type_name in ("Firewall", "Switch", "Wireless Access Point")
        manufacturer = rng.choice(pools.MANUFACTURERS[3:8] if network else pools.MANUFACTURERS[:3])
        status_id = rng.choices((1, 2, 3, 4), weights=(85, 5, 8, 2))[0]
        purchase = self.config_entered[index] - rng.randint(0, 60) * DAY
        os_name = rng.choice(pools.SERVER_OS if is_server else pools.WORKSTATION_OS)
        ip = f"10.{company_index % 250}.{1 + number // 250}.{number % 250 + 1}"
        answers: dict[str, Any] = {
            "Operating System": os_name,
            "RAM (GB)": str(rng.choice((8, 16, 32, 64, 128))),
            "Encrypted (BitLocker)": rng.random() < 0.7,
            "RAID Level": rng.choice(("RAID 1", "RAID 5", "RAID 10")),
            "Backup Solution": rng.choice(("Datto SIRIS", "Veeam B&R 12", "Azure Backup")),
            "Admin URL": f"https://{ip}:8443",
            "Firmware Version": f"{rng.randint(6, 7)}.{rng.randint(0, 4)}.{rng.randint(0, 15)}",
            "WAN IP": f"203.0.113.{rng.randint(2, 254)}",
            "Admin Password": "********",
            "Port Count": str(rng.choice((8, 24, 48))),
            "SSIDs": "Corp\nGuest\nIoT",
            "Toner Model": "TN-2420",
        }
        sites = self.sites.children(company_index)
        contacts = self.contacts.children(company_index)
        installer = rng.choice(self.technicians)
        record = {
            "id": config_id,
            "name": f"{prefix}-{short}{number:02d}",
            "type": ref("type", "company/configurations/types", type_id, name=type_name),
            "status": ref(
                "status", "company/configurations/statuses", status_id, name=CONFIG_STATUSES[status_id - 1][1]
            ),
            "company": self.company_ref(company_index),
            "contact": self.contact_ref(rng.choice(contacts)) if type_name in ("Workstation", "Laptop") else None,
            "site": self.site_ref(company_index, rng.choice(sites)),
            "locationId": 1,
            "businessUnitId": 10,
            "deviceIdentifier": f"{rng.getrandbits(32):08x}" if rng.random() < 0.6 else None,
            "serialNumber": f"{manufacturer[:2].upper()}{rng.getrandbits(40):010X}",
            "modelNumber": rng.choice(
                {
                    "Dell": ("OptiPlex 7010", "PowerEdge R650", "Latitude 5440"),
                    "HP": ("EliteDesk 800 G9", "ProLiant DL380 Gen11", "EliteBook 840"),
                    "Lenovo": ("ThinkCentre M90q", "ThinkSystem SR650", "ThinkPad T14"),
                }.get(manufacturer, ("FG-60F", "USW-24-POE", "MR46", "TZ370", "C9200L-24P"))
            ),
            "tagNumber": f"AT-{config_id:06d}" if rng.random() < 0.5 else None,
            "purchaseDate": ts(purchase),
            "installationDate": ts(purchase + rng.randint(1, 30) * DAY),
            "installedBy": self.member_ref(installer),
            "warrantyExpirationDate": ts(purchase + rng.choice((1, 3, 3, 5)) * YEAR),
            "vendorNotes": "Extended warranty: next business day onsite." if rng.random() < 0.2 else None,
            "notes": rng.choice(
                (
                    None,
                    None,
                    "Located in comms cupboard, rack 1 U12.",
                    "Loaner – return by Q4.",
                    "Replaced PSU 2025-11-03\nOld PSU returned under RMA #88311.",
                )
            ),
            "macAddress": ":".join(f"{rng.getrandbits(8):02X}" for _ in range(6)),
            "lastLoginName": None if network else f"{slug(self.company_identifier(company_index))[:8]}\\user{number}",
            "billFlag": False,
            "ipAddress": ip,
            "defaultGateway": f"10.{company_index % 250}.1.1",
            "osType": None if network else os_name,
            "osInfo": None if network else f"{os_name} (build {rng.randint(17763, 26100)})",
            "cpuSpeed": None if network else f"{rng.choice((2.1, 2.6, 3.2, 3.6))} GHz",
            "ram": None if network else f"{rng.choice((8, 16, 32, 64, 128))} GB",
            "localHardDrives": None if network else "C: 476 GB NTFS",
            "vendor": self.company_ref(0) if rng.random() < 0.3 else None,
            "manufacturer": ref(
                "manufacturer",
                "procurement/manufacturers",
                1 + pools.MANUFACTURERS.index(manufacturer),
                name=manufacturer,
            ),
            "questions": [
                {
                    "answerId": config_id * 10 + seq,
                    "questionId": type_id * 10 + seq,
                    "question": question,
                    "answer": answers[question],
                    "sequenceNumber": float(seq),
                    "numberOfDecimals": 0,
                    "fieldType": field_type,
                    "requiredFlag": seq == 1,
                }
                for seq, (question, field_type) in enumerate(questions, start=1)
                if rng.random() < 0.85
            ],
            "activeFlag": status_id in (1, 4),
            "managementLink": f"https://{ip}" if network else None,
            "remoteLink": f"https://control.example.com/Host#Access/{config_id}" if not network else None,
            "mobileGuid": str(uuid.UUID(int=rng.getrandbits(128))),
            "displayVendorFlag": False,
            "companyLocationId": 1,
            "showRemoteFlag": not network,
            "showAutomateFlag": False,
            "needsRenewalFlag": False,
            "_info": info(
                self.config_entered[index], self.config_updated[index], self.member_identifier(installer), "ZAdmin"
            ),
            "customFields": self.custom_fields("Configuration", rng),
        }
        return compact(record)

    # ------------------------------------------------------------------ members & setup tables

    def member_records(self) -> list[Record]:
        out = []
        for index, member in enumerate(self.members):
            rng = seeded(self.seed, "member", index)
            identifier = member["identifier"]
            email = f"{identifier}@demo-msp.example.net"
            hire = ANCHOR - rng.randint(90, 3000) * DAY
            out.append(
                compact(
                    {
                        "id": self.member_id(index),
                        "identifier": identifier,
                        "disableOnlineFlag": False,
                        "licenseClass": "F",
                        "inactiveFlag": index > 2 and rng.random() < 0.08,
                        "firstName": member["first"],
                        "lastName": member["last"],
                        "hireDate": ts(hire),
                        "officeEmail": email,
                        "defaultEmail": "Office",
                        "primaryEmail": email,
                        "officePhone": f"8135550{100 + index:03d}",
                        "defaultPhone": "Office",
                        "securityRole": ref(
                            "securityRole",
                            "security/securityRoles",
                            1 if index == 0 else 4,
                            name="Admin" if index == 0 else "Technician",
                        ),
                        "title": member["title"],
                        "timeZone": ref("timeZoneSetup", "system/timeZoneSetups", 1, name="Eastern Standard Time"),
                        "adminFlag": index == 0,
                        "defaultLocation": ref("location", "system/locations", 1, name="Tampa Office"),
                        "defaultDepartment": ref(
                            "department", "system/departments", 10, identifier="Services", name="Services"
                        ),
                        "reportsTo": self.member_ref(0) if index else None,
                        "workRole": ref("workRole", "time/workRoles", 1, name="Engineer"),
                        "dailyCapacity": 8.0,
                        "hourlyCost": float(rng.randint(30, 70)),
                        "hourlyRate": 150.0,
                        "serviceDefaultBoard": self.board_ref(1),
                        "_info": dict(
                            self.static_info, image_href=f"{BASE}/system/members/{self.member_id(index)}/image"
                        ),
                        "customFields": [],
                    }
                )
            )
        # The integration's own API member, as every real tenant has one (license class "A").
        out.append(
            {
                "id": self.member_base,
                "identifier": "APIMember",
                "licenseClass": "A",
                "inactiveFlag": False,
                "firstName": "API",
                "lastName": "Member",
                "hireDate": ts(ANCHOR - 2 * YEAR),
                "defaultEmail": "Office",
                "defaultPhone": "Office",
                "securityRole": ref("securityRole", "security/securityRoles", 9, name="API Integration"),
                "_info": dict(self.static_info),
                "customFields": [],
            }
        )
        return out

    def board_records(self) -> list[Record]:
        out = []
        for board_id, name, is_project in SERVICE_BOARDS:
            out.append(
                {
                    "id": board_id,
                    "name": name,
                    "location": ref("location", "system/locations", 1, name="Tampa Office"),
                    "department": ref("department", "system/departments", 10, identifier="Services", name="Services"),
                    "inactiveFlag": False,
                    "projectFlag": is_project,
                    "showDependenciesFlag": False,
                    "showEstimatesFlag": False,
                    "billTicketsAfterClosedFlag": False,
                    "billTicketSeparatelyFlag": False,
                    "billUnapprovedTimeExpenseFlag": True,
                    "overrideBillingSetupFlag": False,
                    "dispatchMember": self.member_ref(0),
                    "serviceManagerMember": self.member_ref(0),
                    "billTime": "Billable",
                    "billExpense": "Billable",
                    "billProduct": "Billable",
                    "autoCloseStatus": self.status_ref(board_id, self.board_statuses[board_id][-1]),
                    "autoAssignNewTicketsFlag": False,
                    "problemSort": "Ascending",
                    "resolutionSort": "Ascending",
                    "internalAnalysisSort": "Ascending",
                    "percentageCalculation": "ClosedTickets" if is_project else None,
                    "_info": dict(self.static_info),
                }
            )
        return [compact(record) for record in out]

    def board_status_records(self) -> list[Record]:
        out = []
        for board_id, _name, is_project in SERVICE_BOARDS:
            statuses = PROJECT_TICKET_STATUSES if is_project else SERVICE_STATUSES
            for sort, status_id in enumerate(self.board_statuses[board_id]):
                name, closed, escalation = statuses[sort]
                out.append(
                    {
                        "id": status_id,
                        "name": name,
                        "board": self.board_ref(board_id),
                        "sortOrder": sort,
                        "displayOnBoard": not closed,
                        "inactive": False,
                        "closedStatus": closed,
                        "timeEntryNotAllowed": name == "Closed",
                        "defaultFlag": sort == 0,
                        "escalationStatus": escalation,
                        "customerPortalDescription": name,
                        "customerPortalFlag": True,
                        "_info": dict(self.static_info),
                    }
                )
        return out

    def _board_children(self, names: Iterable[str], base: int, extra: Callable[[str], Record]) -> list[Record]:
        out = []
        for board_id, _name, _project in SERVICE_BOARDS:
            for offset, name in enumerate(names):
                out.append(
                    {
                        "id": base + board_id * 10 + offset,
                        "name": name,
                        "inactiveFlag": False,
                        **extra(name),
                        "board": self.board_ref(board_id),
                        "_info": dict(self.static_info),
                    }
                )
        return out

    def board_type_records(self) -> list[Record]:
        categories = dict(BOARD_TYPES)
        return self._board_children(
            [name for name, _ in BOARD_TYPES],
            0,
            lambda name: {
                "category": categories[name],
                "defaultFlag": name == "Incident",
                "requestForChangeFlag": name == "Change",
            },
        )

    def board_subtype_records(self) -> list[Record]:
        return self._board_children(BOARD_SUBTYPES, 1000, lambda name: {})

    def board_item_records(self) -> list[Record]:
        return self._board_children(BOARD_ITEMS, 2000, lambda name: {})

    def type_ref(self, board_id: int, offset: int) -> Record:
        return ref("type", f"service/boards/{board_id}/types", board_id * 10 + offset, name=BOARD_TYPES[offset][0])

    def subtype_ref(self, board_id: int, offset: int) -> Record:
        return ref(
            "subType", f"service/boards/{board_id}/subtypes", 1000 + board_id * 10 + offset, name=BOARD_SUBTYPES[offset]
        )

    def item_ref(self, board_id: int, offset: int) -> Record:
        return ref("item", f"service/boards/{board_id}/items", 2000 + board_id * 10 + offset, name=BOARD_ITEMS[offset])

    def priority_records(self) -> list[Record]:
        return [
            {
                "id": pid,
                "name": name,
                "color": color,
                "sortOrder": pid,
                "defaultFlag": pid == 3,
                "imageLink": f"{BASE}/service/priorities/{pid}/image?lm=2019-05-14T15:41:12Z",
                "urgencySortOrder": str(pid),
                "level": level,
                "_info": dict(self.static_info),
            }
            for pid, name, color, level in PRIORITIES
        ]

    def udf_records(self) -> list[Record]:
        out = []
        for pod, definitions in CUSTOM_FIELD_DEFS.items():
            for sequence, definition in enumerate(definitions, start=1):
                record: Record = {
                    "id": definition["id"],
                    "podId": {"Company": 1, "Ticket": 10, "Configuration": 5, "Project": 20}[pod],
                    "caption": definition["caption"],
                    "sequenceNumber": sequence,
                    "screenId": CUSTOM_FIELD_SCREENS[pod],
                    "fieldTypeIdentifier": definition["type"],
                    "numberDecimals": 0,
                    "entryTypeIdentifier": definition["entryMethod"],
                    "requiredFlag": False,
                    "displayOnScreenFlag": True,
                    "readOnlyFlag": False,
                    "listViewFlag": definition["caption"] == "Contract No",
                    "options": [],
                    "businessUnitIds": [],
                    "locationIds": [],
                    "dateCreated": ts(ANCHOR - 3 * YEAR),
                    "_info": dict(self.static_info),
                }
                if definition["entryMethod"] == "List":
                    choices = (
                        ("Gold", "Silver", "Bronze")
                        if definition["caption"] == "Backup Tier"
                        else ("Hardware failure", "User error", "Vendor outage", "Configuration")
                    )
                    record["options"] = [
                        {
                            "id": definition["id"] * 100 + n,
                            "optionValue": choice,
                            "defaultFlag": n == 0,
                            "inactiveFlag": False,
                            "sortOrder": n,
                        }
                        for n, choice in enumerate(choices)
                    ]
                out.append(record)
        return out

    def system_info(self) -> Record:
        return {
            "version": "v2025.1.10333",
            "isCloud": False,
            "serverTimeZone": "Eastern Standard Time",
            "licenseBits": [
                {"name": "CustomReports", "activeFlag": True},
                {"name": "Sales", "activeFlag": True},
                {"name": "Procurement", "activeFlag": False},
            ],
            "cloudRegion": "NA",
            "maxWorkFlowRecordsAllowed": 5000,
        }

    def my_company_other(self) -> Record:
        return {
            "id": 1,
            "defaultFromAddress": "help@demo-msp.example.net",
            "portalUrlOverride": "",
            "siteUrl": "{{host}}",
            "logoPath": "/images/logo.png",
            "contactSync": "FL",
            "serverTimeZone": ref("timeZoneSetup", "system/timeZoneSetups", 1, name="Eastern Standard Time"),
            "defaultCalendar": ref("calendar", "schedule/calendars", 1, name="Standard Business Hours"),
            "defaultAddressFormat": ref("addressFormat", "company/addressFormats", 1, name="US"),
            "useSslFlag": True,
            "syncLeadsFlag": False,
            "includePortalLinkFlag": True,
            "locale": ref("locale", "system/locales", 1, name="English (United States)"),
            "_info": dict(self.static_info),
        }

    # ------------------------------------------------------------------ tickets

    def _ticket_people(self, rng: random.Random, company_index: int) -> tuple[int, int, int]:
        contacts = self.contacts.children(company_index)
        sites = self.sites.children(company_index)
        return rng.choice(contacts), rng.choice(sites), rng.choice(self.technicians)

    def _location_fields(self, company_index: int, site_index: int, rng: random.Random) -> Record:
        line1, city, state, postcode, country = self.address(seeded(self.seed, "site", self.site_base + 1 + site_index))
        return {
            "site": self.site_ref(company_index, site_index),
            "siteName": self.site_name(company_index, site_index),
            "addressLine1": line1,
            "city": city,
            "stateIdentifier": state or None,
            "zip": postcode,
            "country": self.country_ref(country),
        }

    def _contact_fields(self, contact_index: int) -> Record:
        first, last = self.contact_name(contact_index)
        company_index = self.contacts.parent(contact_index)
        rng = seeded(self.seed, "contact", self.contact_base + 1 + contact_index)
        phone = f"{rng.randint(200, 989)}555{rng.randint(1000, 9999)}"
        return {
            "contact": self.contact_ref(contact_index),
            "contactName": f"{first} {last}",
            "contactPhoneNumber": phone,
            "contactEmailAddress": f"{slug(first).lower()}.{slug(last).lower()}@{self.company_domain(company_index)}",
        }

    def time_hours(self, time_index: int) -> float:
        return seeded(self.seed, "time-hours", time_index).choice((0.25, 0.5, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0))

    def build_ticket(self, ticket_id: int) -> Record:
        index = ticket_id - self.ticket_base - 1
        rng = seeded(self.seed, "ticket", ticket_id)
        company_index = self.ticket_company[index]
        entered, updated = self.ticket_entered[index], self.ticket_updated[index]
        board_id = rng.choices((1, 2, 3, 4), weights=(60, 15, 20, 5))[0]
        statuses = self.board_statuses[board_id]
        age_days = (ANCHOR - entered) / DAY
        # Old tickets are mostly closed; the last few weeks hold the open queue.
        closed = rng.random() < min(0.97, 0.2 + age_days / 40)
        status_id = statuses[-1 if rng.random() < 0.7 else -2] if closed else rng.choice(statuses[:5])
        contact_index, site_index, owner = self._ticket_people(rng, company_index)
        person = " ".join(self.contact_name(contact_index))
        server = f"{slug(self.company_identifier(company_index))[:6].upper()}-SRV0{rng.randint(1, 3)}"
        template = rng.choice(
            {
                1: pools.HELPDESK_SUMMARIES,
                2: pools.NETWORK_SUMMARIES,
                3: pools.ALERT_SUMMARIES,
                4: (
                    "Quote request: {n} x Dell Latitude 5440",
                    "Order toner for {site}",
                    "Renew Microsoft 365 Business Premium licences",
                ),
            }[board_id]
        )
        summary = template.format(
            person=person,
            site=self.site_name(company_index, site_index),
            server=server,
            domain=self.company_domain(company_index),
            n=rng.randint(2, 20),
        )[:100]
        priority = rng.choices((1, 2, 3, 4, 5), weights=(3, 12, 70, 12, 3))[0]
        time_ids = self.service_time.children(index)
        actual = sum(self.time_hours(t) for t in time_ids)
        responded = entered + rng.randint(5, 240) * 60
        resolved = min(updated, entered + rng.randint(1, 72) * 3600) if closed else None
        agreements = self.agreements.children(company_index)
        agreement = agreements.start if agreements else None
        long_text = rng.random() < 0.05
        description = rng.choice(pools.NOTE_LINES)
        if long_text:
            description = "Log excerpt follows.\n" + "\n".join(
                f"2026-09-{(n % 28) + 1:02d} 03:{n % 60:02d}:11 ERROR VSS writer 'SqlServerWriter' failed (0x800423f4)"
                for n in range(60)
            )
        type_offset, sub_offset, item_offset = rng.randrange(4), rng.randrange(6), rng.randrange(6)
        charged_to = f"(chargeToType='ServiceTicket' OR chargeToType='ProjectTicket') AND chargeToId={ticket_id}"
        record = {
            "id": ticket_id,
            "summary": summary,
            "recordType": "ServiceTicket",
            "board": self.board_ref(board_id),
            "status": self.status_ref(board_id, status_id),
            "company": self.company_ref(company_index),
            **self._location_fields(company_index, site_index, rng),
            **self._contact_fields(contact_index),
            "type": self.type_ref(board_id, type_offset),
            "subType": self.subtype_ref(board_id, sub_offset) if rng.random() < 0.8 else None,
            "item": self.item_ref(board_id, item_offset) if rng.random() < 0.5 else None,
            "team": ref("team", f"service/boards/{board_id}/teams", board_id, name="Tier 1")
            if rng.random() < 0.7
            else None,
            "owner": self.member_ref(owner) if rng.random() < 0.85 else None,
            "priority": self.priority_ref(priority),
            "serviceLocation": ref(
                "location", "service/locations", rng.randint(1, 2), name=rng.choice(("Remote", "On-Site"))
            ),
            "source": ref(
                "source",
                "service/sources",
                rng.randint(1, 4),
                name=rng.choice(("Email Connector", "Phone", "Portal", "RMM Alert")),
            ),
            "requiredDate": ts(entered + rng.randint(1, 14) * DAY) if rng.random() < 0.3 else None,
            "budgetHours": None if rng.random() < 0.7 else float(rng.choice((1, 2, 4, 8))),
            "agreement": ref(
                "agreement",
                "finance/agreements",
                agreement + 1,
                name=self.agreement_name(agreement),
                type="Managed Services",
                chargeFirmFlag=False,
            )
            if agreement is not None
            else None,
            "agreementType": "Managed Services" if agreement is not None else None,
            "severity": rng.choice(("Low", "Medium", "High")),
            "impact": rng.choice(("Low", "Medium", "High")),
            "allowAllClientsPortalView": False,
            "customerUpdatedFlag": rng.random() < 0.1,
            "automaticEmailContactFlag": True,
            "automaticEmailResourceFlag": False,
            "automaticEmailCcFlag": False,
            "initialDescription": description,
            "closedDate": ts(resolved) if closed and resolved else None,
            "closedBy": self.member_identifier(owner) if closed else None,
            "closedFlag": closed,
            "actualHours": actual if time_ids else None,
            "approved": True,
            "estimatedExpenseCost": 0.0,
            "estimatedExpenseRevenue": 0.0,
            "estimatedProductCost": 0.0,
            "estimatedProductRevenue": 0.0,
            "estimatedTimeCost": 0.0,
            "estimatedTimeRevenue": 0.0,
            "billingMethod": "ActualRates",
            "subBillingMethod": "ActualRates",
            "dateResolved": ts(resolved) if resolved else None,
            "dateResplan": ts(responded + 1800) if rng.random() < 0.5 else None,
            "dateResponded": ts(responded),
            "resolveMinutes": (resolved - entered) // 60 if resolved else 0,
            "resPlanMinutes": 0,
            "respondMinutes": (responded - entered) // 60,
            "respondByGoalUTC": ts(entered + 4 * 3600),
            "resolutionGoalUTC": ts(entered + 48 * 3600),
            "isInSla": (responded - entered) < 4 * 3600,
            "resources": self.member_identifier(owner),
            "parentTicketId": None,
            "hasChildTicket": False,
            "hasMergedChildTicketFlag": False,
            "billTime": "Billable",
            "billExpenses": "Billable",
            "billProducts": "Billable",
            "location": ref("location", "system/locations", 1, name="Tampa Office"),
            "department": ref("department", "system/departments", 10, identifier="Services", name="Services"),
            "mobileGuid": str(uuid.UUID(int=rng.getrandbits(128))),
            "sla": ref("sla", "service/SLAs", 1, name="Standard SLA"),
            "slaStatus": "Resolved" if closed else rng.choice(("Respond by", "Plan by", "Resolve by", "Waiting")),
            "requestForChangeFlag": False,
            "currency": self.currency_ref(),
            "integratorTags": [],
            "escalationStartDateUTC": ts(entered),
            "escalationLevel": 0,
            "minutesBeforeWaiting": 0,
            "respondedSkippedMinutes": 0,
            "resplanSkippedMinutes": 0,
            "respondedHours": round((responded - entered) / 3600, 2),
            "respondedBy": self.member_identifier(owner),
            "resolvedBy": self.member_identifier(owner) if closed else None,
            "minutesWaiting": 0,
            "_info": info(
                entered,
                updated,
                rng.choice(("Email Connector", self.member_identifier(owner))),
                self.member_identifier(owner),
                activities_href=f"sales/activities?conditions=ticket/id={ticket_id}",
                scheduleentries_href=f"schedule/entries?conditions=type/id=4 AND objectId={ticket_id}",
                documents_href=f"system/documents?recordType=Ticket&recordId={ticket_id}",
                configurations_href=f"service/tickets/{ticket_id}/configurations",
                tasks_href=f"service/tickets/{ticket_id}/tasks",
                notes_href=f"service/tickets/{ticket_id}/notes",
                products_href=f"procurement/products?conditions=chargeToType='Ticket' AND chargeToId={ticket_id}",
                timeentries_href=f"time/entries?conditions={charged_to}",
                expenseEntries_href=f"expense/entries?conditions={charged_to}",
            ),
            "customFields": self.custom_fields("Ticket", rng),
        }
        if index % 50 == 7 and index > 0:  # a few child tickets, as merges and splits leave behind
            record["parentTicketId"] = self.ticket_id(index - 1)
        return compact(record)

    def _note_text(self, rng: random.Random) -> str:
        text = rng.choice(pools.NOTE_LINES)
        if rng.random() < 0.03:
            text = (text + "\n\n") * 40  # the occasional very long note (pasted e-mail threads)
        return text

    def build_ticket_note(self, note_id: int) -> Record:
        ticket_index = self.ticket_notes.parent(note_id - 1)
        ticket_id = self.ticket_id(ticket_index)
        first = note_id - 1 == self.ticket_notes.children(ticket_index).start
        rng = seeded(self.seed, "ticket-note", note_id)
        created = self.ticket_entered[ticket_index] + (0 if first else rng.randint(600, 5 * DAY))
        internal = not first and rng.random() < 0.4
        author_is_contact = first and rng.random() < 0.6
        member = rng.choice(self.technicians)
        record = {
            "id": note_id,
            "ticketId": ticket_id,
            "text": self._note_text(rng),
            "detailDescriptionFlag": not internal,
            "internalAnalysisFlag": internal,
            "resolutionFlag": not first and not internal and rng.random() < 0.2,
            "issueFlag": False,
            "member": None if author_is_contact else self.member_ref(member),
            "contact": self.contact_ref(rng.choice(self.contacts.children(self.ticket_company[ticket_index])))
            if author_is_contact
            else None,
            "customerUpdatedFlag": author_is_contact,
            "processNotifications": False,
            "dateCreated": ts(created),
            "createdBy": "Email Connector" if author_is_contact else self.member_identifier(member),
            "internalFlag": internal,
            "externalFlag": not internal,
            "_info": {"lastUpdated": ts(created), "updatedBy": self.member_identifier(member)},
        }
        return compact(record)

    def build_ticket_task(self, task_id: int) -> Record:
        ticket_index = self.ticket_tasks.parent(task_id - 1)
        rng = seeded(self.seed, "ticket-task", task_id)
        done = rng.random() < 0.6
        record = {
            "id": task_id,
            "ticketId": self.ticket_id(ticket_index),
            "notes": rng.choice(("Check with user first", "Needs admin credentials from IT Glue", "")),
            "closedFlag": done,
            "priority": rng.randint(1, 3),
            "member": self.member_ref(rng.choice(self.technicians)),
            "resolution": "Done, verified with user." if done else None,
            "summary": rng.choice(("Verify backups", "Update documentation", "Call user back", "Order part")),
            "_info": {"lastUpdated": ts(self.ticket_updated[ticket_index]), "updatedBy": "ZAdmin"},
        }
        return compact(record)

    # ------------------------------------------------------------------ projects

    def project_name(self, index: int) -> str:
        return seeded(self.seed, "project-name", index).choice(pools.PROJECT_NAMES)

    def project_ref(self, index: int) -> Record:
        return ref("project", "project/projects", index + 1, name=self.project_name(index))

    def phase_ref(self, project_index: int, phase_index: int) -> Record:
        offset = phase_index - self.phases.children(project_index).start
        return ref(
            "phase",
            f"project/projects/{project_index + 1}/phases",
            phase_index + 1,
            name=pools.PHASE_NAMES[offset % len(pools.PHASE_NAMES)],
        )

    def _phase_hours(self, phase_index: int) -> tuple[float, float]:
        budget = 0.0
        actual = 0.0
        for ticket_index in self.phase_tickets.children(phase_index):
            budget += seeded(self.seed, "pt-budget", ticket_index).choice((2.0, 4.0, 6.0, 8.0, 16.0))
            for time_index in self.project_time.children(ticket_index):
                actual += self.time_hours(self.service_time.total + time_index)
        return budget, actual

    def build_project(self, project_id: int) -> Record:
        index = project_id - 1
        rng = seeded(self.seed, "project", project_id)
        company_index = self.project_company[index]
        entered, updated = self.project_entered[index], self.project_updated[index]
        start = entered + rng.randint(3, 30) * DAY
        end = start + rng.randint(20, 120) * DAY
        closed = end < ANCHOR - 30 * DAY and rng.random() < 0.8
        hours = [self._phase_hours(p) for p in self.phases.children(index)]
        budget = sum(h[0] for h in hours)
        actual = sum(h[1] for h in hours)
        contact_index, site_index, manager = self._ticket_people(rng, company_index)
        status_id, status_name = (
            (3, "Closed") if closed else rng.choice(((1, "Open"), (2, "In Progress"), (4, "On Hold")))
        )
        board_id = rng.choice((10, 11))
        record = {
            "id": project_id,
            "actualEnd": ts(end) if closed else None,
            "actualHours": actual,
            "actualStart": ts(start) if start < ANCHOR else None,
            "billExpenses": "Billable",
            "billingAmount": float(rng.randint(20, 400) * 100),
            "billingMethod": rng.choice(("ActualRates", "FixedFee", "NotToExceed")),
            "billingRateType": "WorkRole",
            "billingTerms": ref("billingTerms", "finance/billingTerms", 1, name="Net 30 days"),
            "billProducts": "Billable",
            "billProjectAfterClosedFlag": False,
            "billTime": "Billable",
            "billToCompany": self.company_ref(company_index),
            "billToContact": self.contact_ref(contact_index),
            "billUnapprovedTimeAndExpense": False,
            "board": ref(
                "board", "service/boards", board_id, name="Projects" if board_id == 10 else "Professional Services"
            ),
            "budgetAnalysis": "ActualHours",
            "budgetFlag": True,
            "budgetHours": budget,
            "company": self.company_ref(company_index),
            "contact": self.contact_ref(contact_index),
            "customerPO": f"PO-{rng.randint(10000, 99999)}" if rng.random() < 0.4 else None,
            "description": f"{self.project_name(index)} for {self.company_name(company_index)}.\n"
            "Scope: see SOW v2 attached. Out of scope: printers, phones.",
            "currency": self.currency_ref(),
            "estimatedEnd": ts(end),
            "percentComplete": 100.0 if closed else round(min(99.0, 100 * actual / budget), 2) if budget else 0.0,
            "estimatedHours": budget,
            "estimatedStart": ts(start),
            "estimatedTimeRevenue": budget * 150.0,
            "includeDependenciesFlag": False,
            "includeEstimatesFlag": False,
            "location": ref("location", "system/locations", 1, name="Tampa Office"),
            "department": ref("department", "system/departments", 10, identifier="Services", name="Services"),
            "manager": self.member_ref(manager),
            "name": self.project_name(index),
            "restrictDownPaymentFlag": False,
            "scheduledEnd": ts(end),
            "scheduledHours": budget,
            "scheduledStart": ts(start),
            "site": self.site_ref(company_index, site_index),
            "status": ref("status", "project/statuses", status_id, name=status_name),
            "closedFlag": closed,
            "type": ref("type", "project/projectTypes", 1, name="Implementation"),
            "doNotDisplayInPortalFlag": False,
            "companyLocation": ref("location", "system/locations", 1, name="Tampa Office"),
            "_info": info(
                entered,
                updated,
                self.member_identifier(manager),
                self.member_identifier(manager),
                phases_href=f"project/projects/{project_id}/phases",
                notes_href=f"project/projects/{project_id}/notes",
                teamMembers_href=f"project/projects/{project_id}/teamMembers",
                documents_href=f"system/documents?recordType=Project&recordId={project_id}",
            ),
            "customFields": self.custom_fields("Project", rng),
        }
        return compact(record)

    def build_phase(self, phase_id: int) -> Record:
        phase_index = phase_id - 1
        project_index = self.phases.parent(phase_index)
        rng = seeded(self.seed, "phase", phase_id)
        offset = phase_index - self.phases.children(project_index).start
        budget, actual = self._phase_hours(phase_index)
        start = self.project_entered[project_index] + (3 + offset * 14) * DAY
        record = {
            "id": phase_id,
            "projectId": project_index + 1,
            "description": pools.PHASE_NAMES[offset % len(pools.PHASE_NAMES)],
            "board": ref("board", "service/boards", 10, name="Projects"),
            "status": ref(
                "status", "project/phaseStatuses", 1 + (actual >= budget), name="Closed" if actual >= budget else "Open"
            ),
            "wbsCode": str(offset + 1),
            "billTime": "Billable",
            "billExpenses": "Billable",
            "billProducts": "Billable",
            "markAsMilestoneFlag": offset == 0,
            "notes": "Customer sign-off required before next phase." if rng.random() < 0.3 else None,
            "deadlineDate": ts(start + 14 * DAY),
            "billSeparatelyFlag": False,
            "scheduledHours": budget,
            "scheduledStart": ts(start),
            "scheduledEnd": ts(start + 14 * DAY),
            "actualHours": actual,
            "budgetHours": budget,
            "locationId": 1,
            "businessUnitId": 10,
            "billPhaseClosedFlag": False,
            "billProjectClosedFlag": False,
            "_info": {"lastUpdated": ts(self.project_updated[project_index]), "updatedBy": "ZAdmin"},
        }
        return compact(record)

    def build_project_note(self, note_id: int) -> Record:
        project_index = self.project_notes.parent(note_id - 1)
        rng = seeded(self.seed, "project-note", note_id)
        created = self.project_entered[project_index] + rng.randint(1, 60) * DAY
        return {
            "id": note_id,
            "projectId": project_index + 1,
            "text": rng.choice(
                (
                    "Kick-off held; customer wants cut-over on a weekend.",
                    "Change request #2 approved: add 10 more mailboxes.",
                    "Risk: legacy app needs 32-bit Office.\nMitigation: keep one RDS host.",
                    "Status call moved to Tuesdays 10:00 (Europe/Berlin).",
                )
            ),
            "type": ref("type", "project/noteTypes", 1, name="General"),
            "flagged": rng.random() < 0.2,
            "_info": {"lastUpdated": ts(created), "updatedBy": self.member_identifier(rng.choice(self.technicians))},
        }

    def build_team_member(self, member_row: int) -> Record:
        project_index = self.team_members.parent(member_row - 1)
        rng = seeded(self.seed, "team-member", member_row)
        start = self.project_entered[project_index]
        return {
            "id": member_row,
            "projectId": project_index + 1,
            "hours": float(rng.choice((8, 16, 24, 40))),
            "member": self.member_ref(rng.choice(self.technicians)),
            "projectRole": {
                "id": rng.randint(1, 3),
                "identifier": rng.choice(("Engineer", "Lead", "Coordinator")),
                "_info": {"projectRole_href": f"{BASE}/project/projectRoles/1"},
            },
            "workRole": ref("workRole", "time/workRoles", 1, name="Engineer"),
            "startDate": ts(start),
            "endDate": ts(start + 120 * DAY),
            "_info": {"lastUpdated": ts(self.project_updated[project_index]), "updatedBy": "ZAdmin"},
        }

    def build_project_ticket(self, ticket_id: int) -> Record:
        index = ticket_id - self.project_ticket_base - 1
        phase_index = self.phase_tickets.parent(index)
        project_index = self.phases.parent(phase_index)
        company_index = self.project_company[project_index]
        rng = seeded(self.seed, "project-ticket", ticket_id)
        budget = seeded(self.seed, "pt-budget", index).choice((2.0, 4.0, 6.0, 8.0, 16.0))
        time_ids = self.project_time.children(index)
        actual = sum(self.time_hours(self.service_time.total + t) for t in time_ids)
        board_id = 10
        closed = actual >= budget or rng.random() < 0.3
        statuses = self.board_statuses[board_id]
        status_id = statuses[-1] if closed else rng.choice(statuses[:-1])
        contact_index, site_index, owner = self._ticket_people(rng, company_index)
        entered = self.project_entered[project_index] + rng.randint(1, 20) * DAY
        updated = max(entered, self.project_updated[project_index] - rng.randint(0, 5) * DAY)
        offset = phase_index - self.phases.children(project_index).start
        position = index - self.phase_tickets.children(phase_index).start
        record = {
            "id": ticket_id,
            "summary": pools.PROJECT_TASKS[(offset * 2 + position) % len(pools.PROJECT_TASKS)],
            "isIssueFlag": False,
            "board": self.board_ref(board_id),
            "status": self.status_ref(board_id, status_id),
            "project": self.project_ref(project_index),
            "phase": self.phase_ref(project_index, phase_index),
            "wbsCode": f"{offset + 1}.{position + 1}",
            "company": self.company_ref(company_index),
            **self._location_fields(company_index, site_index, rng),
            **self._contact_fields(contact_index),
            "owner": self.member_ref(owner),
            "priority": self.priority_ref(3),
            "budgetHours": budget,
            "allowAllClientsPortalView": False,
            "customerUpdatedFlag": False,
            "automaticEmailContactFlag": False,
            "automaticEmailResourceFlag": False,
            "automaticEmailCcFlag": False,
            "closedDate": ts(updated) if closed else None,
            "closedBy": self.member_identifier(owner) if closed else None,
            "closedFlag": closed,
            "actualHours": actual,
            "approved": True,
            "resources": self.member_identifier(owner),
            "billTime": "Billable",
            "billExpenses": "Billable",
            "billProducts": "Billable",
            "location": ref("location", "system/locations", 1, name="Tampa Office"),
            "department": ref("department", "system/departments", 10, identifier="Services", name="Services"),
            "mobileGuid": str(uuid.UUID(int=rng.getrandbits(128))),
            "currency": self.currency_ref(),
            "_info": info(
                entered,
                updated,
                self.member_identifier(owner),
                self.member_identifier(owner),
                notes_href=f"project/tickets/{ticket_id}/notes",
                tasks_href=f"project/tickets/{ticket_id}/tasks",
                timeentries_href=f"time/entries?conditions=chargeToType='ProjectTicket' AND chargeToId={ticket_id}",
            ),
            "customFields": [],
        }
        return compact(record)

    def project_ticket_epoch(self, ticket_index: int) -> int:
        project_index = self.phases.parent(self.phase_tickets.parent(ticket_index))
        return self.project_entered[project_index]

    def build_project_ticket_note(self, note_id: int) -> Record:
        ticket_index = self.project_ticket_notes.parent(note_id - 1)
        rng = seeded(self.seed, "pt-note", note_id)
        internal = rng.random() < 0.5
        created = self.project_ticket_epoch(ticket_index) + rng.randint(1, 30) * DAY
        return compact(
            {
                "id": note_id,
                "ticketId": self.project_ticket_id(ticket_index),
                "text": self._note_text(rng),
                "detailDescriptionFlag": not internal,
                "internalAnalysisFlag": internal,
                "resolutionFlag": False,
                "issueFlag": False,
                "member": self.member_ref(rng.choice(self.technicians)),
                "customerUpdatedFlag": False,
                "processNotifications": False,
                "internalFlag": internal,
                "externalFlag": not internal,
                "_info": {"lastUpdated": ts(created), "updatedBy": "ZAdmin"},
            }
        )

    def build_project_ticket_task(self, task_id: int) -> Record:
        ticket_index = self.project_ticket_tasks.parent(task_id - 1)
        rng = seeded(self.seed, "pt-task", task_id)
        done = rng.random() < 0.5
        return compact(
            {
                "id": task_id,
                "ticketId": self.project_ticket_id(ticket_index),
                "notes": "See runbook in IT Glue.",
                "closedFlag": done,
                "priority": rng.randint(1, 3),
                "member": self.member_ref(rng.choice(self.technicians)),
                "resolution": "Completed." if done else None,
                "summary": rng.choice(("Prepare checklist", "Confirm downtime window", "Update DNS", "Test failover")),
                "_info": {"lastUpdated": ts(self.project_ticket_epoch(ticket_index) + DAY), "updatedBy": "ZAdmin"},
            }
        )

    # ------------------------------------------------------------------ time

    def build_time_entry(self, entry_id: int) -> Record:
        index = entry_id - 1
        rng = seeded(self.seed, "time-entry", entry_id)
        hours = self.time_hours(index)
        member = rng.choice(self.technicians)
        entered, updated = self.time_entered[index], self.time_updated[index]
        if index < self.service_time.total:
            ticket_index = self.service_time.parent(index)
            ticket_id = self.ticket_id(ticket_index)
            company_index = self.ticket_company[ticket_index]
            charge_type = "ServiceTicket"
            start = self.ticket_entered[ticket_index] + rng.randint(10, 3 * DAY // 60) * 60
            ticket_ref = ref("ticket", "service/tickets", ticket_id, summary=self.build_ticket(ticket_id)["summary"])
            project = phase = None
        else:
            ticket_index = self.project_time.parent(index - self.service_time.total)
            ticket_id = self.project_ticket_id(ticket_index)
            phase_index = self.phase_tickets.parent(ticket_index)
            project_index = self.phases.parent(phase_index)
            company_index = self.project_company[project_index]
            charge_type = "ProjectTicket"
            start = self.project_ticket_epoch(ticket_index) + rng.randint(1, 60) * DAY
            summary = self.build_project_ticket(ticket_id)["summary"]
            ticket_ref = ref("ticket", "project/tickets", ticket_id, summary=summary)
            project = self.project_ref(project_index)
            phase = self.phase_ref(project_index, phase_index)
        start -= start % 900  # technicians log time in quarter hours
        billable = rng.choices(("Billable", "DoNotBill", "NoCharge"), weights=(70, 20, 10))[0]
        identifier = self.member_identifier(member)
        record = {
            "id": entry_id,
            "company": self.company_ref(company_index),
            "companyType": "Client",
            "chargeToId": ticket_id,
            "chargeToType": charge_type,
            "member": self.member_ref(member),
            "locationId": 1,
            "businessUnitId": 10,
            "workType": ref(
                "workType",
                "time/workTypes",
                1 + (billable != "Billable"),
                name="Remote Support" if billable == "Billable" else "Internal",
                utilizationFlag=True,
            ),
            "workRole": ref("workRole", "time/workRoles", 1, name="Engineer"),
            "timeStart": ts(start),
            "timeEnd": ts(start + int(hours * 3600)),
            "hoursDeduct": 0.0,
            "actualHours": hours,
            "billableOption": billable,
            "notes": rng.choice(pools.NOTE_LINES),
            "internalNotes": "Customer was difficult – see previous tickets." if rng.random() < 0.05 else None,
            "addToDetailDescriptionFlag": True,
            "addToInternalAnalysisFlag": False,
            "addToResolutionFlag": False,
            "emailResourceFlag": False,
            "emailContactFlag": False,
            "emailCcFlag": False,
            "hoursBilled": hours if billable == "Billable" else None,
            "invoiceHours": hours if billable == "Billable" else 0.0,
            "enteredBy": identifier,
            "dateEntered": ts(entered),
            "mobileGuid": str(uuid.UUID(int=rng.getrandbits(128))),
            "hourlyRate": 150.0,
            "timeSheet": ref(
                "timeSheet", "time/sheets", 1 + (start - ANCHOR + 3 * YEAR) // (7 * DAY), name=f"{identifier} week"
            ),
            "status": rng.choice(("Open", "ApprovedByTierTwo", "Billed", "Billed", "Billed")),
            "ticket": ticket_ref,
            "project": project,
            "phase": phase,
            "ticketBoard": "Help Desk" if charge_type == "ServiceTicket" else "Projects",
            "invoiceFlag": True,
            "extendedInvoiceAmount": hours * 150.0 if billable == "Billable" else 0.0,
            "locationName": "Tampa Office",
            "_info": {
                "lastUpdated": ts(updated),
                "updatedBy": identifier,
                "chargeToMobileGuid": str(uuid.UUID(int=rng.getrandbits(128))),
            },
            "customFields": [],
        }
        return compact(record)

    # ------------------------------------------------------------------ finance

    def agreement_name(self, agreement_index: int) -> str:
        return seeded(self.seed, "agreement-name", agreement_index).choice(
            (
                "Managed Services - Gold",
                "Managed Services - Silver",
                "Managed Services - Bronze",
                "Block Hours (20h)",
                "Backup as a Service",
                "Microsoft 365 Support",
            )
        )

    def build_agreement(self, agreement_id: int) -> Record:
        index = agreement_id - 1
        company_index = self.agreements.parent(index)
        rng = seeded(self.seed, "agreement", agreement_id)
        name = self.agreement_name(index)
        block = name.startswith("Block")
        entered, updated = self.agreement_entered[index], self.agreement_updated[index]
        start = entered - entered % DAY
        cancelled = rng.random() < 0.08
        expired = not cancelled and rng.random() < 0.07
        contact_index = self.contacts.children(company_index).start
        site_index = self.sites.children(company_index).start
        record = {
            "id": agreement_id,
            "name": name,
            "type": ref(
                "type",
                "finance/agreements/types",
                2 if block else 1,
                name="Block Time" if block else "Managed Services",
            ),
            "company": self.company_ref(company_index),
            "contact": self.contact_ref(contact_index),
            "site": self.site_ref(company_index, site_index),
            "location": ref("location", "system/locations", 1, name="Tampa Office"),
            "department": ref("department", "system/departments", 10, identifier="Services", name="Services"),
            "restrictLocationFlag": False,
            "restrictDepartmentFlag": False,
            "startDate": ts(start),
            "endDate": ts(start + YEAR) if expired or block else None,
            "noEndingDateFlag": not (expired or block),
            "cancelledFlag": cancelled,
            "dateCancelled": ts(updated) if cancelled else None,
            "reasonCancelled": "Moved to another provider" if cancelled else None,
            "sla": ref("sla", "service/SLAs", 1, name="Standard SLA"),
            "internalNotes": "Includes after-hours support for servers only." if rng.random() < 0.3 else None,
            "applicationUnits": "Hours" if block else "Amount",
            "applicationLimit": 20.0 if block else 0.0,
            "applicationCycle": "ContractYear" if block else "CalendarMonth",
            "applicationUnlimitedFlag": not block,
            "oneTimeFlag": block,
            "coverAgreementTime": True,
            "coverAgreementProduct": False,
            "coverAgreementExpense": False,
            "coverSalesTax": False,
            "carryOverUnused": False,
            "allowOverruns": True,
            "chargeToFirm": False,
            "employeeCompRate": "Actual",
            "employeeCompNotExceed": "Billing",
            "billingCycle": ref("billingCycle", "finance/billingCycles", 1, name="Monthly"),
            "billOneTimeFlag": block,
            "billingTerms": ref("billingTerms", "finance/billingTerms", 1, name="Net 30 days"),
            "invoicingCycle": "ContractYear",
            "billToCompany": self.company_ref(company_index),
            "billToContact": self.contact_ref(contact_index),
            "billToSite": self.site_ref(company_index, site_index),
            "billAmount": float(rng.randint(8, 120) * 100),
            "taxable": True,
            "billStartDate": ts(start),
            "restrictDownPayment": False,
            "prorateFlag": True,
            "invoiceDescription": f"{name} – monthly service fee",
            "topComment": False,
            "bottomComment": False,
            "workRole": ref("workRole", "time/workRoles", 1, name="Engineer"),
            "billTime": "Billable",
            "billExpenses": "Billable",
            "billProducts": "Billable",
            "billableTimeInvoice": False,
            "billableExpenseInvoice": False,
            "billableProductInvoice": False,
            "currency": self.currency_ref(),
            "periodType": "Current",
            "autoInvoiceFlag": False,
            "companyLocation": ref("location", "system/locations", 1, name="Tampa Office"),
            "agreementStatus": "Cancelled" if cancelled else "Expired" if expired else "Active",
            "billZeroAmountFlag": False,
            "_info": info(
                entered,
                updated,
                "dwhitfield",
                "dwhitfield",
                additions_href=f"finance/agreements/{agreement_id}/additions",
            ),
            "customFields": [],
        }
        return compact(record)

    def build_addition(self, addition_id: int) -> Record:
        agreement_index = self.additions.parent(addition_id - 1)
        rng = seeded(self.seed, "addition", addition_id)
        product, description, price, cost = rng.choice(
            (
                ("M365-BP", "Microsoft 365 Business Premium", 22.0, 18.7),
                ("RMM-AGENT", "RMM agent – per device", 4.5, 1.2),
                ("BACKUP-1TB", "Cloud backup 1 TB", 59.0, 31.0),
                ("AV-EDR", "EDR – per endpoint (SentinelOne)", 6.0, 3.1),
                ("SUPPORT-USER", "Managed user support", 95.0, 0.0),
            )
        )
        quantity = float(rng.randint(1, 60))
        cancelled = rng.random() < 0.06
        effective = self.agreement_entered[agreement_index]
        return compact(
            {
                "id": addition_id,
                "product": {
                    "id": rng.randint(1, 40),
                    "identifier": product,
                    "serializedFlag": False,
                    "_info": {"product_href": f"{BASE}/procurement/catalog/1"},
                },
                "quantity": quantity,
                "lessIncluded": 0.0,
                "unitPrice": price,
                "unitCost": cost,
                "billCustomer": rng.choices(("Billable", "DoNotBill", "NoCharge"), weights=(85, 5, 10))[0],
                "effectiveDate": ts(effective - effective % DAY),
                "cancelledDate": ts(self.agreement_updated[agreement_index]) if cancelled else None,
                "taxableFlag": True,
                "invoiceDescription": description,
                "purchaseItemFlag": False,
                "specialOrderFlag": False,
                "agreementId": agreement_index + 1,
                "description": description,
                "billedQuantity": quantity,
                "uom": "Each",
                "extPrice": round(quantity * price, 2),
                "extCost": round(quantity * cost, 2),
                "sequenceNumber": float(addition_id - self.additions.children(agreement_index).start),
                "margin": round(quantity * (price - cost), 2),
                "prorateCurrentPeriodFlag": True,
                "agreementStatus": "Cancelled" if cancelled else "Active",
                "_info": {"lastUpdated": ts(self.agreement_updated[agreement_index]), "updatedBy": "dwhitfield"},
                "customFields": [],
            }
        )

    def build_invoice(self, invoice_id: int) -> Record:
        index = invoice_id - 1
        rng = seeded(self.seed, "invoice", invoice_id)
        ticket_index = self.invoice_source[index]
        company_index = self.ticket_company[ticket_index]
        agreements = self.agreements.children(company_index)
        by_agreement = bool(agreements) and rng.random() < 0.6
        entered, updated = self.invoice_entered[index], self.invoice_updated[index]
        subtotal = round(rng.uniform(90, 9000), 2)
        tax = round(subtotal * 0.07, 2)
        total = round(subtotal + tax, 2)
        paid = entered < ANCHOR - 45 * DAY and rng.random() < 0.9
        payments = total if paid else (round(total / 2, 2) if rng.random() < 0.1 else 0.0)
        line1, city, state, postcode, country = self.address(
            seeded(self.seed, "company", self.company_id(company_index))
        )
        site_index = self.sites.children(company_index).start
        record = {
            "id": invoice_id,
            "invoiceNumber": f"{'AGR' if by_agreement else 'INV'}{100000 + invoice_id}",
            "type": "Agreement" if by_agreement else rng.choice(("Standard", "Standard", "Standard", "CreditMemo")),
            "status": {
                "id": 2 if paid else 1,
                "name": "Paid" if paid else "Sent",
                "isClosed": paid,
                "_info": {"status_href": f"{BASE}/finance/billingStatuses/{2 if paid else 1}"},
            },
            "company": self.company_ref(company_index),
            "billToCompany": self.company_ref(company_index),
            "shipToCompany": self.company_ref(company_index),
            "accountNumber": f"AC{self.company_id(company_index):05d}",
            "applyToType": "Agreement" if by_agreement else "Ticket",
            "applyToId": agreements.start + 1 if by_agreement else self.ticket_id(ticket_index),
            "attention": " ".join(self.contact_name(self.contacts.children(company_index).start)),
            "billingSite": self.site_ref(company_index, site_index),
            "billingSiteAddressLine1": line1,
            "billingSiteCity": city,
            "billingSiteState": state or None,
            "billingSiteZip": postcode,
            "billingSiteCountry": pools.COUNTRIES[country][1],
            "billingTerms": ref("billingTerms", "finance/billingTerms", 1, name="Net 30 days"),
            "date": ts(entered - entered % DAY),
            "dueDate": ts(entered - entered % DAY + 30 * DAY),
            "taxableFlag": True,
            "taxCode": ref("taxCode", "finance/taxCodes", 1, name="Tax-State"),
            "serviceTotal": subtotal,
            "currency": self.currency_ref(),
            "expenseTotal": 0.0,
            "productTotal": 0.0,
            "agreementAmount": subtotal if by_agreement else 0.0,
            "subtotal": subtotal,
            "total": total,
            "salesTax": tax,
            "payments": payments,
            "credits": 0.0,
            "balance": round(total - payments, 2),
            "specialInvoiceFlag": False,
            "ticket": None
            if by_agreement
            else ref(
                "ticket",
                "service/tickets",
                self.ticket_id(ticket_index),
                summary=self.build_ticket(self.ticket_id(ticket_index))["summary"],
            ),
            "agreement": ref(
                "agreement",
                "finance/agreements",
                agreements.start + 1,
                name=self.agreement_name(agreements.start),
                type="Managed Services",
                chargeFirmFlag=False,
            )
            if by_agreement
            else None,
            "_info": info(
                entered,
                updated,
                "dwhitfield",
                "dwhitfield",
                products_href=f"procurement/products?conditions=invoice/id={invoice_id}",
                timeEntries_href=f"time/entries?conditions=invoice/id={invoice_id}",
                expenseEntries_href=f"expense/entries?conditions=invoice/id={invoice_id}",
            ),
            "customFields": [],
        }
        return compact(record)

    # ------------------------------------------------------------------ sales

    def build_opportunity(self, opportunity_id: int) -> Record:
        index = opportunity_id - 1
        rng = seeded(self.seed, "opportunity", opportunity_id)
        company_index = self.opportunity_company[index]
        entered, updated = self.opportunity_entered[index], self.opportunity_updated[index]
        contact_index, site_index, rep = self._ticket_people(rng, company_index)
        outcome = rng.choices(("Open", "Won", "Lost"), weights=(40, 40, 20))[0]
        status_id = {"Open": 1, "Won": 2, "Lost": 3}[outcome]
        closed = outcome != "Open"
        return compact(
            {
                "id": opportunity_id,
                "name": rng.choice(
                    (
                        "Server refresh",
                        "Firewall upgrade",
                        "Microsoft 365 licences",
                        "New office network",
                        "Managed backup",
                        "Laptop fleet 2027",
                    )
                ),
                "expectedCloseDate": ts(entered + rng.randint(14, 120) * DAY),
                "type": ref("type", "sales/opportunities/types", 1, name="New Business"),
                "stage": ref(
                    "stage",
                    "sales/stages",
                    rng.randint(1, 4),
                    name=rng.choice(("Qualify", "Propose", "Negotiate", "Closed")),
                ),
                "status": ref("status", "sales/opportunities/statuses", status_id, name=outcome),
                "priority": ref("priority", "sales/priorities", 1, name="Medium"),
                "notes": "Decision maker is the CFO; budget approved for Q1." if rng.random() < 0.4 else None,
                "probability": ref("probability", "sales/probabilities", 5, name="50"),
                "source": rng.choice(("Referral", "Website", "Existing client", None)),
                "rating": ref("rating", "sales/ratings", 2, name="Warm"),
                "primarySalesRep": self.member_ref(rep),
                "locationId": 1,
                "businessUnitId": 10,
                "company": self.company_ref(company_index),
                "contact": self.contact_ref(contact_index),
                "site": self.site_ref(company_index, site_index),
                "dateBecameLead": ts(entered),
                "closedDate": ts(updated) if closed else None,
                "closedBy": self.member_ref(rep) if closed else None,
                "totalSalesTax": 0.0,
                "currency": self.currency_ref(),
                "companyLocationId": 1,
                "_info": info(
                    entered,
                    updated,
                    self.member_identifier(rep),
                    self.member_identifier(rep),
                    forecast_href=f"sales/opportunities/{opportunity_id}/forecast",
                    notes_href=f"sales/opportunities/{opportunity_id}/notes",
                ),
                "customFields": [],
            }
        )

    def build_forecast_item(self, item_id: int) -> Record:
        opportunity_index = self.forecast_items.parent(item_id - 1)
        rng = seeded(self.seed, "forecast", item_id)
        kind = rng.choice(("Product", "Service", "Agreement"))
        quantity = float(rng.randint(1, 25))
        revenue = round(quantity * rng.uniform(50, 1500), 2)
        cost = round(revenue * rng.uniform(0.4, 0.8), 2)
        recurring = kind == "Agreement"
        created = self.opportunity_entered[opportunity_index]
        return {
            "id": item_id,
            "forecastDescription": {
                "Product": "Dell PowerEdge R650",
                "Service": "Installation labour",
                "Agreement": "Managed Services - Gold",
            }[kind],
            "opportunity": ref(
                "opportunity",
                "sales/opportunities",
                opportunity_index + 1,
                name=self.build_opportunity(opportunity_index + 1)["name"],
            ),
            "quantity": quantity,
            "status": ref("status", "sales/opportunities/statuses", 1, name="Open"),
            "catalogItem": {
                "id": rng.randint(1, 40),
                "identifier": f"SKU-{rng.randint(100, 999)}",
                "serializedFlag": kind == "Product",
                "_info": {"catalogItem_href": f"{BASE}/procurement/catalog/1"},
            },
            "productDescription": "See quote" if kind != "Product" else "2x Xeon Silver, 128 GB RAM",
            "productClass": kind,
            "revenue": revenue,
            "cost": cost,
            "margin": round(revenue - cost, 2),
            "percentage": 50,
            "includeFlag": True,
            "forecastType": kind,
            "linkFlag": False,
            "recurringRevenue": revenue if recurring else 0.0,
            "recurringCost": cost if recurring else 0.0,
            "recurringDateStart": ts(created),
            "recurringDateEnd": ts(created + YEAR),
            "cycleBasis": "Cycles",
            "cycles": 12 if recurring else 0,
            "recurringFlag": recurring,
            "sequenceNumber": float(item_id - self.forecast_items.children(opportunity_index).start),
            "subNumber": 0,
            "taxableFlag": True,
            "_info": {"lastUpdated": ts(self.opportunity_updated[opportunity_index]), "updatedBy": "ZAdmin"},
        }

    def forecast_container(self, opportunity_id: int, items: list[Record]) -> Record:
        """GET .../forecast lists one Forecast holding the forecastItems and revenue totals (spec: Forecast[])."""
        revenue = round(sum(i["revenue"] for i in items), 2)
        cost = round(sum(i.get("cost") or 0 for i in items), 2)

        def totals(name: str, subset: list[Record]) -> Record:
            r = round(sum(i["revenue"] for i in subset), 2)
            c = round(sum(i.get("cost") or 0 for i in subset), 2)
            return {
                "id": opportunity_id,
                "revenue": r,
                "cost": c,
                "margin": round(r - c, 2),
                "percentage": 50,
                "_info": {f"{name}_href": f"{BASE}/sales/opportunities/{opportunity_id}/forecast"},
            }

        by_kind = {
            kind: [i for i in items if i.get("forecastType") == kind] for kind in ("Product", "Service", "Agreement")
        }
        return {
            "id": opportunity_id,
            "forecastItems": items,
            "productRevenue": totals("productRevenue", by_kind["Product"]),
            "serviceRevenue": totals("serviceRevenue", by_kind["Service"]),
            "agreementRevenue": totals("agreementRevenue", by_kind["Agreement"]),
            "forecastRevenueTotals": totals("forecastRevenueTotals", items),
            "recurringTotal": round(sum(i["recurringRevenue"] for i in items), 2),
            "salesTaxRevenue": 0.0,
            "forecastTotalWithTaxes": revenue,
            "expectedProbability": 50,
            "currency": self.currency_ref(),
            "_info": {
                "lastUpdated": items[0]["_info"]["lastUpdated"] if items else ts(ANCHOR),
                "updatedBy": "ZAdmin",
                "cost": str(cost),
            },
        }

    def build_opportunity_note(self, note_id: int) -> Record:
        opportunity_index = self.opportunity_notes.parent(note_id - 1)
        rng = seeded(self.seed, "opportunity-note", note_id)
        author = self.member_identifier(rng.choice(self.technicians))
        return {
            "id": note_id,
            "opportunityId": opportunity_index + 1,
            "type": ref("type", "sales/opportunities/noteTypes", 1, name="General"),
            "text": rng.choice(
                (
                    "Sent proposal v2 – 10% discount on hardware.",
                    "Competitor quote is 15% lower.",
                    "Call scheduled with Herr Müller on Thursday.",
                )
            ),
            "flagged": False,
            "enteredBy": author,
            "mobileGuid": str(uuid.UUID(int=rng.getrandbits(128))),
            "_info": {"lastUpdated": ts(self.opportunity_updated[opportunity_index]), "updatedBy": author},
        }

    def build_order(self, order_id: int) -> Record:
        index = order_id - 1
        rng = seeded(self.seed, "order", order_id)
        company_index = self.order_company[index]
        entered, updated = self.order_entered[index], self.order_updated[index]
        contact_index, site_index, rep = self._ticket_people(rng, company_index)
        lines = self.order_lines.children(index)
        subtotal = round(sum(self._order_line_amount(line + 1) for line in lines), 2)
        tax = round(subtotal * 0.07, 2)
        status_id, status_name = rng.choice(((1, "New"), (2, "Ordered"), (3, "Shipped"), (4, "Closed")))
        return compact(
            {
                "id": order_id,
                "company": self.company_ref(company_index),
                "contact": self.contact_ref(contact_index),
                "site": self.site_ref(company_index, site_index),
                "status": ref("status", "sales/orderStatuses", status_id, name=status_name),
                "orderDate": ts(entered),
                "dueDate": ts(entered + 21 * DAY),
                "billingTerms": ref("billingTerms", "finance/billingTerms", 1, name="Net 30 days"),
                "taxCode": ref("taxCode", "finance/taxCodes", 1, name="Tax-State"),
                "poNumber": f"PO-{rng.randint(10000, 99999)}" if rng.random() < 0.5 else None,
                "location": ref("location", "system/locations", 1, name="Tampa Office"),
                "department": ref("department", "system/departments", 10, identifier="Services", name="Services"),
                "salesRep": self.member_ref(rep),
                "notes": "Deliver to loading dock B." if rng.random() < 0.3 else None,
                "billClosedFlag": False,
                "billShippedFlag": False,
                "restrictDownpaymentFlag": False,
                "description": "Hardware order",
                "topCommentFlag": False,
                "bottomCommentFlag": False,
                "billToCompany": self.company_ref(company_index),
                "shipToCompany": self.company_ref(company_index),
                "productIds": [],
                "documentIds": [],
                "invoiceIds": [],
                "configIds": [],
                "total": round(subtotal + tax, 2),
                "taxTotal": tax,
                "currency": self.currency_ref(),
                "subTotal": subtotal,
                "_info": info(
                    entered,
                    updated,
                    self.member_identifier(rep),
                    self.member_identifier(rep),
                    lineitems_href=f"sales/orders/{order_id}/lineitems",
                ),
                "customFields": [],
            }
        )

    def _order_line_amount(self, line_id: int) -> float:
        rng = seeded(self.seed, "order-line", line_id)
        return rng.randint(1, 10) * rng.choice((49.0, 189.0, 899.0, 1499.0))

    def build_order_line(self, line_id: int) -> Record:
        order_index = self.order_lines.parent(line_id - 1)
        rng = seeded(self.seed, "order-line", line_id)
        quantity = rng.randint(1, 10)
        return {
            "id": line_id,
            "purchaseOrderNumber": f"PO-{rng.randint(10000, 99999)}",
            "salesOrder": {
                "id": order_index + 1,
                "identifier": f"SO{order_index + 1:05d}",
                "_info": {"salesOrder_href": f"{BASE}/sales/orders/{order_index + 1}"},
            },
            "billStatus": rng.choice(("NotBilled", "Billed")),
            "quantity": quantity,
            "quantityCancelled": 0,
            "_info": {"lastUpdated": ts(self.order_updated[order_index]), "updatedBy": "ZAdmin"},
        }

    def build_activity(self, activity_id: int) -> Record:
        index = activity_id - 1
        rng = seeded(self.seed, "activity", activity_id)
        ticket_index = self.activity_ticket[index]
        company_index = self.ticket_company[ticket_index]
        contact_index, _site_index, member = self._ticket_people(rng, company_index)
        entered, updated = self.activity_entered[index], self.activity_updated[index]
        start = entered - entered % 900
        done = updated < ANCHOR - 7 * DAY
        kind_id, kind = rng.choice(((1, "Call"), (2, "Meeting"), (3, "Quarterly Business Review"), (4, "Email")))
        first, last = self.contact_name(contact_index)
        return compact(
            {
                "id": activity_id,
                "name": f"{kind} with {first} {last}"[:100],
                "type": ref("type", "sales/activities/types", kind_id, name=kind),
                "company": self.company_ref(company_index),
                "contact": self.contact_ref(contact_index),
                "email": f"{slug(first).lower()}.{slug(last).lower()}@{self.company_domain(company_index)}",
                "status": ref(
                    "status", "sales/activities/statuses", 2 if done else 1, name="Closed" if done else "Open"
                ),
                "ticket": ref(
                    "ticket",
                    "service/tickets",
                    self.ticket_id(ticket_index),
                    summary=self.build_ticket(self.ticket_id(ticket_index))["summary"],
                )
                if rng.random() < 0.5
                else None,
                "notes": "Discussed renewal and the new backup offering." if rng.random() < 0.6 else None,
                "dateStart": ts(start),
                "dateEnd": ts(start + 3600),
                "assignedBy": self.member_ref(0),
                "assignTo": self.member_ref(member),
                "notifyFlag": False,
                "mobileGuid": str(uuid.UUID(int=rng.getrandbits(128))),
                "currency": self.currency_ref(),
                "closeFlag": done,
                "_info": info(entered, updated, self.member_identifier(member), self.member_identifier(member)),
                "customFields": [],
            }
        )

    def document_target_id(self, index: int) -> tuple[str, int]:
        kind = DOCUMENT_RECORD_TYPES[self.document_kind[index]]
        raw = self.document_target[index]
        if kind == "Ticket":
            return kind, self.ticket_id(raw % self.scale.tickets)
        if kind == "Company":
            return kind, self.company_id(raw % self.scale.companies)
        if kind == "Configuration":
            return kind, self.config_base + 1 + raw % self.configs.total
        return kind, 1 + raw % self.scale.projects

    def document_column(self, document_id: int, name: str) -> Any:
        kind, target = self.document_target_id(document_id - 1)
        return kind if name == "recordtype" else target

    def build_document(self, document_id: int) -> Record:
        index = document_id - 1
        rng = seeded(self.seed, "document", document_id)
        title, filename, image = rng.choice(
            (
                ("Screenshot of error", "error.png", True),
                ("Signed SOW", "SOW – signed (v2).pdf", False),
                ("Network diagram", "network-diagram.vsdx", False),
                ("Photo of rack", "IMG_4471.JPG", True),
                ("Config backup", "fw-backup-2026-09-01.conf", False),
            )
        )
        entered = self.document_entered[index]
        guid = uuid.UUID(int=rng.getrandbits(128))
        return {
            "id": document_id,
            "title": title,
            "fileName": filename,
            "serverFileName": f"{guid}{filename[filename.rfind('.') :]}",
            "owner": self.member_identifier(rng.choice(self.technicians)),
            "linkFlag": False,
            "imageFlag": image,
            "publicFlag": rng.random() < 0.3,
            "htmlTemplateFlag": False,
            "readOnlyFlag": False,
            "size": rng.randint(2_000, 8_000_000),
            "urlFlag": False,
            "createdOnDate": ts(entered),
            "documentType": ref("documentType", "system/documentTypes", 1, name="General"),
            "guid": str(guid),
            "_info": {
                "lastUpdated": ts(self.document_updated[index]),
                "updatedBy": "ZAdmin",
                "download_href": f"{BASE}/system/documents/{document_id}/download",
            },
        }
