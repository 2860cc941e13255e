"""`drgdip demo` and `drgdip materialize`: run the pipeline's jobs through orchestration.runner.

The CLI launches the same jobs over the same partition ranges as a backfill in the UI (see
orchestration.runner), prints the steps' progress lines and, at the end, a summary per month and
the warehouse's row accounting.
"""

from __future__ import annotations

import time

import duckdb

from orchestration.config import Settings, load_settings
from orchestration.runner import MonthSummary, materialize_months


def print_summary(summaries: list[MonthSummary], settings: Settings, total_seconds: float, echo=print) -> None:
    months = [s for s in summaries if s.step == "monthly_cycle"]
    echo("\nsummary")
    echo(f"  {'month':<8} {'files':>6} {'rows':>10} {'cases':>8} {'quarantined':>12} {'seconds':>8}")
    for s in months:
        echo(f"  {s.month:<8} {s.files:>6} {s.raw_rows:>10,} {s.cases:>8,} {s.quarantined_rows:>12,} {s.seconds:>8.1f}")
    tot = MonthSummary("total")
    for s in months:
        tot.files += s.files
        tot.raw_rows += s.raw_rows
        tot.cases += s.cases
        tot.quarantined_rows += s.quarantined_rows
    echo(f"  {'total':<8} {tot.files:>6} {tot.raw_rows:>10,} {tot.cases:>8,} {tot.quarantined_rows:>12,} {total_seconds:>8.1f}")
    _print_accounting(settings, echo)
    for step in ("annual_reference", "monthly_payment", "monthly_supervision", "annual_clearing"):
        runs = [s for s in summaries if s.step == step]
        if runs:
            echo(f"  {step}: {len(runs)} run(s), {sum(s.seconds for s in runs):.1f}s")
    failed = [f"{s.step} {s.month}" for s in summaries if not s.success]
    echo(f"\nwarehouse: {settings.warehouse}")
    echo(f"reports:   {settings.reports_dir}")
    echo("open the UI with `make ui` (http://127.0.0.1:3000)")
    if failed:
        echo(f"FAILED: {', '.join(failed)}")


def _print_accounting(settings: Settings, echo) -> None:
    """The warehouse-wide row accounting after the run (the `row_accounting` checks' figures)."""
    from orchestration.accounting import row_accounting
    from orchestration.interface import PARTS

    if not settings.warehouse.exists():
        return
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        try:
            results = {part: row_accounting(con, part) for part in PARTS}
        except duckdb.CatalogException:
            return
    echo("\nrow accounting (whole warehouse): raw = staged + superseded + quarantined")
    for part, r in results.items():
        state = "ok" if not r["problems"] else "PROBLEM: " + "; ".join(r["problems"])
        echo(f"  {part:<12} {r['raw_rows']:>10,} = {r['staged']:>10,} + {r['superseded']:>8,} + "
             f"{r['quarantined']:>8,}  {state}")


def _months_arg(value: str | None, settings: Settings) -> list[str]:
    if not value or value == "all":
        return settings.months
    if ".." in value:
        first, last = value.split("..")
        return [m for m in settings.months if first <= m <= last]
    return [m.strip() for m in value.split(",") if m.strip()]


def cmd_demo(args) -> int:
    from orchestration.demo.generator import generate_region

    settings = load_settings(args.config)
    t0 = time.monotonic()
    if args.regenerate or not settings.landing_dir.exists():
        print(f"generating the demo region into {settings.data_dir} (seed {settings.demo_seed}) ...", flush=True)
        generate_region(
            settings.data_dir,
            seed=settings.demo_seed,
            hospitals=settings.demo_hospitals,
            years=tuple(settings.years),
            cases_per_year=settings.demo_cases_per_year,
            progress=lambda msg: print(f"  {msg}", flush=True),
        )
    else:
        print(f"demo region present in {settings.landing_dir} (use --regenerate to rebuild it)", flush=True)
    summaries = materialize_months(settings, _months_arg(args.months, settings))
    print_summary(summaries, settings, time.monotonic() - t0)
    return 0 if all(s.success for s in summaries) else 1


def cmd_materialize(args) -> int:
    settings = load_settings(args.config)
    t0 = time.monotonic()
    summaries = materialize_months(settings, _months_arg(args.months, settings), load_reference=not args.skip_reference)
    print_summary(summaries, settings, time.monotonic() - t0)
    return 0 if all(s.success for s in summaries) else 1


def register(sub) -> None:
    demo = sub.add_parser(
        "demo",
        help="generate the demo region (if absent) and materialise every partition",
        description="Generate the embedded demo region under the data dir (unless present), load the "
        "reference data, and run the monthly cycle for every month, printing progress and a summary.",
    )
    demo.add_argument("--months", help="all (default), a range 2024-01..2024-06, or a list 2024-01,2024-02")
    demo.add_argument("--regenerate", action="store_true", help="regenerate the demo region even if present")
    demo.set_defaults(func=cmd_demo)

    mat = sub.add_parser(
        "materialize",
        help="run the cycle on the configured landing directory: one run per job over the months",
        description="Run the `monthly_cycle` job (ingest every landing month, then stage, validate and group "
        "every discharge month) as ONE run over the given months, as a single-run backfill in the UI does; "
        "then the payment year's jobs when all its months are selected.",
    )
    mat.add_argument("--months", help="all (default), a range 2024-01..2024-06, or a list 2024-01,2024-02")
    mat.add_argument("--skip-reference", action="store_true", help="do not reload the reference seeds first")
    mat.set_defaults(func=cmd_materialize)
