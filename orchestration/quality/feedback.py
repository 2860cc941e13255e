"""Per-hospital feedback (质量反馈) and the monthly summary the CLI prints.

What the agency sends back to each hospital every month for correction and re-upload
(004_… 第十一条): every failing case with its rule and message (`int_quality__case_checks`) and
every quarantined row or file with its reason (`staging.stg_quarantine`, and `raw.quarantine`
for whole files and malformed lines refused at ingestion). Written to
`<reports_dir>/feedback/<YYYY-MM>/<fixmedins_code>.csv` (UTF-8 with BOM, so Excel shows the
Chinese text) and `.xlsx`, plus `_summary.csv` with one line per hospital.

The rules themselves are SQL (dbt); this module only reads their results and formats them.
"""

from __future__ import annotations

import csv
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from orchestration.config import Settings

FEEDBACK_COLUMNS = (
    "fixmedins_code", "data_month", "setl_id", "source", "rule", "severity", "field", "value",
    "message", "source_file", "row_number",
)

# Failing cases of the month, then quarantined rows: staging's (by data month) and ingestion's
# (by landing month: a refused file has no data month). The hospital of an ingestion row is its
# folder, landing/<YYYY-MM>/<fixmedins_code>/<file>.
FEEDBACK_SQL = """
select fixmedins_code, data_month, setl_id, 'case_check' as source, rule, severity, field, value,
    message, null::varchar as source_file, null::bigint as row_number
from intermediate.int_quality__case_checks
where data_month = $month
union all
select fixmedins_code, data_month, setl_id, 'quarantine', reason_code, 'error', part || coalesce('.' || field, ''),
    null, message, _source_file, _row_number
from staging.stg_quarantine
where data_month = $month
union all
select split_part(replace(source_file, '\\', '/'), '/', 2), landing_month, null, 'quarantine', reason_code,
    'error', part || coalesce('.' || field, ''), null, message, source_file, row_number
from raw.quarantine
where landing_month = $month and stage = 'ingestion'
order by fixmedins_code, source desc, setl_id, rule, field
"""

SUMMARY_SQL = """
with rate as (
    select fixmedins_code, settlements, lists, on_time_lists, rate, min_upload_rate, passed
    from marts.mart_quality__upload_rate where data_month = $month
),
cases as (
    select fixmedins_code, count(distinct setl_id) as failing_cases, count(*) as failures
    from intermediate.int_quality__case_checks where data_month = $month
    group by all
),
by_rule as (
    select fixmedins_code, string_agg(rule || ':' || n, ' ' order by n desc, rule) as failing_by_rule
    from (
        select fixmedins_code, rule, count(distinct setl_id) as n
        from intermediate.int_quality__case_checks where data_month = $month
        group by all
    )
    group by all
),
grouping as (
    {grouping}
),
quarantined as (
    select fixmedins_code, count(*) as quarantined_rows from (
        select fixmedins_code from staging.stg_quarantine where data_month = $month
        union all
        select split_part(replace(source_file, '\\', '/'), '/', 2)
        from raw.quarantine where landing_month = $month and stage = 'ingestion'
    )
    group by all
),
hospitals as (
    select fixmedins_code from rate
    union select fixmedins_code from cases
    union select fixmedins_code from quarantined
    union select fixmedins_code from grouping
)
select h.fixmedins_code,
    coalesce(r.settlements, 0) as settlements,
    coalesce(r.lists, 0) as lists,
    coalesce(r.on_time_lists, 0) as on_time_lists,
    r.rate,
    r.min_upload_rate,
    r.passed,
    coalesce(q.quarantined_rows, 0) as quarantined_rows,
    coalesce(c.failing_cases, 0) as failing_cases,
    coalesce(b.failing_by_rule, '') as failing_by_rule,
    g.grouping_rate,
    g.min_grouping_rate,
    g.grouping_passed,
    g.ungroupable_cases
from hospitals as h
left join rate as r using (fixmedins_code)
left join cases as c using (fixmedins_code)
left join by_rule as b using (fixmedins_code)
left join quarantined as q using (fixmedins_code)
left join grouping as g using (fixmedins_code)
where h.fixmedins_code is not null
order by h.fixmedins_code
"""

