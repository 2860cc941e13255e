"""The sidebar filters (year, month, pool, hospital), shared by every page.

Rendered once per run by `app.py` before the page, so a choice stays when the user changes page.
Options come from the marts built so far; with no warehouse yet the filters still render (on the
configured payment year) and each figure explains what is missing.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.filters import Filters
from dashboard.warehouse import NotBuilt, WarehouseBusy, WarehouseMissing, clear_cache, read, warehouse_path
from orchestration.config import load_settings

ALL = "all"
POOLS = {ALL: "Both pools", "DRG": "DRG (按病组)", "DIP": "DIP (按病种分值)"}


def _rows(query: data.Query) -> list[dict]:
    """The query's rows, or none while its mart is missing or the warehouse is busy."""
    try:
        return read(query.sql, query.params).frame.to_dict("records")
    except (NotBuilt, WarehouseBusy, WarehouseMissing):
        return []


def render() -> Filters:
    """Draw the filters in the sidebar and return the choice."""
    sidebar = st.sidebar
    months = [r["data_month"] for r in _rows(data.months())]
    payment_year = load_settings().payment_year
    years = sorted({int(m[:4]) for m in months}) or [payment_year]
    year = sidebar.selectbox("Year", years, key="filter_year",
                             index=years.index(payment_year) if payment_year in years else len(years) - 1)
    month = sidebar.selectbox("Month", [ALL, *[m for m in months if m.startswith(str(year))]],
                              key="filter_month", format_func=lambda m: "Whole year" if m == ALL else m)
    pool = sidebar.selectbox("Pool", list(POOLS), key="filter_pool", format_func=POOLS.get)

    pools = {r["fixmedins_code"]: r["pool"] for r in _rows(data.hospital_pools())}
    names = {r["fixmedins_code"]: r["fixmedins_name"] for r in _rows(data.hospital_names())}
    in_pool = [code for code in sorted(pools) if pool == ALL or pools[code] == pool]
    labels = Filters(year=year, names=names)
    hospital = sidebar.selectbox("Hospital", [ALL, *in_pool], key="filter_hospital",
                                 format_func=lambda c: "All hospitals" if c == ALL else labels.hospital_label(c))

    sidebar.divider()
    sidebar.caption(f"Warehouse (read-only): `{warehouse_path()}`")
    # A callback runs before the rerun, so the filters above are read afresh too.
    sidebar.button("Reload data", help="Read the warehouse again (results are kept for a minute).",
                   on_click=clear_cache)
    return Filters(year=year, month=None if month == ALL else month,
                   hospital=None if hospital == ALL else hospital, pool=None if pool == ALL else pool,
                   pool_hospitals=tuple(in_pool), names=names)


def current() -> Filters:
    """The filters `app.py` rendered for this run."""
    return st.session_state["filters"]
