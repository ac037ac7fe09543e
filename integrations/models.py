"""ConnectWise connection (encrypted secrets), the base of every PSA cache table, and reference-data tables."""

from __future__ import annotations

from django.db import models, transaction
from django.db.models import Q

from integrations.fields import PayloadField, SecretField, UndecryptableSecret

SECRET_FIELDS = ("public_key", "private_key", "client_id")


class Connection(models.Model):
    """A ConnectWise PSA tenant the portal reads from, with its API member's keys encrypted at rest."""

    class Region(models.TextChoices):
        NA = "na", "North America (na.myconnectwise.net)"
        EU = "eu", "Europe (eu.myconnectwise.net)"
        AU = "au", "Australia (au.myconnectwise.net)"
        AUS = "aus", "Australia (aus.myconnectwise.net)"
        ZA = "za", "South Africa (za.myconnectwise.net)"
        STAGING = "staging", "Staging (staging.connectwisedev.com)"
        CUSTOM = "custom", "On-premise or other URL"

    REGION_SITES = {
        Region.NA: "https://na.myconnectwise.net",
        Region.EU: "https://eu.myconnectwise.net",
        Region.AU: "https://au.myconnectwise.net",
        Region.AUS: "https://aus.myconnectwise.net",
        Region.ZA: "https://za.myconnectwise.net",
        Region.STAGING: "https://staging.connectwisedev.com",
    }

    name = models.CharField(max_length=100, unique=True)
    region = models.CharField(max_length=16, choices=Region.choices, default=Region.NA)
    custom_url = models.URLField(
        "custom site URL",
        blank=True,
        help_text="Only for an on-premise server or the bundled emulator, e.g. https://cw.example.com. "
        "On-premise hosts must also be listed in PSA_ALLOWED_HOSTS.",
    )
    company_id = models.CharField(
        "company ID", max_length=100, help_text="The login company typed on the ConnectWise login screen."
    )
    public_key = SecretField(max_length=255)
    private_key = SecretField(max_length=255)
    client_id = SecretField("client ID", max_length=255, help_text="The clientId GUID from developer.connectwise.com.")
    api_version = models.CharField(
        "API version", max_length=16, default="2025.8", help_text="Sent in the Accept header to pin the API model."
    )
    is_active = models.BooleanField("active", default=True)
    is_default = models.BooleanField("default", default=False)
    verify_tls = models.BooleanField("verify TLS certificates", default=True)
    timeout_seconds = models.PositiveSmallIntegerField("request timeout (s)", default=30)

    codebase = models.CharField(max_length=64, blank=True, editable=False)
    api_host = models.CharField("API host", max_length=255, blank=True, editable=False)
    system_info = models.JSONField(default=dict, blank=True, editable=False)
    my_company = models.JSONField(default=dict, blank=True, editable=False)
    reference_pulled_at = models.DateTimeField(null=True, blank=True, editable=False)
    reference_counts = models.JSONField(default=dict, blank=True, editable=False)

    last_tested_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_test_ok = models.BooleanField(null=True, editable=False)
    last_test_message = models.TextField(blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_connection")
        ]

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<Connection {self.pk}: {self.name}>"

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic():
            if self.is_default:  # one default at a time: the newest choice wins
                Connection.objects.filter(is_default=True).exclude(pk=self.pk).update(is_default=False)
            super().save(*args, **kwargs)

    @property
    def site_url(self) -> str:
        if self.region == self.Region.CUSTOM:
            return self.custom_url.rstrip("/")
        return self.REGION_SITES[self.Region(self.region)]

    def undecryptable_fields(self) -> list[str]:
        """Names of secrets stored with a key that is no longer in FIELD_ENCRYPTION_KEY."""
        return [name for name in SECRET_FIELDS if isinstance(getattr(self, name), UndecryptableSecret)]

    def missing_secrets(self) -> list[str]:
        return [name for name in SECRET_FIELDS if not getattr(self, name)]


