"""`make demo`: admin user, bundled ConnectWise emulator, a connection to it, a first sync, worker and web server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError, CommandParser

DEMO_CONNECTION = "Demo tenant (bundled emulator)"


def port_is_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(f"The {what} exited with code {process.returncode} before it was ready.")
        if port_is_open(port):
            return
        time.sleep(0.2)
    raise CommandError(f"The {what} did not start listening on port {port} within {timeout:.0f} s.")


class Command(BaseCommand):
    help = "Run the whole portal locally against the bundled ConnectWise emulator (Ctrl-C stops everything)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--emulator-port", type=int, default=8765)
        parser.add_argument("--scale", default="demo", help="Emulator scale: demo, small, large or a ticket count.")
        parser.add_argument("--no-serve", action="store_true", help="Set up and sync, then exit (used by tests).")

    def handle(self, *args, port: int, emulator_port: int, scale: str, no_serve: bool, **options) -> None:
        password = self.ensure_admin()
        for busy, what in ((port, "web server"), (emulator_port, "emulator")):
            if port_is_open(busy):
                raise CommandError(f"Port {busy} is already in use, so the {what} cannot start. Stop what uses it.")
        children: list[subprocess.Popen] = []
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        try:
            from integrations import emulator

            emu = subprocess.Popen(
                [*manage, "psa_emulator", "--port", str(emulator_port), "--seed", "42", "--scale", scale]
            )
            children.append(emu)
            wait_for_port(emulator_port, emu, "ConnectWise emulator")
            call_command(
                "psa_connection",
                "add",
                "--name",
                DEMO_CONNECTION,
                "--site",
                f"http://127.0.0.1:{emulator_port}",
                "--company-id",
                emulator.DEFAULT_COMPANY_ID,
                "--public-key",
                emulator.DEFAULT_PUBLIC_KEY,
                "--private-key",
                emulator.DEFAULT_PRIVATE_KEY,
                "--client-id",
                emulator.DEFAULT_CLIENT_ID,
                "--default",
            )
            call_command("psa_connection", "test", name=DEMO_CONNECTION)
            if "sync_psa" in get_commands():
                call_command("sync_psa", connection=DEMO_CONNECTION)
            if no_serve:
                return
            children.append(subprocess.Popen([*manage, "qcluster"]))
            web = subprocess.Popen([*manage, "runserver", f"127.0.0.1:{port}", "--noreload"])
            children.append(web)
            wait_for_port(port, web, "web server")
            self.stdout.write(
                self.style.SUCCESS(
                    f"\nThe portal is running: http://127.0.0.1:{port}/  (admin: http://127.0.0.1:{port}/admin/)\n"
                    f"Log in as: admin / {password}\n"
                    f"ConnectWise emulator: http://127.0.0.1:{emulator_port}/ (company DEMO)\n"
                    "Press Ctrl-C to stop everything.\n"
                )
            )
            self.wait_for_children(children)
        except KeyboardInterrupt:
            self.stdout.write("\nStopping…")
        finally:
            self.stop(children)

    def ensure_admin(self) -> str:
        password = os.environ.get("DEMO_ADMIN_PASSWORD") or "change-me-demo"
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(username="admin", defaults={"email": "admin@example.com"})
        user.is_staff = user.is_superuser = user.is_active = True
        user.set_password(password)
        user.save()
        self.stdout.write(f"Demo superuser: admin / {password}")
        return password

    def wait_for_children(self, children: list[subprocess.Popen]) -> None:
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        while True:
            for child in children:
                if child.poll() is not None:
                    raise CommandError(f"{' '.join(child.args[2:4])} exited with code {child.returncode}.")
            time.sleep(0.5)

    def stop(self, children: list[subprocess.Popen]) -> None:
        for child in reversed(children):
            if child.poll() is None:
                child.terminate()  # SIGTERM: runserver and qcluster shut down quietly
        for child in reversed(children):
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
