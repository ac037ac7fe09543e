"""Load the shipped starter templates and decks (idempotent: creates missing ones, keeps admin edits)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from documents.starter_templates import starter_decks_load, starter_templates_load


class Command(BaseCommand):
    help = "Create the missing starter templates; refresh unedited ones whose shipped content changed."

    def handle(self, *args: Any, **options: Any) -> None:
        results = starter_templates_load() + starter_decks_load()
        for result in results:
            if result.action != "unchanged" or options["verbosity"] > 1:
                self.stdout.write(f"{result.action:>9}  {result.slug} (v{result.version})")
        counts = {action: sum(1 for r in results if r.action == action) for action in ("created", "updated")}
        skipped = sum(1 for r in results if r.action == "skipped")
        summary = f"{counts['created']} created, {counts['updated']} updated, {skipped} left alone (edited)"
        self.stdout.write(self.style.SUCCESS(f"Starter templates: {summary}, {len(results)} in all."))
