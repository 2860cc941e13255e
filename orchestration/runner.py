"""Run the pipeline's jobs in process, as `drgdip demo` and `drgdip materialize` do
(orchestration/cli/demo.py parses their arguments and prints the summary).

The CLI launches the same jobs over the same partition ranges as a backfill in the UI: ONE Dagster
run per job over the whole range (every asset has a single-run backfill policy), on the Dagster
instance in $DAGSTER_HOME (the Makefile points it at `.dagster_home/`), so everything the CLI
materialises is visible in the UI afterwards, with its partitions, checks and run logs. Inside
the `monthly_cycle` run every landing month is ingested before any discharge month is staged, so
late uploads and corrections land in their month by construction.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.config import REPO_ROOT, Settings
from orchestration.partitions import contiguous_ranges, range_tags

# The CLI prints the steps' progress lines (orchestration.progress) and a summary; Dagster's own
# step log goes to the run's log file and stays in the UI (run logs).
QUIET_RUN_CONFIG = {"loggers": {"console": {"config": {"log_level": "WARNING"}}, "progress": {}}}


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


# The Dagster instance the project writes (`make ui`, the CLI): every step that writes the warehouse
# is in the pool `warehouse` (DuckDB has one writer), which takes one step at a time, whichever run
# it belongs to; the run queue starts runs one after the other.
DAGSTER_YAML = """\
# Written by drgdip (orchestration/runner.py); edit the project, not this file.
concurrency:
  pools:
    default_limit: 1
    granularity: op
  runs:
    max_concurrent_runs: 1
telemetry:
  enabled: false
"""


def write_instance_config(home: str | os.PathLike) -> str:
    """`dagster.yaml` in DAGSTER_HOME: the project's concurrency settings (rewritten when they changed)."""
    os.makedirs(home, exist_ok=True)
    config = Path(home) / "dagster.yaml"
    if not config.exists() or config.read_text(encoding="utf-8") != DAGSTER_YAML:
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return str(config)


def _instance():
    from dagster import DagsterInstance

    os.environ.setdefault("DAGSTER_HOME", str(REPO_ROOT / ".dagster_home"))
    write_instance_config(os.environ["DAGSTER_HOME"])
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
    """Runs jobs in process on the persistent instance, one run per job over a partition range,
    dbt's and GX's own output going to a log file per run under `<data_dir>/logs/`."""

    def __init__(self, settings: Settings):
        from orchestration.definitions import build_definitions

        self.settings = settings
        self.defs = build_definitions(settings)
        self.instance = _instance()
        self.log_dir = settings.data_dir / "logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)

    def has_assets(self, job_name: str) -> bool:
        return bool(self.defs.resolve_job_def(job_name).asset_layer.executable_asset_keys)

    def run(self, job_name: str, keys: list[str] | None = None):
        """One run of `job_name` over the partition keys `keys` (contiguous), or unpartitioned."""
        label = "" if not keys else keys[0] if len(keys) == 1 else f"{keys[0]}..{keys[-1]}"
        tags = range_tags(keys or [])
        log_file = self.log_dir / f"{job_name}{'-' + label if label else ''}.log"
        t0 = time.monotonic()
        with (
            open(log_file, "w", encoding="utf-8") as log,
            contextlib.redirect_stdout(log),
            contextlib.redirect_stderr(log),
        ):
            result = self.defs.resolve_job_def(job_name).execute_in_process(
                partition_key=keys[0] if keys and len(keys) == 1 else None, tags=tags,
                instance=self.instance, raise_on_error=False, run_config=QUIET_RUN_CONFIG,
            )
        status = "ok" if result.success else f"FAILED: see {log_file} or run {result.run_id[:8]} in `make ui`"
        return result.success, time.monotonic() - t0, status


def _ranges(months: list[str], all_months: list[str]) -> list[list[str]]:
    """The selected months as contiguous runs of the partition set (one Dagster run each)."""
    unknown = [m for m in months if m not in set(all_months)]
    if unknown:
        raise SystemExit(f"not a configured month: {', '.join(unknown)} (partitions {all_months[0]}..{all_months[-1]})")
    return contiguous_ranges(months, all_months)


def materialize_months(
    settings: Settings, months: list[str], *, load_reference: bool = True, payment: bool = True, echo=print
) -> list[MonthSummary]:
    """The yearly cycle (see orchestration/jobs.py) for the given months, printing progress:
    reference data, ONE `monthly_cycle` run over the months (every landing month ingested, then
    every discharge month staged, validated and grouped), then, for the payment year when all its
    months are selected, `annual_reference`, one `monthly_payment` and one `monthly_supervision`
    run over the year's months, and `annual_clearing`."""
    runner = _Runner(settings)
    if load_reference:
        echo("reference data: loading seeds ...", flush=True)
        ok, seconds, status = runner.run("reference_data")
        echo(f"reference data: {seconds:.1f}s {status}", flush=True)
        if not ok:
            raise SystemExit("loading the reference data failed")
    summaries = []
    for keys in _ranges(months, settings.months):
        echo(f"monthly_cycle {keys[0]}..{keys[-1]} ({len(keys)} months, one run): ingesting every landing "
             f"month, then staging, validating and grouping (log: {runner.log_dir}) ...", flush=True)
        ok, seconds, status = runner.run("monthly_cycle", keys)
        echo(f"monthly_cycle {keys[0]}..{keys[-1]}: {seconds:.1f}s {status}", flush=True)
        for i, month in enumerate(keys, 1):
            s = summarise_month(settings, month)
            s.seconds, s.success = seconds / len(keys), ok
            summaries.append(s)
            echo(
                f"  [{i:>2}/{len(keys)}] {month}: {s.files} files ({s.files_quarantined} quarantined), "
                f"{s.raw_rows:,} rows, {s.cases:,} cases, {s.settlements:,} settlements, "
                f"{s.quarantined_rows:,} quarantined rows",
                flush=True,
            )
    year = str(settings.payment_year)
    year_months = [m for m in settings.months if m.startswith(year)]
    if payment and set(year_months) <= set(months):
        summaries += _run_payment_year(runner, year, year_months, echo)
    return summaries


def _run_payment_year(runner: _Runner, year: str, year_months: list[str], echo) -> list[MonthSummary]:
    """Weights and library before the year, the year's monthly pre-settlements (one run), its
    months of supervision (one run), the clearing."""
    steps = [("annual_reference", [year]), ("monthly_payment", year_months),
             ("monthly_supervision", year_months), ("annual_clearing", [year])]
    summaries = []
    for job_name, keys in steps:
        if not runner.has_assets(job_name):
            continue
        label = keys[0] if len(keys) == 1 else f"{keys[0]}..{keys[-1]}"
        ok, seconds, status = runner.run(job_name, keys)
        summaries.append(MonthSummary(label, seconds=seconds, success=ok, step=job_name))
        echo(f"{job_name} {label}: {seconds:.1f}s {status}", flush=True)
    return summaries
