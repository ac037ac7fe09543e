"""Declarative record browsers of the PSA cache, one per document object type: columns, search, filters, ordering.

A browser is the netbox-style `table` + `filterset` of a cache table. The record browser pages and the generator's
record picker both read through it, so a list is always a constant number of queries: the company name is an
annotated subquery, `only()` keeps the JSON payload out of list rows, and filter choices are one query per filter.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Model, OuterRef, Q, QuerySet, Subquery

from integrations.cache_models import Agreement, Company, Configuration, Contact, Opportunity, Project, ServiceTicket
from integrations.models import CachedRecord, Connection

PAGE_SIZE = 25


@dataclass(frozen=True)
class Column:
    """One column of a record list: an attribute of the row (or the annotated `company_name`)."""

    field: str
    label: str
    kind: str = "text"  # text, date, bool


@dataclass(frozen=True)
class Filter:
    """One filter of a record list.

    kind "choice": `field` equals one of its distinct cached values; "state": a boolean column read as open/closed
    (`true_means` names what True is); "date": a date range `<name>_from` / `<name>_to` on a datetime column.
    """

    name: str
    label: str
    field: str
    kind: str = "choice"
    true_means: str = "closed"  # state filters: the label of the True value ("closed", "inactive"…)
    false_means: str = "open"


@dataclass
class BoundFilter:
    """A filter with the person's current values and, for choices, the options to offer."""

    filter: Filter
    value: str = ""
    value_to: str = ""
    options: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.filter.name


@dataclass(frozen=True)
class RecordBrowser:
    """How to list, search, filter and show one object type's cache table."""

    object_type: str
    model: type[CachedRecord]
    label: str
    label_plural: str
    columns: tuple[Column, ...]
    search_fields: tuple[str, ...]
    filters: tuple[Filter, ...] = ()
    ordering: tuple[str, ...] = ("psa_id",)
    title_fields: tuple[str, ...] = ("name",)
    has_company: bool = True

    def base_queryset(self, *, connection: Connection) -> QuerySet[CachedRecord]:
        """Live (not deleted in the PSA) rows of the connection, without their JSON payload, ordered."""
        only = {"pk", "psa_id", "connection_id", "synced_at", *self.title_fields}
        only.update(column.field for column in self.columns if column.field != "company_name")
        queryset = self.model.objects.filter(connection=connection, is_deleted=False)
        if self.has_company:
            only.add("company_psa_id")
            company_name = Company.objects.filter(
                connection=OuterRef("connection"), psa_id=OuterRef("company_psa_id")
            ).values("name")[:1]
            queryset = queryset.annotate(company_name=Subquery(company_name))
        return queryset.only(*sorted(only)).order_by(*self.ordering, "pk")

    def title(self, record: Model) -> str:
        parts = [str(getattr(record, name, "") or "") for name in self.title_fields]
        return " ".join(part for part in parts if part) or f"#{record.psa_id}"

    def rows(self, records: Iterable[Model]) -> list[Row]:
        """Table rows of `records`: the values of the columns in order (templates cannot look attributes up)."""
        return [
            Row(
                psa_id=record.psa_id,
                title=self.title(record),
                cells=[(column, getattr(record, column.field, None)) for column in self.columns],
            )
            for record in records
        ]


@dataclass
class Row:
    """One record of a list, ready to render."""

    psa_id: int
    title: str
    cells: list[tuple[Column, Any]]


def _state(field_name: str, true_means: str, false_means: str) -> Filter:
    return Filter("state", "State", field_name, kind="state", true_means=true_means, false_means=false_means)


def _date(name: str, label: str, field_name: str) -> Filter:
    return Filter(name, label, field_name, kind="date")


