"""`manage.py psa_emulator`: serve the ConnectWise PSA emulator on a local port until Ctrl-C."""

from __future__ import annotations

import time
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from integrations.emulator import (
    CODEBASE,
    DEFAULT_CLIENT_ID,
    DEFAULT_COMPANY_ID,
    DEFAULT_PRIVATE_KEY,
    DEFAULT_PUBLIC_KEY,
    Emulator,
    EmulatorCredentials,
    EmulatorServer,
    FaultPlan,
)


def scale_argument(value: str) -> str | int:
    if value in ("demo", "small", "large"):
        return value
    try:
        tickets = int(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not demo, small, large or a number of tickets") from None
    if tickets < 1:
        raise ArgumentTypeError("the number of tickets must be at least 1")
    return tickets


def fault_plan_from_options(options: dict[str, Any]) -> FaultPlan:
    """Turn the command's fault flags into a FaultPlan (kept separate so it can be tested without a server)."""
    plan = FaultPlan(
        latency_ms=options["latency_ms"],
        rate_limit_every=options["rate_limit_every"],
        retry_after=None if options["no_retry_after"] else options["retry_after"],
        rate_limit_style=options["rate_limit_style"],
        error_every=options["error_every"],
        error_next=options["error_burst"],
        error_status=options["error_status"],
        html_every=options["html_every"],
        truncate_every=options["truncate_every"],
        drop_every=options["drop_every"],
    )
    if options["throttle_seconds"]:
        plan.throttle_for(options["throttle_seconds"])
    return plan


class Command(BaseCommand):
    help = "Serve a ConnectWise PSA-compatible API with generated data (for the demo, e2e tests and benchmarks)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--scale", type=scale_argument, default="demo", help="demo, small, large or N tickets")
        parser.add_argument("--company-id", default=DEFAULT_COMPANY_ID)
        parser.add_argument("--public-key", default=DEFAULT_PUBLIC_KEY)
        parser.add_argument("--private-key", default=DEFAULT_PRIVATE_KEY)
        parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID, help="'any' accepts every clientId")
        parser.add_argument(
            "--deny",
            action="append",
            default=[],
            metavar="GROUP",
            help='deny an endpoint group with 403, e.g. "Service Desk", "finance", "service/tickets"',
        )
        parser.add_argument("--verbose-requests", action="store_true", help="log every request")
        faults = parser.add_argument_group("fault injection")
        faults.add_argument("--latency-ms", type=int, default=0)
        faults.add_argument("--rate-limit-every", type=int, default=0, metavar="N", help="429 on every Nth request")
        faults.add_argument("--throttle-seconds", type=float, default=0, help="429 on everything for S seconds")
        faults.add_argument("--retry-after", type=int, default=1, metavar="S")
        faults.add_argument("--no-retry-after", action="store_true", help="send 429 without a Retry-After header")
        faults.add_argument("--rate-limit-style", choices=("standard", "cloudflare"), default="standard")
        faults.add_argument("--error-every", type=int, default=0, metavar="N", help="5xx on every Nth request")
        faults.add_argument("--error-burst", type=int, default=0, metavar="K", help="5xx on the first K requests")
        faults.add_argument("--error-status", type=int, default=500)
        faults.add_argument("--html-every", type=int, default=0, metavar="N", help="an HTML error page every N")
        faults.add_argument("--truncate-every", type=int, default=0, metavar="N", help="cut every Nth body in half")
        faults.add_argument("--drop-every", type=int, default=0, metavar="N", help="close every Nth connection")

    def handle(self, *args: Any, **options: Any) -> None:
        client_id = None if options["client_id"].lower() == "any" else options["client_id"]
        credentials = EmulatorCredentials(
            options["company_id"], options["public_key"], options["private_key"], client_id
        )
        started = time.perf_counter()
        try:
            emulator = Emulator(
                seed=options["seed"],
                scale=options["scale"],
                credentials=credentials,
                denied_groups=options["deny"],
                faults=fault_plan_from_options(options),
            )
            server = EmulatorServer(
                emulator, host=options["host"], port=options["port"], verbose=options["verbose_requests"]
            )
        except (ValueError, OSError) as error:
            raise CommandError(f"Cannot start the PSA emulator: {error}") from error
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"ConnectWise PSA emulator: scale {options['scale']}, seed {options['seed']}, generated in {elapsed:.1f}s"
        )
        self.stdout.write(f"  Site URL:     {server.base_url}  (API root {server.base_url}/{CODEBASE}apis/3.0/)")
        self.stdout.write(f"  Company ID:   {credentials.company_id}")
        self.stdout.write(f"  Public key:   {credentials.public_key}")
        self.stdout.write(f"  Private key:  {credentials.private_key}")
        self.stdout.write(f"  Client ID:    {credentials.client_id or 'any'}")
        if options["deny"]:
            self.stdout.write(f"  Denied (403): {', '.join(options['deny'])}")
        self.stdout.write("Press Ctrl-C to stop.")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopping the PSA emulator.")
        finally:
            server.close()
