"""The psa_emulator management command's option handling."""

from __future__ import annotations

from argparse import ArgumentTypeError

import pytest

from integrations.management.commands.psa_emulator import Command, fault_plan_from_options, scale_argument


def test_scale_accepts_names_and_ticket_counts() -> None:
    assert scale_argument("demo") == "demo"
    assert scale_argument("2500") == 2500
    with pytest.raises(ArgumentTypeError):
        scale_argument("huge")


def test_fault_flags_become_a_fault_plan() -> None:
    parser = Command().create_parser("manage.py", "psa_emulator")
    options = vars(
        parser.parse_args(
            [
                "--rate-limit-every",
                "5",
                "--no-retry-after",
                "--error-burst",
                "3",
                "--rate-limit-style",
                "cloudflare",
                "--drop-every",
                "9",
            ]
        )
    )
    plan = fault_plan_from_options(options)
    assert (plan.rate_limit_every, plan.retry_after, plan.error_next, plan.drop_every) == (5, None, 3, 9)
    assert plan.rate_limit_style == "cloudflare"
