"""A ConnectWise PSA REST API emulator with generated MSP data, for the demo, end-to-end tests and benchmarks."""

from .app import (
    CODEBASE,
    DEFAULT_CLIENT_ID,
    DEFAULT_COMPANY_ID,
    DEFAULT_PRIVATE_KEY,
    DEFAULT_PUBLIC_KEY,
    Emulator,
    EmulatorCredentials,
)
from .faults import EmulatorStats, FaultPlan
from .server import EmulatorServer

__all__ = [
    "CODEBASE",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_COMPANY_ID",
    "DEFAULT_PRIVATE_KEY",
    "DEFAULT_PUBLIC_KEY",
    "Emulator",
    "EmulatorCredentials",
    "EmulatorServer",
    "EmulatorStats",
    "FaultPlan",
]
