"""The dashboard's queries, one per figure, each naming the table it reads.

A `Query` is plain SQL with its parameters; `figures.figure` runs it through the read-only
`warehouse.read` and captions the figure with `source`. Filters (year, month, hospital, pool) become
`where` clauses here so every page filters the same way. Only documented marts are read, plus
`staging.stg_quarantine` for quarantine reasons.
"""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.filters import Filters


@dataclass(frozen=True)
class Query:
    source: str  # the table shown under the figure ("Source: marts.…")
    sql: str
    params: tuple = ()


def _where(f: Filters, *, pool_column: str | None = None, month: bool = True,
           hospital: bool = True) -> tuple[str, tuple]:
    """`where` clause and parameters for the sidebar filters. Tables without a pool column are
    filtered by the hospitals of the chosen pool."""
    clauses, params = ["substr(data_month, 1, 4) = ?"], [str(f.year)]
    if month and f.month:
        clauses.append("data_month = ?")
        params.append(f.month)
    if hospital and f.hospital:
        clauses.append("fixmedins_code = ?")
        params.append(f.hospital)
    if f.pool:
        if pool_column:
            clauses.append(f"{pool_column} = ?")
            params.append(f.pool)
        elif f.pool_hospitals:
            clauses.append("list_contains(?, fixmedins_code)")
            params.append(list(f.pool_hospitals))
        else:
            clauses.append("false")  # no hospital in the pool
    return "where " + " and ".join(clauses), tuple(params)


# --- what the filters offer ----------------------------------------------------------------------

def months() -> Query:
    return Query("marts.mart_quality__upload_rate",
                 "select distinct data_month from marts.mart_quality__upload_rate order by data_month")


def hospital_pools() -> Query:
    return Query("marts.mart_quality__grouping_rate", """
        select fixmedins_code, max(payment_method) as pool
        from marts.mart_quality__grouping_rate group by fixmedins_code order by fixmedins_code""")


def hospital_names() -> Query:
    return Query("marts.mart_payment__hospital_month", """
        select fixmedins_code, max(fixmedins_name) as fixmedins_name
        from marts.mart_payment__hospital_month group by fixmedins_code""")


# --- region overview -----------------------------------------------------------------------------

def region_by_month(f: Filters) -> Query:
    where, params = _where(f, pool_column="pool", month=False, hospital=False)
    return Query("marts.mart_payment__hospital_month", f"""
        select data_month, pool, sum(cases) as cases, sum(points) as points,
               sum(fund_amount) as fund_amount, sum(amount) as amount, sum(guarantee) as guarantee,
               sum(paid) as paid, max(predicted_point_value) as predicted_point_value
        from marts.mart_payment__hospital_month {where}
        group by data_month, pool order by data_month, pool""", params)


def budget(f: Filters) -> Query:
    params: tuple = (f.year,)
    pool = ""
    if f.pool:
        pool, params = "and pool = ?", (f.year, f.pool)
    return Query("marts.mart_clearing__budget", f"""
        select pool, pool_budget, pool_clearing_budget, predicted_point_value, clearing_point_value,
               clearing_points, cleared_total, payable_total
        from marts.mart_clearing__budget where year = ? {pool} order by pool""", params)


# --- hospital drill-down -------------------------------------------------------------------------

def upload_rate(f: Filters, *, month: bool = False) -> Query:
    where, params = _where(f, month=month)
    return Query("marts.mart_quality__upload_rate", f"""
        select fixmedins_code, data_month, settlements, lists, on_time_lists, rate, min_upload_rate, passed
        from marts.mart_quality__upload_rate {where} order by data_month, fixmedins_code""", params)


