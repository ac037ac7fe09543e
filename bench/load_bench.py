"""Load benchmark: 20 logged-in staff users browsing records and generating documents against gunicorn on loopback.

Setup (a temp SQLite file): migrate, a full sync from the emulator at scale "small", the starter templates, a staff
user. Then gunicorn serves the portal and 20 threads (one requests.Session each) list records, open details and
generate documents for BENCH_LOAD_SECONDS (default 30). Figures per page kind go to bench/out/load.json;
target: 0 errors.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
WORK = ROOT / "var" / "bench" / "load"
USERS = 20
BROWSE_TYPES = ["service_ticket", "company", "project", "contact"]

SETUP = """
import json
from django.contrib.auth.models import Permission, User
from documents.models import DocumentTemplate
from documents.services import free_variable_names
from integrations.browse import BROWSERS
user = User.objects.create_user("loadstaff", password="load-pw-123", is_staff=True)
user.user_permissions.add(*Permission.objects.filter(content_type__app_label="portal"))
ids = {key: list(BROWSERS[key].model.objects.filter(is_deleted=False).values_list("psa_id", flat=True)[:200])
       for key in %r}
templates = [{"slug": t.slug, "object_type": t.object_type,
              "inputs": free_variable_names(version=t.current_version)}
             for t in DocumentTemplate.objects.all() if t.current_version and t.object_type in ids]