BROWSERS: dict[str, RecordBrowser] = {
    browser.object_type: browser
    for browser in (
        RecordBrowser(
            object_type="company",
            model=Company,
            label="company",
            label_plural="companies",
            columns=(
                Column("identifier", "Identifier"),
                Column("name", "Name"),
                Column("status_name", "Status"),
                Column("type_names", "Types"),
                Column("city", "City"),
                Column("territory_name", "Territory"),
            ),
            search_fields=("name", "identifier", "city"),
            filters=(Filter("status", "Status", "status_name"),),
            ordering=("name",),
            has_company=False,
        ),
        RecordBrowser(
            object_type="contact",
            model=Contact,
            label="contact",
            label_plural="contacts",
            columns=(
                Column("first_name", "First name"),
                Column("last_name", "Last name"),
                Column("company_name", "Company"),
                Column("email", "Email"),
                Column("title", "Title"),
                Column("inactive", "Inactive", "bool"),
            ),
            search_fields=("first_name", "last_name", "email"),
            filters=(_state("inactive", "inactive", "active"),),
            ordering=("last_name", "first_name"),
            title_fields=("first_name", "last_name"),
        ),
        RecordBrowser(
            object_type="project",
            model=Project,
            label="project",
            label_plural="projects",
            columns=(
                Column("psa_id", "#"),
                Column("name", "Name"),
                Column("company_name", "Company"),
                Column("board_name", "Board"),
                Column("status_name", "Status"),
                Column("manager_identifier", "Manager"),
                Column("estimated_start", "Start", "date"),
                Column("estimated_end", "End", "date"),
            ),
            search_fields=("name",),
            filters=(
                Filter("board", "Board", "board_name"),
                Filter("status", "Status", "status_name"),
                _date("start", "Start", "estimated_start"),
                _state("closed", "closed", "open"),
            ),
            ordering=("-estimated_start", "name"),
        ),
        RecordBrowser(
            object_type="service_ticket",
            model=ServiceTicket,
            label="service ticket",
            label_plural="service tickets",
            columns=(
                Column("psa_id", "#"),
                Column("summary", "Summary"),
                Column("company_name", "Company"),
                Column("board_name", "Board"),
                Column("status_name", "Status"),
                Column("priority_name", "Priority"),
                Column("owner_identifier", "Owner"),
                Column("date_entered", "Entered", "date"),
            ),
            search_fields=("summary",),
            filters=(
                Filter("board", "Board", "board_name"),
                Filter("status", "Status", "status_name"),
                Filter("priority", "Priority", "priority_name"),
                _date("entered", "Entered", "date_entered"),
                _state("closed", "closed", "open"),
            ),
            ordering=("-date_entered",),
            title_fields=("summary",),
        ),
        RecordBrowser(
            object_type="opportunity",
            model=Opportunity,
            label="opportunity",
            label_plural="opportunities",
            columns=(
                Column("psa_id", "#"),
                Column("name", "Name"),
                Column("company_name", "Company"),
                Column("stage_name", "Stage"),
                Column("status_name", "Status"),
                Column("sales_rep", "Sales rep"),
                Column("expected_close_date", "Expected close", "date"),
            ),
            search_fields=("name",),
            filters=(
                Filter("stage", "Stage", "stage_name"),
                Filter("status", "Status", "status_name"),
                _date("close", "Expected close", "expected_close_date"),
                _state("closed", "closed", "open"),
            ),
            ordering=("-expected_close_date", "name"),
        ),
        RecordBrowser(
            object_type="configuration",
            model=Configuration,
            label="configuration",
            label_plural="configurations",
            columns=(
                Column("name", "Name"),
                Column("company_name", "Company"),
                Column("type_name", "Type"),
                Column("status_name", "Status"),
                Column("serial_number", "Serial number"),
                Column("active", "Active", "bool"),
            ),
            search_fields=("name", "serial_number"),
            filters=(
                Filter("type", "Type", "type_name"),
                Filter("status", "Status", "status_name"),
                _state("active", "active", "inactive"),
            ),
            ordering=("name",),
        ),
        RecordBrowser(
            object_type="agreement",
            model=Agreement,
            label="agreement",
            label_plural="agreements",
            columns=(
                Column("psa_id", "#"),
                Column("name", "Name"),
                Column("company_name", "Company"),
                Column("type_name", "Type"),
                Column("agreement_status", "Status"),
                Column("start_date", "Start", "date"),
                Column("end_date", "End", "date"),
            ),
            search_fields=("name",),
            filters=(
                Filter("type", "Type", "type_name"),
                Filter("status", "Status", "agreement_status"),
                _date("start", "Start", "start_date"),
                _state("cancelled", "cancelled", "current"),
            ),
            ordering=("-start_date", "name"),
        ),
    )
}


class UnknownRecordType(LookupError):
    """No record browser for this object type."""


def record_browser(object_type: str) -> RecordBrowser:
    try:
        return BROWSERS[object_type]
    except KeyError:
        raise UnknownRecordType(object_type) from None


def _parse_date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


