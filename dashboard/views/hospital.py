"""Hospital drill-down: upload and grouping rate, CMI and indices, pre-settlement and clearing
lines, and the supervision flags that fired, with their evidence.

With "All hospitals" in the sidebar the page compares the hospitals side by side instead.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from dashboard import charts, data
from dashboard.figures import figure, load
from dashboard.filters import Filters
from dashboard.sidebar import current

# The clearing line by line (年度清算单), in the order the clearing computes it.
CLEARING_LINES = {
    "pool": "Pool",
    "cases": "Cases",
    "points": "Points of the year (年度总点数)",
    "clearing_point_value": "Clearing point value (清算点值)",
    "pre_clearing_amount": "D_h pre-clearing total (预清算总额)",
    "fund_amount_after_audit": "F_h fund amount after audit",
    "clearing_ratio": "r = D_h / F_h",
    "band": "Band",
    "surplus_kept_by_fund": "Surplus kept by the fund",
    "adjustment_fund_used": "Adjustment fund used (调节金)",
    "cleared_amount": "Cleared amount (清算金额)",
    "penalties": "Penalties",
    "guarantee_returned": "Quality guarantee returned",
    "guarantee_forfeited": "Quality guarantee forfeited",
    "annual_due": "Annual due (年度应付)",
    "monthly_paid": "Paid monthly",
    "payable": "Payable (清算应拨; negative = recovery)",
}
CLEARING_BARS = ["pre_clearing_amount", "fund_amount_after_audit", "cleared_amount", "annual_due",
                 "monthly_paid", "payable"]
INDICES = {"cmi": "CMI", "cost_index": "cost index (费用消耗指数)", "time_index": "time index (时间消耗指数)"}


def evidence_table(evidence: str | None) -> pd.DataFrame | None:
    """The flag's evidence JSON (a list of objects) as a table; None when it is not one."""
    try:
        items = json.loads(evidence or "null")
    except ValueError:
        return None
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        return None
    rows = [{k: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v for k, v in i.items()}
            for i in items]
    return pd.DataFrame(rows)


def number(value, fmt: str) -> str:
    return "–" if value is None or pd.isna(value) else format(value, fmt)


def draw_flags(flags: pd.DataFrame) -> None:
    charts.bars(flags.groupby(["period", "flag_kind"], as_index=False).size(), "period", "size",
                color="flag_kind", title="flags fired")
    for flag in flags.to_dict("records"):
        title = (f"{flag['period']} · {flag['flag_kind']} ({flag['measure_name']}) · "
                 f"score {number(flag['score'], '.2f')} "
                 f"(threshold {number(flag['threshold'], 'g')})")
        with st.expander(title):
            st.markdown(flag["evidence_summary"] or "")
            cols = st.columns(4)
            cols[0].metric(flag["measure_name"] or "measure", number(flag["measure"], ".3f"))
            cols[1].metric("Peers' value", number(flag["peer_value"], ".3f"))
            cols[2].metric("Cases compared", number(flag["cases"], ",.0f"))
            cols[3].metric("Peer hospitals", number(flag["peers"], ",.0f"))
            if pd.notna(flag["measure"]) and pd.notna(flag["peer_value"]):
                compared = pd.DataFrame({"who": ["this hospital", "peers of its tier"],
                                         "value": [flag["measure"], flag["peer_value"]]})
                charts.bars(compared, "who", "value", color="who", title=flag["measure_name"],
                            horizontal=True, fmt=",.3f")
            st.caption(f"Window {flag['window_from']} … {flag['window_to']}; flag_id `{flag['flag_id']}`")
            table = evidence_table(flag["evidence"])
            if table is None:
                st.code(flag["evidence"] or "(no evidence)", language="json")
            else:
                st.dataframe(table, hide_index=True)


def draw_clearing(lines: pd.DataFrame) -> None:
    amounts = lines.melt(id_vars="pool", value_vars=CLEARING_BARS, var_name="line", value_name="yuan")
    amounts["line"] = amounts["line"].map(CLEARING_LINES)
    charts.bars(amounts, "line", "yuan", color="pool", sort=[CLEARING_LINES[c] for c in CLEARING_BARS],
                horizontal=True, fmt=",.0f")
    shown = {label: [str(v) if v is not None and not pd.isna(v) else "" for v in lines[column]]
             for column, label in CLEARING_LINES.items() if column in lines.columns}
    table = pd.DataFrame(shown).T.reset_index().set_axis(["line", *lines["pool"]], axis=1)
    st.dataframe(table, hide_index=True, height=35 * (len(table) + 1) + 3)  # every line, no scrolling


