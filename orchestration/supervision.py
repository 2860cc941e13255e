"""The supervision flags of a year, read from the warehouse (read-only), for `drgdip flags`
(orchestration/cli/flags.py).

The flags are computed in SQL (marts.mart_supervision__flags, built by the `monthly_supervision`
job); this only reads them, with the officers' review status of each fired flag
(marts.mart_supervision__flag_reviews: pending / confirmed / dismissed, and the penalty).
"""

from __future__ import annotations

import duckdb

FLAG_KINDS = ("upcoding", "split_admission", "cost_shifting", "under_service", "patient_shirking")

QUERY = """
    select f.period, f.fixmedins_code, f.fixmedins_name, f.flag_kind, f.measure_name, f.measure, f.peer_value,
        f.score, f.threshold, f.cases, f.peers, f.fired, f.evidence_summary, f.flag_id{review}
    from marts.mart_supervision__flags as f{review_join}
    where f.year = ?{filters}
    order by f.period, f.fixmedins_code, f.flag_kind, f.measure_name
"""


def read_flags(con: duckdb.DuckDBPyConnection, year: int, *, hospital: str | None = None, kind: str | None = None,
               month: str | None = None, fired_only: bool = True) -> list[dict]:
    """The flags of `year` (fired only by default), with the review status of fired ones when the
    review view exists (it does once a month of supervision is built)."""
    filters, params = [], [year]
    for column, value in (("fixmedins_code", hospital), ("flag_kind", kind), ("period", month)):
        if value:
            filters.append(f"f.{column} = ?")
            params.append(value)
    if fired_only:
        filters.append("f.fired")
    has_reviews = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'mart_supervision__flag_reviews'").fetchone()[0] > 0
    sql = QUERY.format(
        review=", r.status, r.penalty_amount" if has_reviews else "",
        review_join=" left join marts.mart_supervision__flag_reviews as r using (flag_id)" if has_reviews else "",
        filters="".join(f" and {f}" for f in filters),
    )
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]
