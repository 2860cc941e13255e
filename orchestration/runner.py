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
    step: str = "monthly_cycle"  # or a payment-year step: annual_reference, monthly_payment, annual_clearing


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


class _Runner:
    """Runs jobs in process on the persistent instance, one partition per run, dbt's and GX's own
    output going to a log file per run under `<data_dir>/logs/`."""

    def __init__(self, settings: Settings):
        from orchestration.definitions import build_definitions

        self.settings = settings
        self.defs = build_definitions(settings)
        self.instance = _instance()
        self.log_dir = settings.data_dir / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)

    def has_assets(self, job_name: str) -> bool:
        return bool(self.defs.resolve_job_def(job_name).asset_layer.executable_asset_keys)

    def run(self, job_name: str, partition_key: str | None = None):
        log_file = self.log_dir / f"{job_name}{'-' + partition_key if partition_key else ''}.log"
        t0 = time.monotonic()
        with (
            open(log_file, "w", encoding="utf-8") as log,
            contextlib.redirect_stdout(log),
            contextlib.redirect_stderr(log),
        ):
            result = self.defs.resolve_job_def(job_name).execute_in_process(
                partition_key=partition_key, instance=self.instance, raise_on_error=False, run_config=QUIET_RUN_CONFIG
            )
        status = "ok" if result.success else f"FAILED: see {log_file} or run {result.run_id[:8]} in `make ui`"
        return result.success, time.monotonic() - t0, status


def materialize_months(
    settings: Settings, months: list[str], *, load_reference: bool = True, payment: bool = True, echo=print
) -> list[MonthSummary]:
    """The yearly cycle (see orchestration/jobs.py) for the given months, printing progress:
    reference data, `monthly_cycle` for each month, then, for the payment year when all its months
    are selected, `annual_reference`, `monthly_payment` for each month and `annual_clearing`."""
    runner = _Runner(settings)
    if load_reference:
        echo("reference data: loading seeds ...", flush=True)
        ok, seconds, status = runner.run("reference_data")
        echo(f"reference data: {seconds:.1f}s {status}", flush=True)
        if not ok:
            raise SystemExit("loading the reference data failed")
    summaries = []
    for i, month in enumerate(months, 1):
        ok, seconds, status = runner.run("monthly_cycle", month)
        s = summarise_month(settings, month)
        s.seconds, s.success = seconds, ok
        summaries.append(s)
        echo(
            f"[{i:>2}/{len(months)}] {month}: {s.files} files ({s.files_quarantined} quarantined), "
            f"{s.raw_rows:,} rows, {s.cases:,} cases, {s.settlements:,} settlements, "
            f"{s.quarantined_rows:,} quarantined rows, {s.seconds:.1f}s {status}",
            flush=True,
        )
    year = str(settings.payment_year)
    year_months = [m for m in settings.months if m.startswith(year)]
    if payment and set(year_months) <= set(months):
        summaries += _run_payment_year(runner, year, year_months, echo)
    return summaries


def _run_payment_year(runner: _Runner, year: str, year_months: list[str], echo) -> list[MonthSummary]:
    """Weights and library before the year, the twelve monthly pre-settlements, the twelve months of
    supervision, the clearing."""
    steps = ([("annual_reference", year)] + [("monthly_payment", m) for m in year_months]
             + [("monthly_supervision", m) for m in year_months] + [("annual_clearing", year)])
    summaries = []
    for job_name, key in steps:
        if not runner.has_assets(job_name):
            continue
        ok, seconds, status = runner.run(job_name, key)
        summaries.append(MonthSummary(key, seconds=seconds, success=ok, step=job_name))
        echo(f"{job_name} {key}: {seconds:.1f}s {status}", flush=True)
    return summaries


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
