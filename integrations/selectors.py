"""Reads of the PSA cache: resolve the `*_psa_id` references between cached records, sync runs and watermarks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.db.models import QuerySet

from integrations.models import (
    CachedRecord,
    Company,
    Connection,
    Contact,
    Member,
    ServiceTicket,
    ServiceTicketNote,
    SyncRun,
    SyncWatermark,
)

Record = TypeVar("Record", bound=CachedRecord)


def cached_records(*, model: type[Record], connection: Connection, include_deleted: bool = False) -> QuerySet[Record]:
    """The cached rows of one type for a connection; rows deleted in the PSA are left out unless asked for."""
    queryset = model.objects.filter(connection=connection)
    return queryset if include_deleted else queryset.filter(is_deleted=False)


def cached_record_resolve(*, model: type[Record], connection: Connection, psa_id: int | None) -> Record | None:
    """The cached record a `*_psa_id` column points at, or None when it is absent or not synced (yet)."""
    if psa_id is None:
        return None
    return model.objects.filter(connection=connection, psa_id=psa_id).first()


def cached_records_resolve(
    *, model: type[Record], connection: Connection, psa_ids: Iterable[int | None]
) -> dict[int, Record]:
    """Many references at once (one query, no N+1): {psa_id: record} for the ids that are cached."""
    wanted = {psa_id for psa_id in psa_ids if psa_id is not None}
    if not wanted:
        return {}
    return {r.psa_id: r for r in model.objects.filter(connection=connection, psa_id__in=wanted)}


def company_of(record: CachedRecord) -> Company | None:
    """The company a ticket, contact, configuration, agreement… belongs to."""
    return cached_record_resolve(
        model=Company, connection=record.connection, psa_id=getattr(record, "company_psa_id", None)
    )


def contact_of(record: CachedRecord) -> Contact | None:
    return cached_record_resolve(
        model=Contact, connection=record.connection, psa_id=getattr(record, "contact_psa_id", None)
    )


def member_by_identifier(*, connection: Connection, identifier: str) -> Member | None:
    """Members are referenced by identifier (owner, assignee, sales rep) in the key columns."""
    if not identifier:
        return None
    return Member.objects.filter(connection=connection, identifier=identifier).first()


def company_tickets(*, company: Company, include_closed: bool = True) -> QuerySet[ServiceTicket]:
    tickets = cached_records(model=ServiceTicket, connection=company.connection).filter(company_psa_id=company.psa_id)
    return tickets if include_closed else tickets.filter(closed=False)


def ticket_notes(*, ticket: ServiceTicket) -> QuerySet[ServiceTicketNote]:
    return cached_records(model=ServiceTicketNote, connection=ticket.connection).filter(ticket_psa_id=ticket.psa_id)


def sync_run_active(*, connection: Connection) -> SyncRun | None:
    return SyncRun.objects.filter(connection=connection, status__in=SyncRun.ACTIVE).first()


def sync_run_latest(*, connection: Connection) -> SyncRun | None:
    return SyncRun.objects.filter(connection=connection).order_by("-created_at", "-pk").first()


def sync_watermarks(*, connection: Connection) -> dict[str, SyncWatermark]:
    return {w.object_type: w for w in SyncWatermark.objects.filter(connection=connection)}
