"""PSA cache tables (one per object type), sync runs and per-type watermarks.

Relations between cached records are plain indexed `*_psa_id` columns, not foreign keys: a sync never fails or has to
order its writes because a referenced record is missing or not synced yet, and `integrations.selectors` resolves them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from integrations.models import CachedRecord, Connection

__all__ = [
    "Agreement",
    "AgreementAddition",
    "Company",
    "CompanyNote",
    "CompanySite",
    "Configuration",
    "Contact",
    "Document",
    "Invoice",
    "Member",
    "Opportunity",
    "OpportunityForecastItem",
    "OpportunityNote",
    "Project",
    "ProjectNote",
    "ProjectPhase",
    "ProjectTeamMember",
    "ProjectTicket",
    "ProjectTicketNote",
    "ProjectTicketTask",
    "SalesActivity",
    "SalesOrder",
    "SalesOrderLineItem",
    "ServiceTicket",
    "ServiceTicketNote",
    "ServiceTicketTask",
    "SyncRun",
    "SyncWatermark",
    "TimeEntry",
]


def _unique(name: str) -> list[models.UniqueConstraint]:
    return [models.UniqueConstraint(fields=["connection", "psa_id"], name=f"{name}_unique_psa_id")]


def _ref(*, index: bool = True) -> models.BigIntegerField:
    """The PSA id of a referenced record, resolvable with a selector; null when the payload has no reference.

    Indexed when people look records up by it; every index costs write time on 100k-row tables, so not always.
    """
    return models.BigIntegerField(null=True, blank=True, db_index=index)


def _text(max_length: int = 255, *, index: bool = False) -> models.CharField:
    return models.CharField(max_length=max_length, blank=True, default="", db_index=index)


def _when(*, index: bool = False) -> models.DateTimeField:
    return models.DateTimeField(null=True, blank=True, db_index=index)


def _money() -> models.DecimalField:
    return models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)


# --------------------------------------------------------------------------------------------------- company


class Company(CachedRecord):
    """A PSA company (client, prospect, vendor, our own)."""

    identifier = _text(60, index=True)
    name = _text(index=True)
    status_name = _text(100, index=True)
    type_names = _text(255)
    city = _text(100)
    territory_name = _text(100)
    deleted_flag = models.BooleanField("deleted flag in PSA", default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique("company")
        verbose_name_plural = "companies"


class CompanySite(CachedRecord):
    """A site (address) of a company; fetched per changed company."""

    company_psa_id = _ref()
    name = _text(index=True)
    city = _text(100)
    primary_address = models.BooleanField(default=False)
    inactive = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique("companysite")


class CompanyNote(CachedRecord):
    """A note on a company; fetched per changed company."""

    company_psa_id = _ref()
    type_name = _text(100)
    flagged = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique("companynote")


class Contact(CachedRecord):
    """A contact person of a company."""

    company_psa_id = _ref()
    first_name = _text(100)
    last_name = _text(100, index=True)
    email = _text(index=True)
    title = _text(100)
    inactive = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique("contact")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} (#{self.psa_id})".strip()


class Configuration(CachedRecord):
    """A configuration (asset); its type questions and answers stay in `data["questions"]`."""

    company_psa_id = _ref()
    contact_psa_id = _ref(index=False)
    name = _text(index=True)
    type_name = _text(100, index=True)
    status_name = _text(100)
    serial_number = _text(index=True)
    active = models.BooleanField(default=True)

    class Meta(CachedRecord.Meta):
        constraints = _unique("configuration")


# --------------------------------------------------------------------------------------------------- sales


class SalesActivity(CachedRecord):
    """A CRM/sales activity (call, meeting, follow-up)."""

    company_psa_id = _ref()
    contact_psa_id = _ref(index=False)
    opportunity_psa_id = _ref()
    ticket_psa_id = _ref()
    name = _text(index=True)
    type_name = _text(100)
    status_name = _text(100, index=True)
    assigned_to = _text(60, index=True)
    date_start = _when(index=True)

    class Meta(CachedRecord.Meta):
        constraints = _unique("salesactivity")
        verbose_name_plural = "sales activities"


class Opportunity(CachedRecord):
    """A sales opportunity."""

    company_psa_id = _ref()
    contact_psa_id = _ref(index=False)
    name = _text(index=True)
    stage_name = _text(100, index=True)
    status_name = _text(100, index=True)
    sales_rep = _text(60, index=True)
    expected_close_date = _when(index=True)
    closed = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique("opportunity")
        verbose_name_plural = "opportunities"


class OpportunityForecastItem(CachedRecord):
    """A line of an opportunity's forecast; fetched per changed opportunity."""

    opportunity_psa_id = _ref()
    forecast_type = _text(50)
    description = _text()
    revenue = _money()

    class Meta(CachedRecord.Meta):
        constraints = _unique("opportunityforecastitem")


