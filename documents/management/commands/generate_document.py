"""Generate a document (or a zip of one document per record) from a template, from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.errors import DocumentError
from documents.selectors import document_batch_zip_bytes, document_template_get, generated_document_bytes
from documents.services import document_batch_create, document_batch_generate, document_generate


def _parse_ids(value: str) -> list[int]:
    try:
        ids = [int(part) for part in value.replace(" ", "").split(",") if part]
    except ValueError as exc:
        raise CommandError(f"--ids must be record ids separated by commas, like 12,13 (got {value!r}).") from exc
    if not ids:
        raise CommandError("--ids needs at least one record id.")
    return ids


class Command(BaseCommand):
    help = "Generate a document from a template: --template SLUG --ids 12,13 --output FILE [--batch]."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--template", required=True, help="Template slug.")
        parser.add_argument("--ids", required=True, help="Record ids, comma separated.")
        parser.add_argument("--format", choices=["docx", "pdf"], help="Defaults to the template's format.")
        parser.add_argument("--output", required=True, help="File to write (a .zip with --batch).")
        parser.add_argument("--batch", action="store_true", help="One document per record, zipped.")
        parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="A free variable.")

    def handle(self, *args: Any, **options: Any) -> None:
        template = document_template_get(slug=options["template"])
        if template is None:
            raise CommandError(f"No template with slug {options['template']!r}.")
        ids = _parse_ids(options["ids"])
        output = Path(options["output"])
        if not output.parent.is_dir():
            raise CommandError(f"The folder {output.parent} does not exist.")
        free_variables = {}
        for pair in options["set"]:
            name, sep, value = pair.partition("=")
            if not sep or not name:
                raise CommandError(f"--set takes NAME=VALUE (got {pair!r}).")
            free_variables[name] = value
        try:
            if options["batch"]:
                batch = document_batch_create(
                    template=template,
                    record_ids=ids,
                    fmt=options["format"],
                    user=None,
                    free_variables=free_variables,
                    enqueue=False,  # run here: a command is already a background process
                )
                batch = document_batch_generate(batch_id=batch.pk)
                if not batch.zip_file:
                    raise CommandError(f"No document could be generated:\n{batch.error}")
                data = document_batch_zip_bytes(batch=batch)
                summary = f"{batch.done} of {batch.total} documents"
                if batch.failed:
                    self.stderr.write(batch.error)
            else:
                document = document_generate(
                    template=template, record_ids=ids, fmt=options["format"], user=None, free_variables=free_variables
                )
                data = generated_document_bytes(document=document)
                summary = f"{document.format.upper()} in {document.render_ms} ms"
        except DocumentError as exc:
            raise CommandError(exc.message) from exc
        output.write_bytes(data)
        self.stdout.write(f"Wrote {output} ({len(data):,} bytes, {summary}).")
        if options["batch"] and batch.failed:
            raise CommandError(f"{batch.failed} of {batch.total} documents failed (listed above and in ERRORS.txt).")
