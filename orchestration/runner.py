"""Run the pipeline from the command line: `drgdip demo` and `drgdip materialize`.

Each month is one Dagster run of the `monthly_cycle` job on the Dagster instance in
$DAGSTER_HOME (the Makefile points it at `.dagster_home/`), so everything the CLI materialises is
visible in the UI afterwards, with its partitions, checks and run logs.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass

import duckdb

from orchestration.config import REPO_ROOT, Settings, load_settings

# The CLI prints one line per month; Dagster's own step log stays in the UI (run logs).
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class MonthSummary:
    month: str
    files: int = 0
    files_quarantined: int = 0
    raw_rows: int = 0
    cases: int = 0
    settlements: int = 0
    quarantined_rows: int = 0
    seconds: float = 0.0
    success: bool = True


def _instance():
    from dagster import DagsterInstance

    os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / ".dagster_home"))
    os.makedirs(os.environ["DAGSTER_HOME"], exist_ok=True)
    # An empty dagster.yaml: the default local storage, without Dagster's notice that it is missing.
    config = os.path.join(os.environ["DAGSTER_HOME"], "dagster.yaml")
    if not os.path.exists(config):
        open(config, "w").close()
    return DagsterInstance.get()


def _count(con, sql: str, params: list) -> int:
    try:
        return int(con.execute(sql, params).fetchone()[0] or 0)
    except duckdb.CatalogException:
        return 0


def summarise_month(settings: Settings, month: str) -> MonthSummary:
    """What one month put in the warehouse (read-only; after its run)."""
    s = MonthSummary(month)
    if not settings.warehouse.exists():
        return s
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        s.files = _count(con, "select count(*) from raw.ingested_files where landing_month = ?", [month])
        s.files_quarantined = _count(
            con, "select count(*) from raw.ingested_files where landing_month = ? and status <> 'loaded'", [month]
        )
        s.raw_rows = _count(con, "select coalesce(sum(rows_read), 0) from raw.ingested_files where landing_month = ?", [month])
        s.cases = _count(con, "select count(*) from staging.stg_setlinfo where data_month = ?", [month])
        s.settlements = _count(con, "select count(*) from staging.stg_settlements where data_month = ?", [month])
        s.quarantined_rows = _count(con, "select count(*) from raw.quarantine where landing_month = ?", [month]) + _count(
            con, "select count(*) from staging.stg_quarantine where data_month = ?", [month]
        )
    return s


def materialize_months(settings: Settings, months: list[str], *, load_reference: bool = True, echo=print) -> list[MonthSummary]:
    """Load the reference data, then run `monthly_cycle` for each month in order, printing progress."""
    from orchestration.definitions import build_definitions

    defs = build_definitions(settings)
    instance = _instance()
    if load_reference:
        t0 = time.monotonic()
        echo("reference data: loading seeds ...", flush=True)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with open(settings.data_dir / "reference_data.log", "w", encoding="utf-8") as log, contextlib.redirect_stdout(
            log
        ), contextlib.redirect_stderr(log):
            ref = defs.resolve_job_def("reference_data").execute_in_process(
                instance=instance, run_config=QUIET_RUN_CONFIG, raise_on_error=False
            )
        if not ref.success:
            raise SystemExit(f"loading the reference data failed: see {settings.data_dir / 'reference_data.log'}")
        echo(f"reference data: loaded in {time.monotonic() - t0:.1f}s", flush=True)
    job = defs.resolve_job_def("monthly_cycle")
    log_dir = settings.data_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    summaries = []
    for i, month in enumerate(months, 1):
        t0 = time.monotonic()
        log_file = log_dir / f"monthly_cycle-{month}.log"
        # dbt and GX write their own progress to stdout; keep it in a log file beside the data.
        with open(log_file, "w", encoding="utf-8") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            result = job.execute_in_process(
                partition_key=month, instance=instance, raise_on_error=False, run_config=QUIET_RUN_CONFIG
            )
        s = summarise_month(settings, month)
        s.seconds, s.success = time.monotonic() - t0, result.success
        summaries.append(s)
        status = "ok" if result.success else f"FAILED: see {log_file} or run {result.run_id[:8]} in `make ui`"
        echo(
            f"[{i:>2}/{len(months)}] {month}: {s.files} files ({s.files_quarantined} quarantined), "
            f"{s.raw_rows:,} rows, {s.cases:,} cases, {s.settlements:,} settlements, "
            f"{s.quarantined_rows:,} quarantined rows, {s.seconds:.1f}s {status}",
            flush=True,
        )
    return summaries


def print_summary(summaries: list[MonthSummary], settings: Settings, total_seconds: float, echo=print) -> None:
    echo("\nsummary")
    echo(f"  {'month':<8} {'files':>6} {'rows':>10} {'cases':>8} {'quarantined':>12} {'seconds':>8}")
    for s in summaries:
        echo(f"  {s.month:<8} {s.files:>6} {s.raw_rows:>10,} {s.cases:>8,} {s.quarantined_rows:>12,} {s.seconds:>8.1f}")
    tot = MonthSummary("total")
    for s in summaries:
        tot.files += s.files
        tot.raw_rows += s.raw_rows
        tot.cases += s.cases
        tot.quarantined_rows += s.quarantined_rows
    echo(f"  {'total':<8} {tot.files:>6} {tot.raw_rows:>10,} {tot.cases:>8,} {tot.quarantined_rows:>12,} {total_seconds:>8.1f}")
    failed = [s.month for s in summaries if not s.success]
    echo(f"\nwarehouse: {settings.warehouse}")
    echo(f"reports:   {settings.reports_dir}")
    echo("open the UI with `make ui` (http://127.0.0.1:3000)")
    if failed:
        echo(f"FAILED months: {', '.join(failed)}")


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
        help="run the monthly cycle for some or all months on the configured landing directory",
        description="Run the `monthly_cycle` job (ingest, stage, validate) for the given months, in order.",
    )
    mat.add_argument("--months", help="all (default), a range 2024-01..2024-06, or a list 2024-01,2024-02")
    mat.add_argument("--skip-reference", action="store_true", help="do not reload the reference seeds first")
    mat.set_defaults(func=cmd_materialize)
