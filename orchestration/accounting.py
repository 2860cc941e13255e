"""Row accounting (行级对账): every raw row of every landing month is staged, superseded or
quarantined, with its discharge month, for the whole warehouse and not only for the months a run
built.

For each part, one query compares, row by row (`_source_file`, `_row_number`):
- `raw.<part>` with the routing table `staging.base_raw__<part>` (nothing dropped by routing);
- the routing table with `staging.stg_row_status` (every routed row has exactly one status there:
  rows routed to a month that was never staged are the late uploads nobody restaged);
- the staged rows of `stg_row_status` with `staging.stg_<part>` (both ways).
The same figures per discharge month go to the check's metadata, so a month that does not add
up is named.

The Dagster asset checks `row_accounting` (one per staged table) run after every run that builds
staging, whatever months it built.
"""

# No `from __future__ import annotations`: Dagster inspects the context and resource annotations.

from typing import Any

import duckdb
from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, AssetKey, asset_check
from dagster_duckdb import DuckDBResource

from orchestration.interface import PARTS

STAGING = "staging"
ROW_STATUSES = ("staged", "superseded", "quarantined")


def _per_month_sql(part: str) -> str:
    return f"""
    with raw_rows as (
        select _source_file, _row_number from raw.{part}
    ),
    routed as (
        select _source_file, _row_number, data_month, row_status from {STAGING}.base_raw__{part}
    ),
    status as (
        select _source_file, _row_number, data_month, row_status, count(*) over (
            partition by _source_file, _row_number) as times
        from {STAGING}.stg_row_status where part = '{part}'
    ),
    staged as (
        select _source_file, _row_number, data_month from {STAGING}.stg_{part}
    ),
    rows as (
        select
            coalesce(r.data_month, s.data_month, g.data_month, '(not routed)') as data_month,
            w._source_file is not null as in_raw,
            r._source_file is not null as routed,
            s._source_file is not null as has_status,
            s.row_status,
            coalesce(s.times, 0) as times,
            g._source_file is not null as in_stg
        from raw_rows as w
        full join routed as r using (_source_file, _row_number)
        full join status as s using (_source_file, _row_number)
        full join staged as g using (_source_file, _row_number)
    )
    select
        data_month,
        count(*) filter (where in_raw) as raw_rows,
        count(*) filter (where in_raw and not routed) as not_routed,
        count(*) filter (where routed and not in_raw) as routed_not_raw,
        count(*) filter (where in_raw and not has_status) as without_status,
        count(*) filter (where times > 1) as duplicate_status,
        count(*) filter (where row_status = 'staged') as staged,
        count(*) filter (where row_status = 'superseded') as superseded,
        count(*) filter (where row_status = 'quarantined') as quarantined,
        count(*) filter (where has_status and row_status not in {ROW_STATUSES}) as other_status,
        count(*) filter (where row_status = 'staged' and not in_stg) as staged_missing_from_model,
        count(*) filter (where in_stg and coalesce(row_status, '') <> 'staged') as model_rows_not_staged,
        count(*) filter (where in_stg) as stg_rows
    from rows
    group by data_month
    order by data_month
    """


def row_accounting(con: duckdb.DuckDBPyConnection, part: str, month: str | None = None) -> dict[str, Any]:
    """Where the raw rows of `part` went, for the whole warehouse (or the discharge month `month`):
    the counts, `by_month`, and `problems`, one sentence per thing that does not add up."""
    columns = ["data_month", "raw_rows", "not_routed", "routed_not_raw", "without_status", "duplicate_status",
               "staged", "superseded", "quarantined", "other_status", "staged_missing_from_model",
               "model_rows_not_staged", "stg_rows"]
    rows = [dict(zip(columns, r, strict=True)) for r in con.execute(_per_month_sql(part)).fetchall()]
    if month is not None:
        rows = [r for r in rows if r["data_month"] == month]
    totals = {c: sum(int(r[c]) for r in rows) for c in columns[1:]}
    problems = []

    def months_with(column: str) -> str:
        hits = [f"{r['data_month']} ({r[column]})" for r in rows if r[column]]
        return ", ".join(hits[:12]) + (" …" if len(hits) > 12 else "")

    if totals["not_routed"] or totals["routed_not_raw"]:
        problems.append(f"raw.{part} and its routing disagree: {totals['not_routed']} raw rows not routed, "
                        f"{totals['routed_not_raw']} routed rows not in raw.{part}")
    if totals["without_status"]:
        problems.append(f"{totals['without_status']} raw {part} rows have no staging status: their discharge "
                        f"months were not staged since they arrived: {months_with('without_status')}")
    if totals["duplicate_status"]:
        problems.append(f"{totals['duplicate_status']} {part} rows have more than one status row")
    if totals["other_status"]:
        problems.append(f"{totals['other_status']} rows have a status other than {', '.join(ROW_STATUSES)}")
    if totals["staged_missing_from_model"] or totals["model_rows_not_staged"]:
        problems.append(
            f"stg_{part} holds {totals['stg_rows']} rows but {totals['staged']} are staged: "
            f"{totals['staged_missing_from_model']} staged rows missing from stg_{part} "
            f"({months_with('staged_missing_from_model') or '-'}), {totals['model_rows_not_staged']} rows in "
            f"stg_{part} not staged ({months_with('model_rows_not_staged') or '-'})")
    return {**totals, "months": len(rows), "by_month": rows, "problems": problems}


def _row_accounting_check(part: str):
    @asset_check(
        asset=AssetKey([STAGING, f"stg_{part}"]),
        name="row_accounting",
        description=(
            f"Row accounting for {part}, warehouse-wide after every run: every raw row of every landing month "
            f"is staged, superseded or quarantined in its discharge month, and stg_{part} holds exactly the "
            "staged rows. Fails if a row vanished or was never staged."
        ),
    )
    def _check(context: AssetCheckExecutionContext, warehouse: DuckDBResource) -> AssetCheckResult:
        with warehouse.get_connection() as con:
            result = row_accounting(con, part)
        problems = result.pop("problems")
        by_month = result.pop("by_month")
        accounted = result["staged"] + result["superseded"] + result["quarantined"]
        return AssetCheckResult(
            passed=not problems,
            severity=AssetCheckSeverity.ERROR,
            description="; ".join(problems)
            or f"all {result['raw_rows']:,} raw {part} rows of {result['months']} discharge months accounted for",
            metadata={**result, "accounted": accounted,
                      "by_month": {r["data_month"]: {k: int(v) for k, v in r.items() if k != "data_month" and v}
                                   for r in by_month}},
        )

    return _check


ROW_ACCOUNTING_CHECKS = [_row_accounting_check(part) for part in PARTS]
