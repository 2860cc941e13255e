"""Data quality in Dagster (数据质量): GX suites as asset checks, and the monthly feedback.

- `gx_suites`: one multi-asset check with a check per validated table (`gx_<table>`), run once per
  run over every month the run built, in one GX context (`orchestration.quality.gx_runner`); each
  validation is a GX run named after its month, and the Data Docs site is built once, offline
  (`reports/quality/site/`, with a page per month `reports/quality/<YYYY-MM>/index.html`). All
  are `blocking`: a failed `critical` expectation (key missing or duplicated, counts that
  contradict each other — the month cannot be trusted) gives severity ERROR and stops the
  downstream assets; anything else (case-level defects, an upload rate below the policy target)
  gives WARN: it is reported and sent back, the months go on. A low upload rate is a hospital's
  reporting failure, not corrupt data, so it only warns; so does a DRG grouping rate (入组率)
  below `min_grouping_rate`. The result's metadata gives each month's figures, and each month's
  result is also recorded as an observation on that month's partition of the validated table.
- `quality_feedback` (monthly, one run for a range): per-hospital feedback files
  `reports/feedback/<YYYY-MM>/<fixmedins_code>.csv|.xlsx`, read from the warehouse's check tables.

Asset keys of the dbt models are dagster-dbt's defaults: `[schema, model]`, e.g.
`staging/stg_setlinfo` (dbt_project.yml configures a schema per folder).
"""

# No `from __future__ import annotations`: Dagster inspects the context and resource annotations.


from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetObservation,
    BackfillPolicy,
    MaterializeResult,
    MetadataValue,
    PartitionKeyRange,
    asset,
    multi_asset_check,
)

from orchestration.partitions import RANGE_END_TAG, RANGE_START_TAG, monthly_partitions
from orchestration.progress import report
from orchestration.quality.feedback import write_feedback
from orchestration.quality.gx_runner import SuiteOutcome, built_tables, month_docs_dir, run_months, site_dir
from orchestration.quality.rules import SUITE_DESCRIPTIONS, TABLES
from orchestration.resources import DrgdipSettings


def dbt_asset_key(table: str) -> AssetKey:
    """dagster-dbt's default key of a model: its configured schema, then its name
    (`staging/stg_setlinfo`), as `orchestration/assets/dbt.py` uses it."""
    return AssetKey([TABLES[table].schema, table])


def run_months_of(context) -> list[str]:
    """The discharge months of the run a check or asset executes in (a single partition or a
    single-run backfill range); every month when the run names none."""
    tags = context.run.tags
    if "dagster/partition" in tags:
        return [tags["dagster/partition"]]
    start, end = tags.get(RANGE_START_TAG), tags.get(RANGE_END_TAG)
    if start and end:
        return monthly_partitions.get_partition_keys_in_range(PartitionKeyRange(start, end))
    return monthly_partitions.get_partition_keys()


def _check_result(table: str, by_month: dict[str, SuiteOutcome], settings) -> AssetCheckResult:
    failed = {
        month: [
            f"{f['severity']}: {f['expectation']} on {f['column']}"
            + (f" ({f['unexpected_count']} rows)" if f.get("unexpected_count") is not None else "")
            for f in o.failed
        ]
        for month, o in by_month.items() if o.failed
    }
    critical = any(o.critical_failed for o in by_month.values())
    months = sorted(by_month)
    return AssetCheckResult(
        check_name=f"gx_{table}",
        asset_key=dbt_asset_key(table),
        passed=all(o.success for o in by_month.values()),
        severity=AssetCheckSeverity.ERROR if critical else AssetCheckSeverity.WARN,
        description=(f"{len(months) - len(failed)} of {len(months)} months pass"
                     + (f"; failing: {', '.join(failed)}" if failed else "")),
        metadata={
            "months": MetadataValue.json(months),
            "success_percent_by_month": MetadataValue.json({m: o.success_percent for m, o in by_month.items()}),
            "rows_validated": sum(o.rows for o in by_month.values()),
            "failed_expectations_by_month": MetadataValue.json(failed),
            "data_docs": MetadataValue.path(str(site_dir(settings) / "index.html")),
            **({"month_page": MetadataValue.path(str(month_docs_dir(settings, months[0]) / "index.html"))}
               if len(months) == 1 else {}),
        },
    )


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            name=f"gx_{table}",
            asset=dbt_asset_key(table),
            blocking=True,
            description=f"Great Expectations suite `{table}` on each month of the run: {SUITE_DESCRIPTIONS[table]}",
        )
        for table in TABLES
    ],
    name="gx_suites",
    compute_kind="great_expectations",
    pool="warehouse",
)
def gx_suites(context: AssetCheckExecutionContext, settings: DrgdipSettings):
    """The 8 suites on every month of the run in one GX context; the Data Docs site built once."""
    s = settings.settings()
    months = run_months_of(context)

    def progress(month, outcomes):
        failing = [t for t, o in outcomes.items() if not o.success]
        report(context, f"GX {month}: {len(outcomes) - len(failing)}/{len(outcomes)} suites pass"
               + (f" (failing: {', '.join(failing)})" if failing else ""))
        # each month's result on the month's partition of the validated table (the UI's partition view)
        for table, outcome in outcomes.items():
            context.op_execution_context.log_event(AssetObservation(
                asset_key=dbt_asset_key(table), partition=month,
                metadata={"gx_suite": table, "gx_success": outcome.success,
                          "gx_success_percent": MetadataValue.float(outcome.success_percent),
                          "gx_failed_expectations": len(outcome.failed), "gx_rows_validated": outcome.rows,
                          "gx_month_page": MetadataValue.path(str(month_docs_dir(s, month) / "index.html"))},
            ))

    built = built_tables(s.warehouse)
    results = run_months(s, months, tables=built, progress=progress) if built else {}
    for table in TABLES:
        if table in built:
            yield _check_result(table, {m: results[m][table] for m in months}, s)
        else:  # e.g. a warehouse whose cases were never grouped has no grouping-rate mart
            yield AssetCheckResult(check_name=f"gx_{table}", asset_key=dbt_asset_key(table), passed=False,
                                   severity=AssetCheckSeverity.WARN,
                                   description=f"{TABLES[table].schema}.{table} is not in the warehouse: nothing validated")


@asset(
    partitions_def=monthly_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    deps=[
        dbt_asset_key("int_quality__case_checks"),
        dbt_asset_key("mart_quality__upload_rate"),
        dbt_asset_key("mart_quality__grouping_rate"),
        AssetKey(["staging", "stg_quarantine"]),
    ],
    group_name="quality",
    compute_kind="python",
    description=(
        "Per-hospital feedback files of each month of the run (质量反馈: every failing case and "
        "quarantined row with its rule and message), reports/feedback/<YYYY-MM>/."
    ),
)
def quality_feedback(context: AssetExecutionContext, settings: DrgdipSettings) -> MaterializeResult:
    s = settings.settings()
    per_month = {}
    for month in sorted(context.partition_keys):
        feedback = write_feedback(s, month)
        per_month[month] = {"rows": feedback.rows, "hospitals": len(feedback.hospitals)}
        report(context, f"feedback {month}: {feedback.rows} rows for {len(feedback.hospitals)} "
                        f"hospitals in {feedback.directory}")
    return MaterializeResult(
        metadata={
            "feedback_dir": MetadataValue.path(str(s.feedback_dir)),
            "feedback_rows": sum(v["rows"] for v in per_month.values()),
            "feedback_by_month": MetadataValue.json(per_month),
        }
    )


ASSETS = [quality_feedback]
ASSET_CHECKS = [gx_suites]
