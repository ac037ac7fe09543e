"""Hardening scenarios: a `scenario` recorder, and a table of scenario → outcome printed when the session ends."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest


@dataclass
class Scenario:
    """One row of the end-of-session table; a test fills in `outcome`, the report hook adds pass/fail."""

    name: str
    outcome: str = "did not finish"
    result: str = ""
    details: list[str] = field(default_factory=list)

    def record(self, outcome: str) -> None:
        self.outcome = outcome


SCENARIOS: list[Scenario] = []


@pytest.fixture
def scenario(request) -> Scenario:
    """Record the outcome a test observed: `scenario.record("succeeded, 3 retries")`."""
    marker = request.node.get_closest_marker("scenario")
    name = marker.args[0] if marker else request.node.name
    if "[" in request.node.name and marker:
        name = f"{name} [{request.node.callspec.id}]"
    row = Scenario(name)
    SCENARIOS.append(row)
    return row


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "scenario(name): the row name of a hardening scenario in the outcome table")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    row = item.funcargs.get("scenario") if hasattr(item, "funcargs") else None
    if not isinstance(row, Scenario):
        return
    if report.when == "call" or (report.when == "setup" and report.failed):
        if hasattr(report, "wasxfail"):
            row.result = "XFAIL (known bug)" if report.skipped else "XPASS"
        else:
            row.result = report.outcome.upper()


def pytest_sessionfinish(session, exitstatus) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not SCENARIOS:
        return
    width = min(60, max(len(s.name) for s in SCENARIOS))
    reporter.write_sep("=", "hardening scenarios")
    reporter.write_line(f"{'scenario':<{width}}  {'result':<18} outcome")
    reporter.write_line("-" * (width + 60))
    for row in SCENARIOS:
        reporter.write_line(f"{row.name[:width]:<{width}}  {row.result or '?':<18} {row.outcome}")