from integrations.browse import PAGE_SIZE
pages = {key: max(1, -(-BROWSERS[key].model.objects.filter(is_deleted=False).count() // PAGE_SIZE)) for key in ids}
print(json.dumps({"ids": ids, "templates": templates, "pages": pages}))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


def _manage(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _prepare(env: dict) -> dict:
    from integrations.emulator import (
        DEFAULT_CLIENT_ID,
        DEFAULT_COMPANY_ID,
        DEFAULT_PRIVATE_KEY,
        DEFAULT_PUBLIC_KEY,
        Emulator,
        EmulatorServer,
    )

    _manage(env, "migrate", "-v", "0")
    with EmulatorServer(Emulator(seed=42, scale="small")) as server:
        _manage(env, "psa_connection", "add", "--name", "Load", "--site", server.base_url, "--company-id",
                DEFAULT_COMPANY_ID, "--public-key", DEFAULT_PUBLIC_KEY, "--private-key", DEFAULT_PRIVATE_KEY,
                "--client-id", DEFAULT_CLIENT_ID, "--default")  # fmt: skip
        _manage(env, "sync_psa", "--full")
    _manage(env, "load_starter_templates")
    return json.loads(_manage(env, "shell", "-c", SETUP % BROWSE_TYPES).strip().splitlines()[-1])


class Shopper(threading.Thread):
    """One staff user: log in, then list, open and generate until the deadline; every request is timed."""

    def __init__(self, base: str, setup: dict, deadline: float, seed: int) -> None:
        super().__init__(daemon=True)
        self.base, self.setup, self.deadline = base, setup, deadline
        self.random = random.Random(seed)
        self.samples: list[tuple[str, float, bool, str]] = []  # kind, ms, ok, note

    def timed(
        self, kind: str, method: str, path: str, ok_status: tuple[int, ...], **kwargs
    ) -> requests.Response | None:
        began = time.perf_counter()
        try:
            response = self.session.request(method, self.base + path, timeout=60, **kwargs)
        except requests.RequestException as exc:
            self.samples.append((kind, (time.perf_counter() - began) * 1000, False, f"{type(exc).__name__}"))
            return None
        ok = response.status_code in ok_status
        note = "" if ok else f"HTTP {response.status_code} {path}"
        self.samples.append((kind, (time.perf_counter() - began) * 1000, ok, note))
        return response

    def run(self) -> None:
        self.session = requests.Session()
        page = self.timed("login", "GET", "/login/", (200,))
        token = self.session.cookies.get("csrftoken", "")
        if page is None:
            return
        self.timed("login", "POST", "/login/", (302,), allow_redirects=False,
                   data={"username": "loadstaff", "password": "load-pw-123", "csrfmiddlewaretoken": token})  # fmt: skip
        ids, templates = self.setup["ids"], self.setup["templates"]
        while time.monotonic() < self.deadline:
            roll = self.random.random()
            object_type = self.random.choice([t for t in BROWSE_TYPES if ids.get(t)])
            if roll < 0.45:
                page_number = self.random.randint(1, min(3, self.setup["pages"][object_type]))
                self.timed("record list", "GET", f"/records/{object_type}/?page={page_number}", (200,))
            elif roll < 0.85 or not templates:
                psa_id = self.random.choice(ids[object_type])
                self.timed("record detail", "GET", f"/records/{object_type}/{psa_id}/", (200,))
            else:
                template = self.random.choice(templates)
                data = {"records": str(self.random.choice(ids[template["object_type"]])),
                        "csrfmiddlewaretoken": self.session.cookies.get("csrftoken", "")}  # fmt: skip
                data.update({f"input_{name}": "Load test" for name in template["inputs"]})
                response = self.timed("generate document", "POST", f"/documents/new/{template['slug']}/generate/",
                                      (302,), data=data, allow_redirects=False)  # fmt: skip
                if response is not None and response.status_code == 200:
                    found = re.search(r'class="[^"]*error[^"]*"[^>]*>([^<]{0,200})', response.text)
                    self.samples[-1] = (*self.samples[-1][:3], f"form error: {found.group(1) if found else '?'}")


def main() -> int:
    seconds = float(os.environ.get("BENCH_LOAD_SECONDS", "30"))
    from cryptography.fernet import Fernet

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    OUT.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": f"sqlite:///{WORK / 'load.sqlite3'}",
        "REDIS_URL": "",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdef0123456789",
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "MEDIA_ROOT": str(WORK / "media"),
        "LOG_LEVEL": "WARNING",
    }
    workers = min(8, max(2, os.cpu_count() or 2))
    gunicorn = None
    try:
        print("load bench: preparing (migrate, sync at scale small, starter templates)…", flush=True)
        setup = _prepare(env)
        gunicorn = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers),
             "--threads", "2", "--timeout", "120", "--log-level", "warning"],
            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=(WORK / "gunicorn.log").open("w"),
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(base + "/login/", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.1)
        print(f"load bench: {USERS} users for {seconds:g} s against gunicorn ({workers} workers × 2 threads)…",
              flush=True)  # fmt: skip
        deadline = time.monotonic() + seconds
        shoppers = [Shopper(base, setup, deadline, seed) for seed in range(USERS)]
        for shopper in shoppers:
            shopper.start()
        for shopper in shoppers:
            shopper.join(timeout=seconds + 120)
    except Exception as exc:
        print(f"load bench crashed: {exc}", file=sys.stderr)
        return 1
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(timeout=30)
    samples = [s for shopper in shoppers for s in shopper.samples]
    kinds = {}
    for kind in dict.fromkeys(s[0] for s in samples):
        times = [ms for k, ms, _, _ in samples if k == kind]
        kinds[kind] = {
            "requests": len(times),
            "errors": sum(1 for k, _, ok, _ in samples if k == kind and not ok),
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 0.95), 1),
        }
    errors = [note for _, _, ok, note in samples if not ok]
    report = {
        "users": USERS, "seconds": seconds, "gunicorn_workers": workers, "requests": len(samples),
        "errors": len(errors), "error_samples": sorted(set(errors))[:10], "kinds": kinds,
        "templates": [t["slug"] for t in setup["templates"]], "targets_met": not errors,
    }  # fmt: skip
    print(f"{'page kind':<20} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8}")
    for kind, row in kinds.items():
        print(f"{kind:<20} {row['requests']:>9} {row['errors']:>7} {row['p50_ms']:>8} {row['p95_ms']:>8}")
    print(f"total {len(samples)} requests, {len(errors)} errors (target 0)")
    for sample in report["error_samples"]:
        print(f"  ! {sample}")
    (OUT / "load.json").write_text(json.dumps(report, indent=2) + "\n")
    shutil.rmtree(WORK, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
