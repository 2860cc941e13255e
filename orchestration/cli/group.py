"""`drgdip group PATH`: a hospital's self-check (自查) of its settlement lists before it uploads.

    drgdip group landing/2024-03/H37030300001          # a hospital-month folder
    drgdip group setlinfo.csv --json                    # one file (a part, or setllist.json)
    drgdip group data/landing --year 2024               # a landing tree, months of 2024 only

The self-check itself (scratch DuckDB, the warehouse's dbt models) is orchestration.selfcheck;
this parses the arguments and prints the cases, their DRG and trace, and the quarantined rows.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from orchestration.config import load_settings
from orchestration.selfcheck import SelfCheckError, SelfCheckResult, self_check

CASE_COLUMNS = ("setl_id", "data_month", "mdc", "adrg", "drg", "reason", "trace")
DIP_COLUMNS = ("setl_id", "data_month", "disease_key", "comorbidity_level", "age_band", "reason_code",
               "dip_disease", "deviation_class", "points", "points_reason_code", "reason_detail")
QUARANTINE_COLUMNS = ("stage", "source_file", "row_number", "field", "reason_code", "message")


def _cell(value) -> str:
    return "-" if value is None or value == "" else str(value)


def format_table(rows: list[dict], columns, widths: dict[str, int] | None = None) -> str:
    widths = widths or {}
    cells = [list(columns)] + [[_cell(r.get(c)) for c in columns] for r in rows]
    for line in cells:
        for i, c in enumerate(columns):
            if c in widths and len(line[i]) > widths[c]:
                line[i] = line[i][: widths[c] - 1] + "…"
    size = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    out = ["  ".join(v.ljust(w) for v, w in zip(line, size)).rstrip() for line in cells]
    out.insert(1, "  ".join("-" * w for w in size))
    return "\n".join(out)


def print_result(result: SelfCheckResult, as_json: bool, out=None) -> None:
    out = out or sys.stdout
    if as_json:
        payload = {"months": result.months, "reference": result.reference_source, "cases": result.cases,
                   "quarantined": result.quarantined}
        if result.dip is not None:
            payload["dip"] = result.dip
            payload["dip_library"] = result.dip_library
        json.dump(payload, out, ensure_ascii=False, indent=2, default=str)
        out.write("\n")
        return
    grouped = sum(c["group_status"] == "grouped" for c in result.cases)
    print(f"{len(result.cases)} case(s) in {', '.join(result.months) or 'no month'}: {grouped} grouped, "
          f"{len(result.cases) - grouped} ungroupable; {len(result.quarantined)} quarantined row(s). "
          f"Reference tables: {result.reference_source}.", file=out)
    rows = [{**c, "reason": c["reason_code"] + (f" {c['reason_description']}" if c["reason_code"] != "00" else ""),
             "trace": c["trace_summary"]} for c in result.cases]
    if rows:
        print(file=out)
        print(format_table(rows, CASE_COLUMNS, {"reason": 40}), file=out)
    if result.dip:
        print(f"\nDIP disease keys and points (病种组合, 病例分值; points for DIP-paid hospitals only, before "
              f"the hospital coefficient; {result.dip_library}):", file=out)
        print(format_table(result.dip, DIP_COLUMNS, {"reason_detail": 60}), file=out)
    if result.quarantined:
        print("\nQuarantined (not grouped; correct and upload again):", file=out)
        print(format_table(result.quarantined, QUARANTINE_COLUMNS, {"message": 120}), file=out)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "group",
        help="self-check: group a hospital's settlement-list file or folder and print each case's DRG and trace",
        description=(
            "A hospital's self-check before upload (自查): reads PATH (a settlement-list file, a hospital "
            "folder or a landing tree, in the landing formats), loads it into a scratch DuckDB, runs the "
            "same staging and CHS-DRG grouping dbt models as the warehouse, and prints each case's MDC, "
            "ADRG, DRG, reason and trace, plus every quarantined row with its reason. Nothing is written "
            "to the warehouse."
        ),
    )
    parser.add_argument("path", type=Path, help="settlement-list file, hospital folder or landing tree")
    parser.add_argument("--year", type=int, help="only cases discharged in this year")
    parser.add_argument("--dip", action="store_true",
                        help="also run the DIP models: each case's disease key (病种组合) and, at a DIP hospital, "
                             "its points from the year's disease library of the configured warehouse")
    parser.add_argument("--json", action="store_true", help="machine-readable output (cases with their full trace)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    echo = (lambda m: print(m, file=sys.stderr)) if args.json else print
    try:
        result = self_check(settings, args.path, year=args.year, dip=args.dip, progress=echo)
    except SelfCheckError as exc:
        print(f"drgdip group: {exc}", file=sys.stderr)
        return 2
    print_result(result, args.json)
    return 0
