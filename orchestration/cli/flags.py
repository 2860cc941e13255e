"""`drgdip flags`: the supervision flags of a year, read from the warehouse (read-only).

    drgdip flags --year 2024                               # every flag that fired in 2024
    drgdip flags --year 2024 --hospital H37030300003       # one hospital
    drgdip flags --year 2024 --kind upcoding --month 2024-03
    drgdip flags --year 2024 --all                         # also the evaluations that did not fire

The flags are computed in SQL (marts.mart_supervision__flags, built by the `monthly_supervision`
job); this only prints them (orchestration.supervision.read_flags), with the officers' review
status of each fired flag.
"""

from __future__ import annotations

import sys
import textwrap

import duckdb

from orchestration.cli.arguments import month
from orchestration.config import load_settings
from orchestration.supervision import FLAG_KINDS, read_flags

COLUMNS = (  # (key, title, right-aligned)
    ("period", "period", False),
    ("fixmedins_code", "hospital", False),
    ("flag_kind", "flag", False),
    ("measure_name", "measure", False),
    ("measure", "value", True),
    ("peer_value", "peers'", True),
    ("score", "score", True),
    ("threshold", "threshold", True),
    ("cases", "cases", True),
    ("peers", "peers", True),
    ("fired", "fired", False),
    ("status", "review", False),
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "flags",
        help="print the supervision flags of a year (upcoding, split admissions, cost shifting, ...)",
        description=(
            "Print the supervision flags (监管疑点) that fired in a year, read from the warehouse "
            "(marts.mart_supervision__flags, read-only): per hospital and month, the measure against "
            "its same-tier peers, the score and threshold, the officers' review status, and one "
            "sentence of evidence. --all also prints the evaluations that did not fire."
        ),
    )
    parser.add_argument("--year", required=True, type=int, help="the year, e.g. 2024")
    parser.add_argument("--hospital", help="only this hospital (fixmedins_code)")
    parser.add_argument("--kind", choices=FLAG_KINDS, help="only this kind of flag")
    parser.add_argument("--month", type=month, help="only this month (YYYY-MM, within --year)")
    parser.add_argument("--all", action="store_true", help="also the evaluations that did not fire")
    parser.set_defaults(func=run)


def _cell(key: str, row: dict) -> str:
    value = row.get(key)
    if key == "fired":
        return "yes" if value else "no"
    if key == "status":
        if not row.get("fired"):
            return ""
        if value == "confirmed" and row.get("penalty_amount"):
            return f"confirmed, penalty {row['penalty_amount']:,.2f}"
        return value or "pending"
    if value is None:
        return "-"
    if key in ("measure", "peer_value"):
        return f"{value:.4f}"
    if key == "score":
        return f"{value:.2f}"
    if key == "threshold":
        return f"{value:g}"
    return str(value)


def format_flags(rows: list[dict], width: int = 110) -> str:
    """A table, one line per flag, each followed by its evidence sentence (indented, wrapped)."""
    cells = [[title for _, title, _ in COLUMNS]] + [[_cell(key, r) for key, _, _ in COLUMNS] for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(COLUMNS))]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if right else v.ljust(w)
                         for v, w, (_, _, right) in zip(values, widths, COLUMNS)).rstrip()

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    for row, values in zip(rows, cells[1:]):
        out.append(line(values))
        name = f"{row['fixmedins_name']}: " if row.get("fixmedins_name") else ""
        out.extend(textwrap.wrap(name + (row.get("evidence_summary") or ""), width,
                                 initial_indent="    ", subsequent_indent="    "))
    return "\n".join(out)


def run(args) -> int:
    if args.month and not args.month.startswith(f"{args.year}-"):
        print(f"--month {args.month} is not in --year {args.year}", file=sys.stderr)
        return 2
    warehouse = load_settings(args.config).warehouse
    if not warehouse.exists():
        print(f"no warehouse at {warehouse}: run `make demo` (or the pipeline's jobs) first", file=sys.stderr)
        return 1
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        print(f"cannot read the warehouse {warehouse} (is a run writing it? try again when it ends): {exc}",
              file=sys.stderr)
        return 1
    try:
        rows = read_flags(con, args.year, hospital=args.hospital, kind=args.kind, month=args.month,
                          fired_only=not args.all)
    except duckdb.CatalogException:
        print("the supervision flags are not built yet (marts.mart_supervision__flags is missing): run the "
              "`monthly_supervision` job for the year's months (`drgdip demo` does)", file=sys.stderr)
        return 1
    finally:
        con.close()
    scope = "".join(f", {label} {value}" for label, value in
                    (("hospital", args.hospital), ("kind", args.kind), ("month", args.month)) if value)
    what = "evaluations" if args.all else "flags that fired"
    fired = sum(1 for r in rows if r["fired"])
    print(f"Supervision flags {args.year}{scope}: {len(rows)} {what}"
          + (f" ({fired} fired)" if args.all else ""))
    print(format_flags(rows) if rows else "(none)")
    return 0