# The DRG grouping rate (入组率) of the hospital-month, from marts.mart_quality__grouping_rate
# (its figures are repeated on each MDC row); NULL columns while the grouper has not run.
GROUPING_SQL = """
    select fixmedins_code,
        any_value(hospital_month_grouping_rate) as grouping_rate,
        any_value(min_grouping_rate) as min_grouping_rate,
        bool_and(hospital_month_passed) as grouping_passed,
        sum(ungroupable_cases) as ungroupable_cases
    from marts.mart_quality__grouping_rate where data_month = $month
    group by all
"""
NO_GROUPING_SQL = """
    select null::varchar as fixmedins_code, null::decimal(9,4) as grouping_rate,
        null::decimal(9,4) as min_grouping_rate, null::boolean as grouping_passed,
        null::hugeint as ungroupable_cases
    where false
"""

SUMMARY_COLUMNS = (
    "fixmedins_code", "settlements", "lists", "on_time_lists", "rate", "min_upload_rate", "passed",
    "quarantined_rows", "failing_cases", "failing_by_rule", "grouping_rate", "min_grouping_rate",
    "grouping_passed", "ungroupable_cases",
)


@dataclass
class FeedbackReport:
    month: str
    directory: Path
    hospitals: list[str]
    rows: int
    files: list[Path]


def _dicts(con: duckdb.DuckDBPyConnection, sql: str, month: str) -> list[dict]:
    cursor = con.execute(sql, {"month": month})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def read_feedback(con: duckdb.DuckDBPyConnection, month: str, hospital: str | None = None) -> list[dict]:
    rows = _dicts(con, FEEDBACK_SQL, month)
    return [r for r in rows if hospital is None or r["fixmedins_code"] == hospital]


def read_summary(con: duckdb.DuckDBPyConnection, month: str, hospital: str | None = None) -> list[dict]:
    has_grouping = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'mart_quality__grouping_rate'"
    ).fetchone()[0]
    sql = SUMMARY_SQL.replace("{grouping}", GROUPING_SQL if has_grouping else NO_GROUPING_SQL)
    rows = _dicts(con, sql, month)
    return [r for r in rows if hospital is None or r["fixmedins_code"] == hospital]


def feedback_dir(settings: Settings, month: str) -> Path:
    return settings.feedback_dir / month


def _write_csv(path: Path, columns, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def _write_xlsx(path: Path, hospital: str, month: str, rows: list[dict]) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "failures"
    sheet.append(list(FEEDBACK_COLUMNS))
    for row in rows:
        sheet.append([row.get(c) for c in FEEDBACK_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    widths = {"message": 90, "source_file": 40, "rule": 26, "field": 26}
    for i, name in enumerate(FEEDBACK_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = widths.get(name, 16)
    # a second sheet with the counts per rule, what a quality officer reads first
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row["source"], row["rule"])
        counts[key] = counts.get(key, 0) + 1
    summary = book.create_sheet("by_rule")
    summary.append(["hospital", hospital, "month", month])
    summary.append(["source", "rule", "rows"])
    for (source, rule), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        summary.append([source, rule, n])
    for cell in summary[2]:
        cell.font = Font(bold=True)
    book.save(path)


def write_feedback(settings: Settings, month: str) -> FeedbackReport:
    """Write the month's feedback files (replacing any earlier ones of that month) and return
    what was written. Hospitals with nothing to correct get no file; `_summary.csv` lists all."""
    from orchestration.quality.gx_runner import connect_read_only

    con = connect_read_only(settings.warehouse)
    try:
        rows = read_feedback(con, month)
        summary = read_summary(con, month)
    finally:
        con.close()
    directory = feedback_dir(settings, month)
    # a rerun replaces the month: a hospital whose failures were all corrected loses its file
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)
    by_hospital: dict[str, list[dict]] = {}
    for row in rows:
        by_hospital.setdefault(row["fixmedins_code"] or "UNKNOWN", []).append(row)
    files = []
    for hospital, hospital_rows in sorted(by_hospital.items()):
        csv_path = directory / f"{hospital}.csv"
        xlsx_path = directory / f"{hospital}.xlsx"
        _write_csv(csv_path, FEEDBACK_COLUMNS, hospital_rows)
        _write_xlsx(xlsx_path, hospital, month, hospital_rows)
        files += [csv_path, xlsx_path]
    summary_path = directory / "_summary.csv"
    _write_csv(summary_path, SUMMARY_COLUMNS, summary)
    files.append(summary_path)
    return FeedbackReport(month=month, directory=directory, hospitals=sorted(by_hospital), rows=len(rows),
                          files=files)