class OpportunityNote(CachedRecord):
    """A note on an opportunity; fetched per changed opportunity."""

    opportunity_psa_id = _ref()
    flagged = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique("opportunitynote")


class SalesOrder(CachedRecord):
    """A sales order."""

    company_psa_id = _ref()
    opportunity_psa_id = _ref()
    status_name = _text(100, index=True)
    po_number = _text(100, index=True)
    order_date = _when(index=True)
    total = _money()
    closed = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique("salesorder")


class SalesOrderLineItem(CachedRecord):
    """A line item of a sales order; fetched per changed order."""

    order_psa_id = _ref()
    description = _text()
    quantity = models.FloatField(null=True, blank=True)

    class Meta(CachedRecord.Meta):
        constraints = _unique("salesorderlineitem")


# --------------------------------------------------------------------------------------------------- system


class Document(CachedRecord):
    """Metadata of a document (attachment) on a record; the file itself is not downloaded."""

    record_type = _text(50, index=True)
    record_psa_id = _ref()
    title = _text(index=True)
    file_name = _text()
    size = models.BigIntegerField(null=True, blank=True)

    class Meta(CachedRecord.Meta):
        constraints = _unique("document")


class Member(CachedRecord):
    """A member (employee or API member) of the PSA tenant."""

    identifier = _text(60, index=True)
    first_name = _text(100)
    last_name = _text(100, index=True)
    email = _text(index=True)
    title = _text(100)
    inactive = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique("member")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.identifier})".strip()


# --------------------------------------------------------------------------------------------------- finance


class Agreement(CachedRecord):
    """A service agreement (contract) with a company."""

    company_psa_id = _ref()
    parent_agreement_psa_id = _ref()
    name = _text(index=True)
    type_name = _text(100, index=True)
    agreement_status = _text(50, index=True)
    start_date = _when(index=True)
    end_date = _when(index=True)
    cancelled = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique("agreement")


class AgreementAddition(CachedRecord):
    """A product added to an agreement; fetched per changed agreement."""

    agreement_psa_id = _ref()
    product_identifier = _text(100, index=True)
    description = _text()
    quantity = models.FloatField(null=True, blank=True)
    cancelled_date = _when()

    class Meta(CachedRecord.Meta):
        constraints = _unique("agreementaddition")


class Invoice(CachedRecord):
    """An invoice."""

    company_psa_id = _ref()
    invoice_number = _text(60, index=True)
    status_name = _text(100, index=True)
    date = _when(index=True)
    due_date = _when()
    total = _money()
    balance = _money()

    class Meta(CachedRecord.Meta):
        constraints = _unique("invoice")


class TimeEntry(CachedRecord):
    """A time entry charged to a ticket, project, activity or company."""

    company_psa_id = _ref(index=False)
    ticket_psa_id = _ref()
    project_psa_id = _ref()
    charge_to_type = _text(50)
    charge_to_psa_id = _ref(index=False)
    member_identifier = _text(60, index=True)
    time_start = _when(index=True)
    actual_hours = models.FloatField(null=True, blank=True)
    billable_option = _text(50)

    class Meta(CachedRecord.Meta):
        constraints = _unique("timeentry")
        verbose_name_plural = "time entries"


# --------------------------------------------------------------------------------------------------- project


class Project(CachedRecord):
    """A project."""

    company_psa_id = _ref()
    name = _text(index=True)
    board_name = _text(100, index=True)
    status_name = _text(100, index=True)
    manager_identifier = _text(60, index=True)
    estimated_start = _when(index=True)
    estimated_end = _when()
    closed = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique("project")


class ProjectPhase(CachedRecord):
    """A phase of a project; fetched per changed project."""

    project_psa_id = _ref()
    description = _text(index=True)
    status_name = _text(100)
    wbs_code = _text(50)

    class Meta(CachedRecord.Meta):
        constraints = _unique("projectphase")