@dataclass
class RecordSearch:
    """A filtered record list: the queryset to paginate, the search text and the filters with their values."""

    queryset: QuerySet[CachedRecord]
    query: str
    filters: list[BoundFilter]

    @property
    def is_filtered(self) -> bool:
        return bool(self.query or any(f.value or f.value_to for f in self.filters))

    def querystring_items(self) -> list[tuple[str, str]]:
        """The current search as (name, value) pairs, for links that must keep it (pagination)."""
        items = [("q", self.query)] if self.query else []
        for bound in self.filters:
            if bound.filter.kind == "date":
                items += [(f"{bound.name}_from", bound.value)] if bound.value else []
                items += [(f"{bound.name}_to", bound.value_to)] if bound.value_to else []
            elif bound.value:
                items.append((bound.name, bound.value))
        return items


def record_search(*, browser: RecordBrowser, connection: Connection, params: Mapping[str, Any]) -> RecordSearch:
    """Apply the search text (`q`: the type's search fields and the company name) and the filters in `params`."""
    queryset = browser.base_queryset(connection=connection)
    query = str(params.get("q", "")).strip()[:200]
    if query:
        condition = Q()
        for name in browser.search_fields:
            condition |= Q(**{f"{name}__icontains": query})
        if query.isdigit():
            condition |= Q(psa_id=int(query))
        if browser.has_company:
            companies = Company.objects.filter(connection=connection, is_deleted=False, name__icontains=query)
            condition |= Q(company_psa_id__in=companies.values("psa_id"))
        queryset = queryset.filter(condition)
    bound_filters = []
    for spec in browser.filters:
        bound = BoundFilter(spec)
        if spec.kind == "choice":
            bound.value = str(params.get(spec.name, "")).strip()
            bound.options = _choice_options(browser, connection, spec.field)
            if bound.value:
                queryset = queryset.filter(**{spec.field: bound.value})
        elif spec.kind == "state":
            bound.value = str(params.get(spec.name, "")).strip()
            bound.options = [spec.false_means, spec.true_means]
            if bound.value in bound.options:
                queryset = queryset.filter(**{spec.field: bound.value == spec.true_means})
            else:
                bound.value = ""
        elif spec.kind == "date":
            start = _parse_date(str(params.get(f"{spec.name}_from", "")))
            end = _parse_date(str(params.get(f"{spec.name}_to", "")))
            bound.value = start.isoformat() if start else ""
            bound.value_to = end.isoformat() if end else ""
            if start:
                queryset = queryset.filter(**{f"{spec.field}__date__gte": start})
            if end:
                queryset = queryset.filter(**{f"{spec.field}__date__lte": end})
        bound_filters.append(bound)
    return RecordSearch(queryset=queryset, query=query, filters=bound_filters)


CHOICE_OPTIONS_SECONDS = 120


def _choice_options(browser: RecordBrowser, connection: Connection, field_name: str) -> list[str]:
    """The distinct values of a filter column; cached briefly, since a DISTINCT over 100k rows costs every page view."""

    def distinct_values() -> list[str]:
        values = (
            browser.model.objects.filter(connection=connection, is_deleted=False)
            .exclude(**{field_name: ""})
            .order_by(field_name)
            .values_list(field_name, flat=True)
            .distinct()
        )
        return list(values[:200])

    key = f"browse-options:{browser.model._meta.label_lower}:{connection.pk}:{field_name}"
    return cache.get_or_set(key, distinct_values, CHOICE_OPTIONS_SECONDS)


def record_get(*, browser: RecordBrowser, connection: Connection, psa_id: int) -> CachedRecord | None:
    """One live record with every column and its payload (detail pages)."""
    queryset = browser.model.objects.filter(connection=connection, psa_id=psa_id, is_deleted=False)
    if browser.has_company:
        company_name = Company.objects.filter(
            connection=OuterRef("connection"), psa_id=OuterRef("company_psa_id")
        ).values("name")[:1]
        queryset = queryset.annotate(company_name=Subquery(company_name))
    return queryset.first()


def records_by_psa_id(*, browser: RecordBrowser, connection: Connection, psa_ids: list[int]) -> list[CachedRecord]:
    """The live records among `psa_ids`, in list order (one query): the generator's selection summary."""
    if not psa_ids:
        return []
    found = {r.psa_id: r for r in browser.base_queryset(connection=connection).filter(psa_id__in=psa_ids)}
    return [found[psa_id] for psa_id in psa_ids if psa_id in found]
