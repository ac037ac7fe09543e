"""Fault injection and request statistics for the emulator (throttling, 5xx, HTML pages, truncation, drops)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field, fields
from typing import Any, Literal

FaultKind = Literal["dropped", "rate_limited", "server_error", "html", "truncated"]


@dataclass
class FaultPlan:
    """What to break, and how often: "every N" counts ConnectWise requests (not /_emulator calls), "next K" is a burst.

    Evaluated in this order per request: latency, drop, 429, 5xx, HTML page; truncation applies to the body that
    would otherwise have been sent.
    """

    latency_ms: int = 0
    rate_limit_every: int = 0
    rate_limit_next: int = 0
    rate_limit_until: float = 0.0  # time.monotonic() deadline of a throttling window; see throttle_for()
    retry_after: int | None = 1  # seconds in the Retry-After header; None sends no header
    rate_limit_style: Literal["standard", "cloudflare"] = "standard"
    error_every: int = 0
    error_next: int = 0
    error_status: int = 500
    html_every: int = 0
    html_next: int = 0
    html_status: int = 503
    truncate_every: int = 0
    truncate_next: int = 0
    drop_every: int = 0
    drop_next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def throttle_for(self, seconds: float) -> None:
        """Answer every request with 429 for the next `seconds` (a sustained rate-limit window)."""
        self.rate_limit_until = time.monotonic() + seconds

    def clear(self) -> None:
        for item in fields(self):
            if not item.name.startswith("_"):
                setattr(self, item.name, item.default)

    def configure(self, **settings: Any) -> None:
        """Set several knobs at once (used by the CLI and the /_emulator/faults endpoint)."""
        known = {item.name for item in fields(self) if not item.name.startswith("_")}
        unknown = set(settings) - known - {"throttle_seconds"}
        if unknown:
            raise ValueError(f"Unknown fault setting(s): {', '.join(sorted(unknown))}.")
        for name, value in settings.items():
            if name == "throttle_seconds":
                self.throttle_for(float(value))
            else:
                setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return {item.name: getattr(self, item.name) for item in fields(self) if not item.name.startswith("_")}

    def decide(self, request_number: int) -> tuple[FaultKind | None, bool]:
        """The fault for this request (at most one) and whether its body is to be truncated."""
        with self._lock:
            kind: FaultKind | None = None
            for name, every, burst in (
                ("dropped", self.drop_every, "drop_next"),
                ("rate_limited", self.rate_limit_every, "rate_limit_next"),
                ("server_error", self.error_every, "error_next"),
                ("html", self.html_every, "html_next"),
            ):
                if getattr(self, burst) > 0:
                    setattr(self, burst, getattr(self, burst) - 1)
                    kind = name  # type: ignore[assignment]
                    break
                if every and request_number % every == 0:
                    kind = name  # type: ignore[assignment]
                    break
                if name == "dropped" and time.monotonic() < self.rate_limit_until:
                    kind = "rate_limited"
                    break
            truncate = False
            if kind is None:
                if self.truncate_next > 0:
                    self.truncate_next -= 1
                    truncate = True
                elif self.truncate_every and request_number % self.truncate_every == 0:
                    truncate = True
            return kind, truncate


@dataclass
class EmulatorStats:
    """Counters tests read: requests per path (relative to the API root), per status, and injected faults."""

    requests_total: int = 0
    requests_by_path: Counter[str] = field(default_factory=Counter)
    responses_by_status: Counter[int] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count_request(self, path: str) -> int:
        with self._lock:
            self.requests_total += 1
            self.requests_by_path[path] += 1
            return self.requests_total

    def count_status(self, status: int) -> None:
        with self._lock:
            self.responses_by_status[status] += 1

    def count_fault(self, kind: str) -> None:
        with self._lock:
            self.faults[kind] += 1

    def reset(self) -> None:
        with self._lock:
            self.requests_total = 0
            self.requests_by_path.clear()
            self.responses_by_status.clear()
            self.faults.clear()

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests_total": self.requests_total,
            "requests_by_path": dict(self.requests_by_path),
            "responses_by_status": {str(k): v for k, v in self.responses_by_status.items()},
            "faults": dict(self.faults),
        }
