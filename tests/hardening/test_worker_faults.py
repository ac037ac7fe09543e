"""Faults end to end through the real worker: `manage.py qcluster` in a subprocess, syncing from the emulator.

One portal (its own database and broker) and one worker serve the module; each scenario injects its faults, asks
for a full sync the way the admin button does (`sync_request`), waits for the worker, then checks the cache mirrors
the emulator exactly: the same live ids per type, and no duplicates.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from integrations.emulator import Emulator, EmulatorCredentials, EmulatorServer
from integrations.object_types import object_types_resolve

from .portal import HintlessThrottling, Portal

pytestmark = pytest.mark.slow

TYPES = ["companies", "tickets"]  # their children (sites, notes, tasks) come along
SCALE = 80  # tickets
SYNC_TIMEOUT = 90.0


class Rig:
    """The emulator (in this process, so faults and mutations are set directly) and the portal with its worker."""

    def __init__(self, emulator: Emulator, wrapper: HintlessThrottling, portal: Portal) -> None:
        self.emulator = emulator
        self.wrapper = wrapper
        self.portal = portal

    def reset_faults(self, **faults: Any) -> None:
        self.emulator.faults.clear()
        self.emulator.stats.reset()
        self.wrapper.active = False
        if faults:
            self.emulator.faults.configure(**faults)

    def full_sync(self) -> dict[str, Any]:
        run = self.portal.probe("sync", "full", TYPES, SYNC_TIMEOUT, timeout=SYNC_TIMEOUT + 30)
        assert not run.get("timed_out"), f"the worker did not finish run #{run['run']}:\n{self.tail()}"
        return run

    def tail(self) -> str:
        return self.portal.worker_output()[-4000:]

    def mismatches(self) -> list[str]:
        """Differences between the cache's live ids and the emulator's records, per top-level type; duplicates."""
        state = self.portal.probe("state", TYPES)
        problems = []
        for object_type in object_types_resolve(TYPES):
            table = state["tables"][object_type.key]
            if table["duplicates"]:
                problems.append(f"{object_type.key}: {table['duplicates']} duplicated psa ids")
            if object_type.is_child:
                continue
            expected = sorted(self.emulator.store.ids(object_type.endpoint.strip("/")))
            if table["live_ids"] != expected:
                missing = sorted(set(expected) - set(table["live_ids"]))[:5]
                extra = sorted(set(table["live_ids"]) - set(expected))[:5]
                problems.append(f"{object_type.key}: {table['live']} live vs {len(expected)} (missing {missing}, "
                                f"extra {extra})")  # fmt: skip
        return problems


@pytest.fixture(scope="module")
def rig(tmp_path_factory) -> Iterator[Rig]:
    emulator = Emulator(seed=11, scale=SCALE)
    wrapper = HintlessThrottling(emulator)
    server = EmulatorServer(wrapper)  # type: ignore[arg-type]  # any WSGI callable serves
    server.start()
    portal = Portal(tmp_path_factory.mktemp("worker-portal"))
    try:
        portal.probe("prepare", server.base_url)
        portal.start_worker()
        yield Rig(emulator, wrapper, portal)
    finally:
        portal.close()
        server.stop()


def outcome(run: dict[str, Any], faults: dict[str, int]) -> str:
    injected = ", ".join(f"{n} {k}" for k, n in sorted(faults.items())) or "none"
    return (
        f"{run['status']}; injected {injected}; {run['retries']} retries, "
        f"{run['throttled_seconds']:.1f} s throttled, {run['requests']} requests"
    )


@pytest.mark.scenario("worker: clean full sync (baseline)")
def test_a_clean_full_sync_through_the_worker_mirrors_the_psa(rig, scenario):
    rig.reset_faults()

    run = rig.full_sync()

    scenario.record(outcome(run, {}))
    assert run["status"] == "succeeded", (run["errors"], rig.tail())
    assert rig.mismatches() == []


FAULTS = [
    pytest.param({"rate_limit_next": 3, "retry_after": 1}, False, id="429 standard body, Retry-After"),
    pytest.param(
        {"rate_limit_next": 3, "retry_after": 1, "rate_limit_style": "cloudflare"},
        False,
        id="429 cloudflare body, Retry-After",
    ),
    pytest.param({"rate_limit_next": 2, "retry_after": None}, True, id="429 standard body, no Retry-After"),
    pytest.param(
        {"rate_limit_next": 2, "retry_after": None, "rate_limit_style": "cloudflare"},
        True,
        id="429 cloudflare body, no Retry-After",
    ),
    pytest.param({"error_next": 3, "error_status": 503}, False, id="503 burst"),
    pytest.param({"error_every": 40, "error_status": 500}, False, id="500 on every 40th request"),
    pytest.param({"drop_next": 2}, False, id="dropped connections"),
    pytest.param({"html_next": 2}, False, id="HTML page instead of JSON"),
]


@pytest.mark.scenario("worker: fault")
@pytest.mark.parametrize(("faults", "hintless"), FAULTS)
def test_the_worker_rides_out_faults_and_the_cache_mirrors_the_psa(rig, scenario, faults, hintless):
    rig.reset_faults(**faults)
    rig.wrapper.active = hintless

    run = rig.full_sync()

    injected = dict(rig.emulator.stats.faults)
    scenario.record(outcome(run, injected))
    assert run["status"] == "succeeded", (run["errors"], rig.tail())
    assert sum(injected.values()) >= 2
    assert run["retries"] >= sum(injected.values())
    if faults.get("rate_limit_next"):
        assert run["throttled_seconds"] > 0
    assert rig.mismatches() == []


@pytest.mark.scenario("worker: truncated JSON (a 200 whose body is cut short)")
def test_the_worker_rides_out_truncated_json(rig, scenario):
    rig.reset_faults(truncate_next=2)

    run = rig.full_sync()

    scenario.record(outcome(run, dict(rig.emulator.stats.faults)))
    rig.reset_faults()
    assert run["status"] == "succeeded", run["errors"]


@pytest.mark.scenario("worker: records deleted/changed/added while a full sync runs")
def test_records_changing_during_a_sync_are_reconciled_by_the_next_full_sync(rig, scenario):
    rig.reset_faults(latency_ms=40)  # a sync slow enough to change records under it
    emulator = rig.emulator
    tickets = sorted(emulator.store.ids("service/tickets"))
    companies = sorted(emulator.store.ids("company/companies"))
    requested = rig.portal.probe("request", "full", TYPES)
    during = rig.portal.probe("wait", requested["run"], SYNC_TIMEOUT, "paging")
    assert during["status"] == "running", during

    # the sync is on tickets: their page and then their notes and tasks (last ids last) are being fetched
    emulator.delete_record("service/tickets", tickets[-1])
    emulator.update_record("service/tickets", tickets[0], {"summary": "Changed while syncing"})
    added = emulator.add_record("service/tickets", {"summary": "Added while syncing"})
    emulator.delete_record("company/companies", companies[-1])
    first = rig.portal.probe("wait", requested["run"], SYNC_TIMEOUT, timeout=SYNC_TIMEOUT + 30)
    rig.reset_faults()
    second = rig.full_sync()

    changed = rig.portal.probe("value", "tickets", tickets[0], "summary")
    deleted = rig.portal.probe("value", "tickets", tickets[-1], "summary")
    scenario.record(f"during: {first['status']}; reconciling full sync: {second['status']}")
    assert first["status"] in ("succeeded", "partial"), first["errors"]
    assert second["status"] == "succeeded", second["errors"]
    assert changed == {"summary": "Changed while syncing", "is_deleted": False}
    assert deleted["is_deleted"] is True
    assert rig.portal.probe("value", "tickets", added["id"], "summary")["is_deleted"] is False
    assert rig.mismatches() == []


@pytest.mark.scenario("worker: SIGKILL mid full sync, restart, stale run resumed")
def test_a_worker_killed_mid_sync_leaves_a_stale_run_that_a_restarted_worker_completes(rig, scenario):
    rig.reset_faults(latency_ms=40)
    requested = rig.portal.probe("request", "full", TYPES)
    rig.portal.probe("wait", requested["run"], SYNC_TIMEOUT, "paging")

    rig.portal.kill_worker()
    killed = rig.portal.probe("runs")[-1]
    aged = rig.portal.probe("backdate", requested["run"], 11)  # PSA_SYNC_STALE_MINUTES (10) later
    rig.reset_faults()
    rig.portal.start_worker()
    again = rig.portal.probe("request", "full", TYPES)  # the admin button / schedule, after the restart
    run = rig.portal.probe("wait", again["run"], SYNC_TIMEOUT, timeout=SYNC_TIMEOUT + 30)

    scenario.record(f"killed while {killed['status']} on {killed['current_type']}; stale={aged['stale']}; "
                    f"rerun {run['status']}")  # fmt: skip
    assert killed["run"] == requested["run"] and killed["status"] == "running"
    assert aged["stale"] is True
    assert again["run"] == requested["run"]  # the stale run is enqueued again, not a second one created
    assert run["status"] == "succeeded", (run["errors"], rig.tail())
    assert any("Resumed" in error for error in run["errors"])
    assert rig.mismatches() == []


@pytest.mark.scenario("two syncs requested at once: CLI sync_psa + sync_request")
def test_two_syncs_requested_at_once_from_the_cli_and_the_service_exactly_one_runs(rig, scenario):
    rig.reset_faults(latency_ms=10)
    before = {run["run"] for run in rig.portal.probe("runs")}

    cli = rig.portal.manage_popen("sync_psa", "--full", "--connection", "Hardening", "--only", ",".join(TYPES))
    service = rig.portal.probe_popen("request", "full", TYPES)
    service_out, service_err = service.communicate(timeout=60)
    cli_out, cli_err = cli.communicate(timeout=SYNC_TIMEOUT)
    assert service.returncode == 0, service_err
    requested = __import__("json").loads(service_out.strip().splitlines()[-1])
    run = rig.portal.probe("wait", requested["run"], SYNC_TIMEOUT, timeout=SYNC_TIMEOUT + 30)
    new_runs = [r for r in rig.portal.probe("runs") if r["run"] not in before]

    winner = "CLI" if new_runs and new_runs[0]["requested_by"] == "manage.py sync_psa" else "service"
    scenario.record(f"{len(new_runs)} run created, {winner} ran it ({run['status']}); CLI exit {cli.returncode}")
    assert len(new_runs) == 1, new_runs
    assert run["status"] == "succeeded", run["errors"]
    if winner == "CLI":
        assert cli.returncode == 0, cli_err
    else:
        assert cli.returncode == 1 and "already running (started" in cli_err, (cli_out, cli_err)
    assert rig.mismatches() == []


@pytest.mark.scenario("worker: failed sync (401) leaves no secret in django-q2 rows or logs")
def test_a_failed_sync_leaves_no_secret_in_what_the_worker_stores_or_logs(rig, scenario):
    from integrations.emulator import DEFAULT_CLIENT_ID, DEFAULT_PRIVATE_KEY, DEFAULT_PUBLIC_KEY

    rig.reset_faults()
    real = rig.emulator.credentials
    rig.emulator.credentials = EmulatorCredentials(private_key="someone-rotated-the-key")  # ours is now wrong
    try:
        run = rig.full_sync()
    finally:
        rig.emulator.credentials = real
    stored = rig.portal.probe("queue")
    text = " ".join([*stored["tasks"], *stored["queued"], str(run), rig.portal.worker_output()])

    leaked = [name for name, secret in (("public key", DEFAULT_PUBLIC_KEY), ("private key", DEFAULT_PRIVATE_KEY),
                                        ("client id", DEFAULT_CLIENT_ID)) if secret in text]  # fmt: skip
    scenario.record(
        f"{run['status']}: {run['errors'][:1]}; {len(stored['tasks'])} task rows; leaked: {leaked or 'none'}"
    )
    assert run["status"] == "failed"
    assert stored["tasks"], "the worker stored no task rows to check"
    assert leaked == []