def grouping_rate(f: Filters, *, month: bool = False) -> Query:
    where, params = _where(f, pool_column="payment_method", month=month)
    # One row per MDC, the hospital-month totals repeated on each: keep them once.
    return Query("marts.mart_quality__grouping_rate", f"""
        select distinct fixmedins_code, payment_method, data_month, hospital_month_cases,
               hospital_month_grouped_cases, hospital_month_grouping_rate, min_grouping_rate,
               hospital_month_passed
        from marts.mart_quality__grouping_rate {where} order by data_month, fixmedins_code""", params)


def supervision_by_month(f: Filters, *, month: bool = False) -> Query:
    where, params = _where(f, pool_column="payment_method", month=month)
    return Query("marts.mart_supervision__hospital_month", f"""
        select * from marts.mart_supervision__hospital_month {where}
        order by data_month, fixmedins_code""", params)


def presettlement(f: Filters) -> Query:
    where, params = _where(f, pool_column="pool", month=False)
    return Query("marts.mart_payment__hospital_month", f"""
        select data_month, pool, cases, cases_without_points, points, predicted_point_value,
               computed_amount, fund_amount, capped_by_fund, amount, guarantee, holdback, paid
        from marts.mart_payment__hospital_month {where} order by data_month, pool""", params)


def clearing(f: Filters) -> Query:
    params: tuple = (f.year, f.hospital)
    return Query("marts.mart_clearing__hospital_year", """
        select * from marts.mart_clearing__hospital_year
        where year = ? and fixmedins_code = ? order by pool""", params)


def fired_flags(f: Filters) -> Query:
    clauses, params = ["fired", "year = ?"], [f.year]
    if f.month:
        clauses.append("period = ?")
        params.append(f.month)
    if f.hospital:
        clauses.append("fixmedins_code = ?")
        params.append(f.hospital)
    if f.pool:
        clauses.append("payment_method = ?")
        params.append(f.pool)
    return Query("marts.mart_supervision__flags", f"""
        select flag_id, fixmedins_code, fixmedins_name, period, window_from, window_to, flag_kind,
               measure_name, measure, peer_value, score, threshold, cases, peers,
               evidence_summary, evidence
        from marts.mart_supervision__flags where {' and '.join(clauses)}
        order by period, fixmedins_code, flag_kind""", tuple(params))


# --- MDC indicators for the expert groups ---------------------------------------------------------

def mdc_months(f: Filters) -> Query:
    where, params = _where(f, pool_column="payment_method", month=False, hospital=False)
    return Query("marts.mart_supervision__hospital_month_mdc", f"""
        select distinct data_month from marts.mart_supervision__hospital_month_mdc {where}
        order by data_month""", params)


def mdc_indicators(f: Filters, month: str) -> Query:
    where, params = _where(f, pool_column="payment_method", month=False)
    return Query("marts.mart_supervision__hospital_month_mdc", f"""
        select * from marts.mart_supervision__hospital_month_mdc {where} and data_month = ?
        order by mdc, fixmedins_code""", (*params, month))


def dip_diseases(f: Filters, month: str) -> Query:
    where, params = _where(f, pool_column="payment_method", month=False)
    return Query("marts.mart_supervision__hospital_month_dip", f"""
        select * from marts.mart_supervision__hospital_month_dip {where} and data_month = ?
        order by cases desc, dip_disease_code""", (*params, month))


# --- data quality --------------------------------------------------------------------------------

def quarantine_reasons(f: Filters) -> Query:
    where, params = _where(f)
    return Query("staging.stg_quarantine", f"""
        select reason_code, any_value(reason_description) as reason_description, part,
               count(*) as rows, count(distinct fixmedins_code) as hospitals
        from staging.stg_quarantine {where}
        group by reason_code, part order by rows desc, reason_code, part""", params)


def quarantined_rows(f: Filters, limit: int = 500) -> Query:
    where, params = _where(f)
    return Query("staging.stg_quarantine", f"""
        select data_month, fixmedins_code, part, reason_code, field, _source_file, _row_number, message
        from staging.stg_quarantine {where}
        order by data_month, fixmedins_code, _source_file, _row_number limit {int(limit)}""", params)
