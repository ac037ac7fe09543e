"""Re-encrypt every stored secret with the first FIELD_ENCRYPTION_KEY (the others only need to decrypt)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from integrations.models import SECRET_FIELDS, Connection


class Command(BaseCommand):
    help = "Re-encrypt stored ConnectWise secrets with the first key in FIELD_ENCRYPTION_KEY."

    def handle(self, *args, **options) -> None:
        rotated, unreadable = 0, []
        with transaction.atomic():
            for connection in Connection.objects.select_for_update().order_by("pk"):
                broken = connection.undecryptable_fields()
                if broken:
                    # Saving would keep the ciphertext as it is; report instead of pretending it rotated.
                    unreadable.append(f"{connection.name} ({', '.join(broken)})")
                    continue
                connection.save(update_fields=[*SECRET_FIELDS, "updated_at"])
                rotated += 1
        self.stdout.write(f"Re-encrypted the secrets of {rotated} connection(s) with the first key.")
        if unreadable:
            raise CommandError(
                "These could not be decrypted with any configured key and were left unchanged: "
                + "; ".join(unreadable)
                + ". Add the key they were encrypted with to FIELD_ENCRYPTION_KEY and run this again."
            )
