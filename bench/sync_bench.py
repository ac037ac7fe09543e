"""PSA sync benchmark: full sync, incremental with nothing changed, and a naive `update_or_create` baseline.

Each scale gets an emulator in its own process (so its memory does not count) and each measurement runs in a fresh
child process with its own SQLite file, so peak RSS is that of the sync alone. Figures go to bench/out/sync.json.
Scales: BENCH_SYNC_SCALES (default "10000,100000" tickets). The naive baseline gets BENCH_NAIVE_SECONDS (default 100)
shared equally between the types; a type it cannot finish in its share is extrapolated from its own measured rate, so
the comparison covers the same records as the full sync.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
WORK = ROOT / "var" / "bench"
TYPES = ["companies", "contacts", "configurations", "tickets", "time_entries"]
TARGET_SPEEDUP = 10
TARGET_RPS = 5000
TARGET_INCREMENTAL_SECONDS = 1.0
TARGET_RSS_GROWTH = 0.20


# ------------------------------------------------------------------------------------------------ child processes


def _serve(scale: int) -> None:
    """Child: serve an emulator of `scale` tickets on a free loopback port and print its URL.

    The records of the benchmarked types are rendered before the URL is printed, so the emulator answers like a PSA
    serving stored data (~0.2 ms per record of generation no longer lands inside whichever run comes first). Full and
    naive runs then read the very same bytes from the very same server.
    """
    _django()
    from integrations.emulator import Emulator, EmulatorServer
    from integrations.object_types import object_types_resolve

    emulator = Emulator(seed=42, scale=scale)
    emulator.warm(t.endpoint.strip("/") for t in object_types_resolve(TYPES, include_children=False))
    server = EmulatorServer(emulator)
    print(server.base_url, flush=True)
    server.serve_forever()


def _django() -> None:
    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    django.setup()


def _migrate() -> None:
    _django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _connection(url: str):
    from integrations.emulator import DEFAULT_CLIENT_ID, DEFAULT_COMPANY_ID, DEFAULT_PRIVATE_KEY, DEFAULT_PUBLIC_KEY
    from integrations.models import Connection

    connection, _ = Connection.objects.update_or_create(
        name="Bench",
        defaults={
            "region": Connection.Region.CUSTOM,
            "custom_url": url,
            "company_id": DEFAULT_COMPANY_ID,
            "public_key": DEFAULT_PUBLIC_KEY,
            "private_key": DEFAULT_PRIVATE_KEY,
            "client_id": DEFAULT_CLIENT_ID,
        },
    )
    return connection


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """CPU time of this process (all its threads), user + system."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _measure(kind: str, url: str, seconds_cap: float) -> None:
    """Child: one measurement; prints a JSON line."""
    _django()
    from integrations.object_types import object_types_resolve
    from integrations.services import build_client
    from integrations.sync import sync_connection

    connection = _connection(url)
    client = build_client(connection)
    baseline_rss = _peak_rss_mb()
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    per_type: dict[str, dict] = {}
    if kind in ("full", "incremental"):
        run = sync_connection(connection=connection, mode=kind, types=TYPES, client=client, include_children=False)
        records, requests, status = run.total("fetched"), run.requests, run.status
        write_seconds = sum(r.get("write_seconds", 0.0) for r in run.type_results.values())
        per_type = {key: {"records": r.get("fetched", 0)} for key, r in run.type_results.items()}
        complete = True
    else:
        object_types = object_types_resolve(TYPES, include_children=False)
        per_type, write_seconds = _naive(connection, client, object_types, seconds_cap / len(object_types))
        records = sum(t["records"] for t in per_type.values())
        complete = all(t["complete"] for t in per_type.values())
        requests, status = client.stats.requests, "done" if complete else "sampled"
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    child_cpu = children.ru_utime + children.ru_stime
    print(
        json.dumps(
            {
                "kind": kind,
                "seconds": round(elapsed, 3),
                "records": records,
                "records_per_second": round(records / elapsed, 1) if elapsed else None,
                "write_seconds": round(write_seconds, 3),
                "writes_per_second": round(records / write_seconds, 1) if write_seconds else None,
                "requests": requests,
                "cpu_seconds": round(cpu, 3),
                "fetch_process_cpu_seconds": round(child_cpu, 3),
                "fetch_process_peak_rss_mb": round(children.ru_maxrss / 1024, 1),
                "status": status,
                "complete": complete,
                "per_type": per_type,
                "peak_rss_mb": round(_peak_rss_mb(), 1),
                "rss_before_mb": round(baseline_rss, 1),
            }
        ),
        flush=True,
    )