class ProjectNote(CachedRecord):
    """A note on a project; fetched per changed project."""

    project_psa_id = _ref()
    flagged = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique("projectnote")


class ProjectTeamMember(CachedRecord):
    """A member on a project's team; fetched per changed project."""

    project_psa_id = _ref()
    member_identifier = _text(60, index=True)
    role_name = _text(100)

    class Meta(CachedRecord.Meta):
        constraints = _unique("projectteammember")


class ProjectTicket(CachedRecord):
    """A project ticket (a task on a project phase)."""

    project_psa_id = _ref()
    phase_psa_id = _ref()
    company_psa_id = _ref()
    summary = _text(index=True)
    board_name = _text(100, index=True)
    status_name = _text(100, index=True)
    owner_identifier = _text(60, index=True)
    closed = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique("projectticket")


class ProjectTicketNote(CachedRecord):
    """A note on a project ticket; fetched per changed project ticket."""

    ticket_psa_id = _ref()

    class Meta(CachedRecord.Meta):
        constraints = _unique("projectticketnote")


class ProjectTicketTask(CachedRecord):
    """A task (checklist item) of a project ticket; fetched per changed project ticket."""

    ticket_psa_id = _ref()
    closed = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique("projecttickettask")


# --------------------------------------------------------------------------------------------------- service


class ServiceTicket(CachedRecord):
    """A service ticket."""

    company_psa_id = _ref()
    contact_psa_id = _ref(index=False)
    agreement_psa_id = _ref(index=False)
    board_psa_id = _ref(index=False)
    summary = _text()
    board_name = _text(100, index=True)
    status_name = _text(100, index=True)
    priority_name = _text(100)
    owner_identifier = _text(60, index=True)
    date_entered = _when()
    closed = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique("serviceticket")


class ServiceTicketNote(CachedRecord):
    """A note on a service ticket; fetched per changed ticket."""

    ticket_psa_id = _ref()
    internal = models.BooleanField(default=False)
    created_by = _text(60)

    class Meta(CachedRecord.Meta):
        constraints = _unique("serviceticketnote")


class ServiceTicketTask(CachedRecord):
    """A task (checklist item) of a service ticket; fetched per changed ticket."""

    ticket_psa_id = _ref()
    closed = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique("servicetickettask")


# --------------------------------------------------------------------------------------------------- sync


class SyncRun(models.Model):
    """One sync of a connection: what it was asked to do, how far it got, what it counted and what went wrong.

    At most one run per connection is queued or running: a partial unique constraint is the lock, so two workers
    (or a worker and the command) can never sync the same connection at once, on SQLite and PostgreSQL alike.
    """

    class Mode(models.TextChoices):
        INCREMENTAL = "incremental", "Incremental"
        FULL = "full", "Full"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Partial"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="sync_runs")
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.INCREMENTAL)
    object_types = models.JSONField(default=list, blank=True, help_text="Type keys to sync, in order.")
    force = models.BooleanField(default=False, help_text="Mark deletions even beyond the mass-delete guard.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    requested_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker_token = models.CharField(max_length=64, blank=True, editable=False)
    current_type = models.CharField(max_length=64, blank=True)
    pages_done = models.PositiveIntegerField(default=0)
    pages_expected = models.PositiveIntegerField(default=0)
    type_results = models.JSONField(default=dict, blank=True, help_text="Per type: status and counts.")
    requests = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0)
    throttled_seconds = models.FloatField(default=0.0)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection"], condition=Q(status__in=["queued", "running"]), name="one_active_sync_run"
            )
        ]
        indexes = [models.Index(fields=["connection", "-created_at"], name="syncrun_connection_created")]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} sync #{self.pk} of {self.connection_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def total(self, count: str) -> int:
        return sum(int(result.get(count, 0)) for result in self.type_results.values())


class SyncWatermark(models.Model):
    """The newest PSA lastUpdated a committed sync of one type has covered; incremental syncs start from it."""

    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=64)
    last_updated = models.DateTimeField(null=True, blank=True)
    last_full_sync_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "object_type"], name="syncwatermark_unique_type")]

    def __str__(self) -> str:
        return f"{self.object_type} @ {self.last_updated}"