def draw_presettlement(lines: pd.DataFrame) -> None:
    amounts = lines.melt(id_vars=["data_month", "pool"], value_vars=["fund_amount", "amount", "paid"],
                         var_name="line", value_name="yuan")
    amounts["line"] = amounts["line"].map({"fund_amount": "fund amount by item", "amount": "pre-settlement amount",
                                           "paid": "paid (after guarantee and holdback)"})
    charts.bars(amounts, "data_month", "yuan", color="line", grouped=True, fmt=",.0f")
    st.dataframe(lines, hide_index=True)


def draw_indices(rows: pd.DataFrame) -> None:
    long = rows.melt(id_vars="data_month", value_vars=list(INDICES), var_name="index", value_name="value")
    long["index"] = long["index"].map(INDICES)
    charts.lines(long, "data_month", "value", color="index", title="index (region = 1 for cost and time)",
                 threshold=1.0, threshold_label="regional mean")


def drill_down(filters: Filters) -> None:
    st.caption(f"{filters.hospital_label()}: {filters.year}"
               + (f", flags of {filters.month}" if filters.month else ""))
    year = Filters(filters.year, hospital=filters.hospital, names=filters.names)  # series cover the year
    indicators = load(data.supervision_by_month(year))
    if indicators is not None and not indicators.empty:
        latest = indicators[indicators.data_month == (filters.month or indicators.data_month.max())]
        if not latest.empty:
            row = latest.iloc[0]
            cols = st.columns(5)
            cols[0].metric(f"Cases, {row.data_month}", number(row.cases, ",.0f"))
            cols[1].metric("CMI", number(row.cmi, ".3f"))
            cols[2].metric("Cost index", number(row.cost_index, ".3f"))
            cols[3].metric("Time index", number(row.time_index, ".3f"))
            cols[4].metric("Mean stay (days)", number(row.mean_los, ".1f"))

    left, right = st.columns(2)
    with left:
        figure("Upload rate (结算清单上传率)", data.upload_rate(year),
               lambda rows: charts.lines(rows, "data_month", "rate", title="on-time lists / settlements",
                                         fmt=".0%", threshold=float(rows.min_upload_rate.max()),
                                         threshold_label="min_upload_rate"))
    with right:
        figure("Grouping rate (入组率)", data.grouping_rate(year),
               lambda rows: charts.lines(rows, "data_month", "hospital_month_grouping_rate",
                                         title="grouped / cases", fmt=".0%",
                                         threshold=float(rows.min_grouping_rate.max()),
                                         threshold_label="min_grouping_rate"))

    figure("CMI, cost and time indices", data.supervision_by_month(year), draw_indices)
    figure("Pre-settlement lines (月度预结算)", data.presettlement(year), draw_presettlement)
    figure("Clearing lines (年度清算)", data.clearing(filters), draw_clearing,
           empty=f"No clearing line for this hospital in {filters.year}.")
    figure("Flags that fired", data.fired_flags(filters), draw_flags,
           empty="No flag fired for this hospital and period.")


def comparison(filters: Filters) -> None:
    st.info("Choose a hospital in the sidebar for its drill-down. Below, the hospitals side by side.")
    year = Filters(filters.year, pool=filters.pool, pool_hospitals=filters.pool_hospitals, names=filters.names)
    figure("CMI by hospital", data.supervision_by_month(year),
           lambda rows: charts.lines(rows.assign(hospital=rows.fixmedins_name), "data_month", "cmi",
                                     color="hospital", title="CMI", fmt=",.2f"))
    figure("Flags fired by hospital", data.fired_flags(filters),
           lambda rows: charts.bars(rows.groupby(["fixmedins_name", "flag_kind"], as_index=False).size(),
                                    "fixmedins_name", "size", color="flag_kind", title="flags fired",
                                    horizontal=True),
           empty="No flag fired in this period.")


filters = current()
st.title("Hospital drill-down")
if filters.hospital:
    drill_down(filters)
else:
    comparison(filters)