def _naive(connection, client, object_types, seconds_per_type: float) -> tuple[dict[str, dict], float]:
    """The baseline: the same pages, saved one record at a time with update_or_create (autocommit, as naive code
    runs). Each type gets an equal time budget, so a slow type (tickets, ~6 KB each) is measured as well as a fast
    one; per type: records saved, seconds, and whether the budget covered all of them."""
    from integrations.cache import payload_hash, psa_last_updated

    per_type: dict[str, dict] = {}
    writing_total = 0.0
    for object_type in object_types:
        records, writing, complete = 0, 0.0, True
        started = time.perf_counter()
        for page in client.iter_pages(object_type.endpoint, page_size=1000, forward_only=True):
            page_started = time.perf_counter()
            for payload in page:
                object_type.model.objects.update_or_create(
                    connection=connection,
                    psa_id=payload["id"],
                    defaults={
                        "data": payload,
                        "data_hash": payload_hash(payload),
                        "psa_last_updated": psa_last_updated(payload),
                        "synced_at": time_now(),
                        "is_deleted": False,
                        **object_type.key_columns(payload),
                    },
                )
                records += 1
            writing += time.perf_counter() - page_started
            if time.perf_counter() - started > seconds_per_type:
                complete = False
                break
        seconds = time.perf_counter() - started
        per_type[object_type.key] = {"records": records, "seconds": round(seconds, 3), "complete": complete}
        writing_total += writing
    return per_type, writing_total


def time_now():
    from django.utils import timezone

    return timezone.now()


# ------------------------------------------------------------------------------------------------ orchestration


def _env(db: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        REDIS_URL="",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def _child(args: list[str], env: dict[str, str]) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.sync_bench", *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"bench child {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1]) if args[0] == "measure" else {}


