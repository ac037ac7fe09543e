"""Manage ConnectWise connections from a shell: add, test, permission audit, list (never prints secrets)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.connectwise.errors import ConnectWiseError
from integrations.models import Connection
from integrations.services import connection_audit_permissions, connection_test, describe_error

CLOUD_SITES = {urlsplit(url).hostname: region for region, url in Connection.REGION_SITES.items()}


class Command(BaseCommand):
    help = "Add, test, audit or list ConnectWise connections."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Add a connection, or update the one with the same name.")
        add.add_argument("--name", required=True)
        add.add_argument("--site", required=True, help="e.g. https://na.myconnectwise.net or your server's URL")
        add.add_argument("--company-id", required=True)
        add.add_argument("--public-key", required=True)
        add.add_argument("--private-key", required=True)
        add.add_argument("--client-id", required=True)
        add.add_argument("--api-version", default=None)
        add.add_argument("--default", action="store_true", help="Make it the default connection.")
        add.add_argument("--no-verify-tls", action="store_true")
        for name in ("test", "permissions"):
            cmd = sub.add_parser(name)
            cmd.add_argument("--name", help="Connection name (default: the default connection).")
        sub.add_parser("list", help="List connections (secrets are never printed).")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"handle_{action}")(**options)

    def _connection(self, name: str | None) -> Connection:
        queryset = Connection.objects.all()
        connection = queryset.filter(name=name).first() if name else queryset.order_by("-is_default", "name").first()
        if connection is None:
            raise CommandError(
                f"No connection named {name!r}." if name else "No connection yet: add one with `psa_connection add`."
            )
        return connection

    def handle_add(self, **o) -> None:
        site = o["site"].rstrip("/")
        parts = urlsplit(site if "://" in site else f"https://{site}")
        if not parts.hostname:
            raise CommandError(f"--site {o['site']!r} is not a URL: use e.g. https://na.myconnectwise.net")
        region = CLOUD_SITES.get(parts.hostname)
        connection = Connection.objects.filter(name=o["name"]).first() or Connection(name=o["name"])
        connection.region = region or Connection.Region.CUSTOM
        connection.custom_url = "" if region else f"{parts.scheme}://{parts.netloc}"
        connection.company_id = o["company_id"]
        connection.public_key = o["public_key"]
        connection.private_key = o["private_key"]
        connection.client_id = o["client_id"]
        connection.verify_tls = not o["no_verify_tls"]
        connection.codebase = connection.api_host = ""  # the site may have changed: rediscover
        if o["api_version"]:
            connection.api_version = o["api_version"]
        try:
            connection.full_clean(exclude=["is_default"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from None
        if o["default"] or not Connection.objects.filter(is_default=True).exclude(pk=connection.pk).exists():
            connection.is_default = True
        created = connection.pk is None
        connection.save()
        verb = "Added" if created else "Updated"
        self.stdout.write(f"{verb} connection '{connection.name}' ({connection.site_url}).")

    def handle_test(self, name: str | None = None, **o) -> None:
        connection = self._connection(name)
        result = connection_test(connection=connection)
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        if not result.ok:
            raise CommandError(result.message)
        self.stdout.write(self.style.SUCCESS(result.message))

    def handle_permissions(self, name: str | None = None, **o) -> None:
        connection = self._connection(name)
        try:
            results = connection_audit_permissions(connection=connection)
        except ConnectWiseError as exc:
            raise CommandError(describe_error(exc)) from None
        width = max((len(f"{r.check.module} › {r.check.permission}") for r in results), default=20)
        for r in results:
            name = f"{r.check.module} › {r.check.permission}"
            self.stdout.write(f"{name:<{width}}  {r.status:<13} {r.check.probe or '(no GET can tell)'}")
            if r.status != "granted":
                self.stdout.write(f"{'':<{width}}  without it: {r.check.impact}")
            if r.message and r.status == "error":
                self.stdout.write(f"{'':<{width}}  {r.message}")
        missing = [r for r in results if r.status in ("missing", "error")]
        if missing:
            raise CommandError(f"{len(missing)} permission(s) missing or failing; see above.")

    def handle_list(self, **o) -> None:
        for c in Connection.objects.order_by("name"):
            state = "never tested" if c.last_test_ok is None else ("ok" if c.last_test_ok else "FAILED")
            flags = ",".join(f for f, on in (("default", c.is_default), ("inactive", not c.is_active)) if on)
            broken = c.undecryptable_fields()
            note = f"  secrets undecryptable: {', '.join(broken)}" if broken else ""
            self.stdout.write(f"{c.name}\t{c.site_url}\t{c.company_id}\t{state}\t{flags}{note}")
