"""Staff permissions of the portal's pages, held by a table-less model so the admin can grant them."""

from __future__ import annotations

from django.db import models


class StaffAccess(models.Model):
    """No rows, no table: carries the permissions of the staff pages (records, generator, syncs).

    "Manage templates" is not here: it is the documents app's model permissions, granted in the admin.
    """

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_records", "Can browse the PSA records cache"),
            ("generate_documents", "Can generate documents"),
            ("run_syncs", "Can start a PSA sync"),
        ]
        verbose_name = "staff access"
        verbose_name_plural = "staff access"

    def __str__(self) -> str:
        return "staff access"