def _bench_scale(scale: int, env: dict[str, str], naive_seconds: float) -> dict:
    emulator = subprocess.Popen(
        [sys.executable, "-m", "bench.sync_bench", "serve", str(scale)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = emulator.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError("the emulator did not start")
        template = WORK / f"template-{scale}.sqlite3"
        fast_db, naive_db = WORK / f"sync-{scale}.sqlite3", WORK / f"naive-{scale}.sqlite3"
        for path in (template, fast_db, naive_db):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        _child(["migrate"], {**env, **_env(template)})
        shutil.copy(template, fast_db)
        shutil.copy(template, naive_db)
        full = _child(["measure", "full", url], {**env, **_env(fast_db)})
        incremental = _child(["measure", "incremental", url], {**env, **_env(fast_db)})
        naive = _child(["measure", "naive", url, str(naive_seconds)], {**env, **_env(naive_db)})
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
        for path in WORK.glob(f"*-{scale}.sqlite3*"):
            path.unlink(missing_ok=True)  # 100k tickets make a ~1.7 GB file
    # The naive time for the whole data set: each type's measured seconds per record times the records the full sync
    # wrote of that type (when the budget covered a type, that is simply its measured time).
    naive_seconds = sum(
        full["per_type"][key]["records"] * m["seconds"] / m["records"]
        for key, m in naive["per_type"].items()
        if m["records"]
    )
    naive["estimated_seconds_all_records"] = round(naive_seconds, 2)
    naive["estimated_records_per_second"] = round(full["records"] / naive_seconds, 1)
    speedup = naive_seconds / full["seconds"]
    write_speedup = full["writes_per_second"] / naive["writes_per_second"]
    return {
        "tickets": scale,
        "full": full,
        "incremental": incremental,
        "naive": naive,
        "speedup": round(speedup, 2),
        "write_speedup": round(write_speedup, 2),
    }


def main() -> int:
    scales = [int(s) for s in os.environ.get("BENCH_SYNC_SCALES", "10000,100000").split(",") if s.strip()]
    naive_seconds = float(os.environ.get("BENCH_NAIVE_SECONDS", "100"))
    from cryptography.fernet import Fernet

    env = {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret-key-0123456789abcdef0123456789",
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DEBUG": "false",
    }
    WORK.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for scale in scales:
        print(f"sync bench: {scale} tickets…", flush=True)
        results.append(_bench_scale(scale, env, naive_seconds))
    checks = _checks(results)
    report = {"types": TYPES, "results": results, "targets": checks}
    (OUT / "sync.json").write_text(json.dumps(report, indent=2))
    _print(results, checks)
    return 0 if all(c["ok"] for c in checks) else 1


def _checks(results: list[dict]) -> list[dict]:
    checks = []
    for r in results:
        scale = r["tickets"]
        checks.append(
            {"target": f"{scale}: full ≥ {TARGET_SPEEDUP}× naive (end to end)", "value": r["speedup"],
             "ok": r["speedup"] >= TARGET_SPEEDUP}
        )  # fmt: skip
        checks.append(
            {"target": f"{scale}: full ≥ {TARGET_SPEEDUP}× naive (database writes)", "value": r["write_speedup"],
             "ok": r["write_speedup"] >= TARGET_SPEEDUP}
        )  # fmt: skip
        checks.append(
            {"target": f"{scale}: full ≥ {TARGET_RPS} records/s", "value": r["full"]["records_per_second"],
             "ok": r["full"]["records_per_second"] >= TARGET_RPS}
        )  # fmt: skip
        checks.append(
            {"target": f"{scale}: incremental no-change < {TARGET_INCREMENTAL_SECONDS} s",
             "value": r["incremental"]["seconds"], "ok": r["incremental"]["seconds"] < TARGET_INCREMENTAL_SECONDS}
        )  # fmt: skip
    if len(results) >= 2:
        for key, label in (("peak_rss_mb", "sync process"), ("fetch_process_peak_rss_mb", "fetching process")):
            small, large = results[0]["full"][key], results[-1]["full"][key]
            if not small:
                continue  # no fetching process (PSA_SYNC_FETCH_PROCESS off)
            growth = (large - small) / small
            checks.append(
                {"target": f"peak RSS growth {results[0]['tickets']}→{results[-1]['tickets']} < "
                           f"{TARGET_RSS_GROWTH:.0%} ({label})",
                 "value": round(growth, 3), "ok": growth < TARGET_RSS_GROWTH}
            )  # fmt: skip
    return checks


def _print(results: list[dict], checks: list[dict]) -> None:
    header = (
        f"{'tickets':>8} {'run':<17} {'records':>9} {'seconds':>8} {'records/s':>10} {'write s':>8} "
        f"{'writes/s':>9} {'requests':>9} {'peak RSS MB':>12}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        for kind in ("full", "incremental", "naive"):
            m = r[kind]
            label = kind if m.get("complete", True) else f"{kind} (sampled)"
            print(
                f"{r['tickets']:>8} {label:<17} {m['records']:>9} {m['seconds']:>8.2f} "
                f"{m['records_per_second'] or 0:>10.0f} {m['write_seconds']:>8.2f} {m['writes_per_second'] or 0:>9.0f} "
                f"{m['requests']:>9} {m['peak_rss_mb']:>12.1f}"
            )
        naive, full = r["naive"], r["full"]
        sampled = ", ".join(
            f"{key} {m['records']}/{full['per_type'][key]['records']} in {m['seconds']:.1f} s"
            for key, m in naive["per_type"].items()
        )
        print(f"{'':>8} naive per type (saved/all): {sampled}")
        print(
            f"{'':>8} naive for all {full['records']} records: {naive['estimated_seconds_all_records']:.1f} s "
            f"({naive['estimated_records_per_second']:.0f} records/s); full sync {full['seconds']:.2f} s"
        )
        print(
            f"{'':>8} speedup over naive: {r['speedup']:.1f}× end to end, {r['write_speedup']:.1f}× writing; "
            f"fetching process peak RSS {full.get('fetch_process_peak_rss_mb', 0):.1f} MB"
        )
    for check in checks:
        print(f"  [{'ok' if check['ok'] else 'MISSED'}] {check['target']}: {check['value']}")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "main"
    if command == "serve":
        _serve(int(sys.argv[2]))
    elif command == "migrate":
        _migrate()
    elif command == "measure":
        _measure(sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 0.0)
    else:
        sys.exit(main())
