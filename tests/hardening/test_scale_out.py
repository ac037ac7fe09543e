"""Scale-out (issue 7): two `manage.py qcluster` processes share one PostgreSQL database and one Redis queue.

100 single-document generations and a full sync go into the queue together; both clusters take some of the
generations, every task succeeds, each document is made exactly once, and the sync completes. Each generation task
reports the process that ran it (its pid, and its session id: each cluster is started in a session of its own, so the
session id is the pid of the `qcluster` process whose tree ran the task).

Needs REDIS_URL (the CI's second pass, on PostgreSQL): with the ORM broker on SQLite there is nothing to scale out.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from integrations.emulator import Emulator, EmulatorServer

from .portal import MANAGE, ROOT, Portal

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="scale-out needs PostgreSQL and the Redis broker: set DATABASE_URL=postgres://… and REDIS_URL "
        "(the CI's second pass); SQLite with the ORM broker has no shared queue to scale out",
    ),
]

DOCUMENTS = 100
TEMPLATE = "technical-documentation-docx"  # a company document, Word: cheap to render
TYPES = ["companies", "tickets"]
WORKERS_PER_CLUSTER = "2"
TIMEOUT = 240.0


class Clusters:
    """Two qcluster processes on the portal's database and broker, each in a session of its own."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.processes: list[subprocess.Popen] = []
        self.logs = [portal.tmp / f"scale-qcluster-{i}.log" for i in range(2)]

    def start(self) -> None:
        env = {**self.portal.env, "Q_WORKERS": WORKERS_PER_CLUSTER}
        for log in self.logs:
            with log.open("w") as sink:
                self.processes.append(
                    subprocess.Popen(
                        [*MANAGE, "qcluster"], env=env, cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )  # fmt: skip

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def stop(self) -> None:
        """SIGTERM to each cluster's main process (its sentinel then stops the workers); SIGKILL what lingers."""
        for process in self.processes:
            process.terminate()
        deadline = time.monotonic() + 15
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the session's stragglers, if any
            process.wait(timeout=10)
        self.processes = []

    def tail(self) -> str:
        logs = [log for log in self.logs if log.exists()]
        return "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}" for log in logs)


@pytest.fixture
def rig(tmp_path) -> Iterator[tuple[Portal, Clusters]]:
    server = EmulatorServer(Emulator(seed=7, scale=40))
    server.start()
    portal = Portal(tmp_path)
    clusters = Clusters(portal)
    try:
        portal.probe("prepare", server.base_url)
        portal.run_manage("load_starter_templates")
        # companies to generate documents for, synced before the clusters start (inline: no worker needed)
        portal.run_manage("sync_psa", "--full", "--connection", "Hardening", "--only", "companies")
        yield portal, clusters
    finally:
        clusters.stop()
        portal.close()
        server.stop()


def _finished(status: dict[str, Any]) -> bool:
    settled = sum(status["documents"].values()) >= DOCUMENTS and "running" not in status["documents"]
    return settled and len(status["results"]) >= DOCUMENTS and status["run"]["status"] not in ("queued", "running")


@pytest.mark.scenario("scale-out: two qclusters share 100 document generations and a sync")
def test_two_clusters_share_a_hundred_generations_and_a_sync(rig, scenario):
    portal, clusters = rig
    clusters.start()
    started = time.monotonic()
    enqueued = portal.probe("scale_enqueue", TEMPLATE, DOCUMENTS, TYPES)

    status = portal.probe("scale_status", enqueued["run"])
    while not _finished(status) and not status["failed"] and time.monotonic() - started < TIMEOUT:
        time.sleep(1)
        status = portal.probe("scale_status", enqueued["run"])
    elapsed = time.monotonic() - started

    by_cluster = Counter(result["sid"] for result in status["results"])
    split = "/".join(str(by_cluster.get(pid, 0)) for pid in clusters.pids)
    processes = len({result["pid"] for result in status["results"]})
    scenario.record(
        f"{sum(status['documents'].values())} documents {status['documents']}, split {split} over {processes} worker "
        f"processes; sync {status['run']['status']}; {len(status['failed'])} failed tasks; {elapsed:.0f} s"
    )
    assert _finished(status), f"not finished after {elapsed:.0f} s: {status['documents']}, {status['run']}\n" + (
        clusters.tail()
    )
    assert status["failed"] == [], status["failed"]
    assert status["documents"] == {"succeeded": DOCUMENTS}, status["documents"]  # exactly 100: none twice, none lost
    assert sorted(result["n"] for result in status["results"]) == list(range(DOCUMENTS))
    assert len({result["document"] for result in status["results"]}) == DOCUMENTS
    assert status["attempts"] == [1]  # no task was retried (a retry after a lost ack would duplicate work)
    assert set(by_cluster) <= set(clusters.pids), (by_cluster, clusters.pids)
    assert all(by_cluster.get(pid, 0) > 0 for pid in clusters.pids), f"one cluster did all the work: {split}"
    assert status["run"]["status"] == "succeeded", status["run"]["errors"]
    assert [success for success, _ in status["sync_tasks"]] == [True]
