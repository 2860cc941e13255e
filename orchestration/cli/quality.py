"""`drgdip quality`: the month's data quality per hospital, read from the warehouse (read-only).

    drgdip quality --month 2024-03                  # one line per hospital
    drgdip quality --month 2024-03 --hospital H37030300001 --cases   # and its failing cases
    drgdip quality --month 2024-03 --docs --feedback               # also (re)build the reports
"""

from __future__ import annotations

import sys

import duckdb

from orchestration.cli.arguments import month
from orchestration.config import load_settings
from orchestration.quality.feedback import read_feedback, read_summary, write_feedback

HEADERS = (
    ("fixmedins_code", "hospital"),
    ("settlements", "settlements"),
    ("lists", "lists"),
    ("on_time_lists", "on_time"),
    ("rate", "upload_rate"),
    ("passed", "target_met"),
    ("quarantined_rows", "quarantined"),
    ("failing_cases", "failing_cases"),
    ("grouping_rate", "grouping_rate"),
    ("grouping_passed", "grouping_target_met"),
    ("ungroupable_cases", "ungroupable"),
    ("failing_by_rule", "failing cases by rule"),
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "quality",
        help="print the month's data quality per hospital (upload rate, quarantine, failing cases)",
        description=(
            "Per-hospital quality summary of one month, read from the warehouse: settlements, lists, "
            "upload rate (结算清单上传率) against the policy target, quarantined rows, failing "
            "cases by rule (int_quality__case_checks), and the DRG grouping rate (入组率) against "
            "min_grouping_rate (mart_quality__grouping_rate; blank until the month is grouped)."
        ),
    )
    parser.add_argument("--month", required=True, type=month, help="data month YYYY-MM, e.g. 2024-03")
    parser.add_argument("--hospital", help="only this hospital (fixmedins_code)")
    parser.add_argument("--cases", action="store_true", help="also list every failing case and quarantined row")
    parser.add_argument("--docs", action="store_true",
                        help="also run the GX suites and build the Data Docs in <reports>/quality/<month>/")
    parser.add_argument("--feedback", action="store_true",
                        help="also write the per-hospital feedback files in <reports>/feedback/<month>/")
    parser.set_defaults(func=run)


def _fmt(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    return str(value)


def format_table(rows: list[dict], headers) -> str:
    cells = [[title for _, title in headers]] + [[_fmt(r.get(key)) for key, _ in headers] for r in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(args) -> int:
    settings = load_settings(args.config)
    if not settings.warehouse.exists():
        print(f"no warehouse at {settings.warehouse}: run `make demo` (or ingest and build) first", file=sys.stderr)
        return 1
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        summary = read_summary(con, args.month, args.hospital)
        cases = read_feedback(con, args.month, args.hospital) if args.cases else []
    except duckdb.CatalogException as exc:
        print(f"the quality tables are not built yet ({exc}); materialise the month first", file=sys.stderr)
        return 1
    finally:
        con.close()
    scope = f" for {args.hospital}" if args.hospital else ""
    print(f"Data quality {args.month}{scope}: {len(summary)} hospital(s)")
    print(format_table(summary, HEADERS) if summary else "(no settlements, lists or failures this month)")
    if args.cases:
        print()
        columns = ("fixmedins_code", "setl_id", "source", "rule", "field", "value", "message")
        print(format_table(cases, [(c, c) for c in columns]) if cases else "(nothing to correct)")
    if args.feedback:
        report = write_feedback(settings, args.month)
        print(f"\nfeedback: {report.rows} rows for {len(report.hospitals)} hospital(s) in {report.directory}")
    if args.docs:
        from orchestration.quality.gx_runner import month_docs_dir, run_month

        outcomes = run_month(settings, args.month)
        failing = [t for t, o in outcomes.items() if not o.success]
        print(f"\nData Docs: {month_docs_dir(settings, args.month) / 'index.html'}"
              f" ({len(outcomes) - len(failing)}/{len(outcomes)} suites pass"
              + (f"; failing: {', '.join(failing)}" if failing else "") + ")")
    return 0
