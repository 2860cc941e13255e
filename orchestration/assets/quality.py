"""Data quality in Dagster (数据质量): GX suites as asset checks, and the monthly feedback.

- One asset check per validated table and monthly partition (`gx_<table>`), running that table's
  Great Expectations suite (`expectations/gx`, see `orchestration.quality.suites`) on the
  partition's rows. All are `blocking`: a failed `critical` expectation (key missing or
  duplicated, counts that contradict each other — the month cannot be trusted) gives severity
  ERROR and stops the partition's downstream assets; anything else (case-level defects, an upload
  rate below the policy target) gives WARN: it is reported and sent back, the month goes on.
  A low upload rate is a hospital's reporting failure, not corrupt data, so it only warns; so
  does a DRG grouping rate (入组率, `gx_mart_quality__grouping_rate`) below `min_grouping_rate`.
- `quality_feedback` (monthly): per-hospital feedback files
  `reports/feedback/<YYYY-MM>/<fixmedins_code>.csv|.xlsx` and the month's Data Docs site
  `reports/quality/<YYYY-MM>/index.html` (all suites).

Asset keys of the dbt models are dagster-dbt's defaults: `[schema, model]`, e.g.
`staging/stg_setlinfo` (dbt_project.yml configures a schema per folder).
"""

# No `from __future__ import annotations`: Dagster inspects the context and resource annotations.


from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from orchestration.partitions import monthly_partitions
from orchestration.quality.feedback import write_feedback
from orchestration.quality.gx_runner import SuiteOutcome, month_docs_dir, run_month
from orchestration.quality.rules import SUITE_DESCRIPTIONS, TABLES
from orchestration.resources import DrgdipSettings


def dbt_asset_key(table: str) -> AssetKey:
    """dagster-dbt's default key of a model: its configured schema, then its name
    (`staging/stg_setlinfo`), as `orchestration/assets/dbt.py` uses it."""
    return AssetKey([TABLES[table].schema, table])


def _check_result(outcome: SuiteOutcome, settings, month: str) -> AssetCheckResult:
    failed = [
        f"{f['severity']}: {f['expectation']} on {f['column']}"
        + (f" ({f['unexpected_count']} rows)" if f.get("unexpected_count") is not None else "")
        for f in outcome.failed
    ]
    page = outcome.docs_page or str(month_docs_dir(settings, month) / "index.html")
    return AssetCheckResult(
        passed=outcome.success,
        severity=AssetCheckSeverity.ERROR if outcome.critical_failed else AssetCheckSeverity.WARN,
        metadata={
            "month": month,
            "success_percent": MetadataValue.float(outcome.success_percent),
            "expectations": outcome.evaluated,
            "rows_validated": outcome.rows,
            "failed_expectations": MetadataValue.json(failed),
            "data_docs": MetadataValue.path(page),
            "data_docs_index": MetadataValue.path(str(month_docs_dir(settings, month) / "index.html")),
        },
    )


def _build_check(table: str):
    @asset_check(
        asset=dbt_asset_key(table),
        name=f"gx_{table}",
        description=f"Great Expectations suite `{table}`: {SUITE_DESCRIPTIONS[table]}",
        blocking=True,
        partitions_def=monthly_partitions,
        compute_kind="great_expectations",
    )
    def _check(context: AssetCheckExecutionContext, settings: DrgdipSettings) -> AssetCheckResult:
        s = settings.settings()
        month = context.partition_key
        outcome = run_month(s, month, tables=[table])[table]
        return _check_result(outcome, s, month)

    return _check


GX_CHECKS = [_build_check(table) for table in TABLES]


@asset(
    partitions_def=monthly_partitions,
    deps=[
        dbt_asset_key("int_quality__case_checks"),
        dbt_asset_key("mart_quality__upload_rate"),
        dbt_asset_key("mart_quality__grouping_rate"),
        AssetKey(["staging", "stg_quarantine"]),
    ],
    group_name="quality",
    compute_kind="great_expectations",
    description=(
        "Per-hospital feedback files of the month (质量反馈: every failing case and quarantined row "
        "with its rule and message), reports/feedback/<YYYY-MM>/, and the month's Data Docs site, "
        "reports/quality/<YYYY-MM>/index.html."
    ),
)
def quality_feedback(context: AssetExecutionContext, settings: DrgdipSettings) -> MaterializeResult:
    s = settings.settings()
    month = context.partition_key
    report = write_feedback(s, month)
    outcomes = run_month(s, month)
    context.log.info("feedback for %s: %d rows for %d hospitals in %s", month, report.rows,
                     len(report.hospitals), report.directory)
    return MaterializeResult(
        metadata={
            "feedback_dir": MetadataValue.path(str(report.directory)),
            "hospitals_with_feedback": len(report.hospitals),
            "feedback_rows": report.rows,
            "data_docs": MetadataValue.path(str(month_docs_dir(s, month) / "index.html")),
            "suites_passed": MetadataValue.json({t: o.success for t, o in outcomes.items()}),
            "success_percent": MetadataValue.json({t: o.success_percent for t, o in outcomes.items()}),
        }
    )



ASSETS = [quality_feedback]
ASSET_CHECKS = [*GX_CHECKS]
