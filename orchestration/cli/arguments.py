"""Argument types shared by the subcommands."""

from __future__ import annotations

import argparse
import re


def month(value: str) -> str:
    """A data month YYYY-MM (argparse `type=`)."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise argparse.ArgumentTypeError(f"month must be YYYY-MM, got {value!r}")
    return value