class CachedRecord(models.Model):
    """Base of every PSA cache table: one row per PSA record of one connection, full payload kept as JSON."""

    # No index of its own: the (connection, psa_id) unique constraint every table has already serves it.
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+", db_index=False)
    psa_id = models.BigIntegerField("PSA id")
    data = PayloadField(default=dict)
    data_hash = models.CharField(max_length=40, editable=False)
    psa_last_updated = models.DateTimeField("PSA last updated", null=True, blank=True, db_index=True)
    synced_at = models.DateTimeField()  # shown, never searched: an index would only slow every write
    is_deleted = models.BooleanField("deleted in PSA", default=False, db_index=True)

    class Meta:
        abstract = True
        ordering = ["psa_id"]

    def __str__(self) -> str:
        label = getattr(self, "name", None) or getattr(self, "summary", None) or ""
        return f"{label} (#{self.psa_id})" if label else f"#{self.psa_id}"


def _unique_per_connection(name: str) -> list[models.UniqueConstraint]:
    return [models.UniqueConstraint(fields=["connection", "psa_id"], name=f"{name}_unique_psa_id")]


class ServiceBoard(CachedRecord):
    """A service board (Help Desk, Network Operations…) pulled by Test Connection."""

    name = models.CharField(max_length=255, db_index=True)
    inactive = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique_per_connection("serviceboard")


class BoardStatus(CachedRecord):
    """A status of a service board; `closed` marks statuses that close a ticket."""

    board_psa_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=255)
    closed = models.BooleanField(default=False)
    inactive = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique_per_connection("boardstatus")
        verbose_name_plural = "board statuses"


class BoardType(CachedRecord):
    """A ticket type of a service board."""

    board_psa_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=255)

    class Meta(CachedRecord.Meta):
        constraints = _unique_per_connection("boardtype")


class BoardSubType(CachedRecord):
    """A ticket subtype of a service board."""

    board_psa_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=255)

    class Meta(CachedRecord.Meta):
        constraints = _unique_per_connection("boardsubtype")


class BoardItem(CachedRecord):
    """A ticket item of a service board."""

    board_psa_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=255)

    class Meta(CachedRecord.Meta):
        constraints = _unique_per_connection("boarditem")


class Priority(CachedRecord):
    """A service priority (Priority 1 - Critical…)."""

    name = models.CharField(max_length=255)
    sort = models.IntegerField(null=True, blank=True)

    class Meta(CachedRecord.Meta):
        constraints = _unique_per_connection("priority")
        verbose_name_plural = "priorities"


class ProjectBoard(CachedRecord):
    """A project board."""

    name = models.CharField(max_length=255)

    class Meta(CachedRecord.Meta):
        constraints = _unique_per_connection("projectboard")


class ProjectBoardStatus(CachedRecord):
    """A status of a project board."""

    board_psa_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=255)
    closed = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique_per_connection("projectboardstatus")
        verbose_name_plural = "project board statuses"


class ConfigurationType(CachedRecord):
    """A configuration (asset) type such as Server, Workstation or Firewall."""

    name = models.CharField(max_length=255)
    inactive = models.BooleanField(default=False)

    class Meta(CachedRecord.Meta):
        constraints = _unique_per_connection("configurationtype")


class CustomFieldDefinition(CachedRecord):
    """A user-defined (custom) field definition; templates address custom fields by caption."""

    caption = models.CharField(max_length=255, db_index=True)
    screen_id = models.CharField(max_length=100, blank=True)
    field_type = models.CharField(max_length=50, blank=True)

    class Meta(CachedRecord.Meta):
        constraints = _unique_per_connection("customfielddefinition")


from integrations.cache_models import *  # noqa: E402,F403  (cache tables live in their own module)

__all__ = [
    "SECRET_FIELDS",
    "BoardItem",
    "BoardStatus",
    "BoardSubType",
    "BoardType",
    "CachedRecord",
    "ConfigurationType",
    "Connection",
    "CustomFieldDefinition",
    "Priority",
    "ProjectBoard",
    "ProjectBoardStatus",
    "ServiceBoard",
]
