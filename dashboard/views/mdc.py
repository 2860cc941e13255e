"""MDC indicators for the expert groups (专家组): one month's indicators per hospital and MDC, and
the DIP hospitals' diseases.

The indicators are ratios of one hospital-month-MDC; they are shown as the mart computed them,
never re-averaged here, so the page shows one month (the sidebar's, or the latest).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, data
from dashboard.figures import figure, load
from dashboard.sidebar import current

INDICATORS = {
    "cmi": "CMI",
    "cost_index": "Cost index (费用消耗指数)",
    "time_index": "Time index (时间消耗指数)",
    "mean_los": "Mean stay (days)",
    "mean_cost": "Mean cost (元)",
    "low_risk_mortality": "Mortality in low-risk groups (低风险组死亡率)",
    "readmission_rate_15d": "15-day readmission rate",
    "high_severity_share": "MCC/CC share",
    "high_multiple_share": "High-multiple share (高倍率)",
    "low_multiple_share": "Low-multiple share (低倍率)",
    "out_of_pocket_share": "Out-of-pocket share",
}
TABLE_COLUMNS = ["mdc", "fixmedins_code", "fixmedins_name", "cases", *INDICATORS]


def draw_indicator(rows: pd.DataFrame, indicator: str, one_hospital: bool) -> None:
    label = INDICATORS[indicator]
    if one_hospital:
        charts.bars(rows, "mdc", indicator, title=label, fmt=",.2f")
    else:
        charts.heatmap(rows.assign(hospital=rows.fixmedins_name), "mdc", "hospital", indicator, title=label)


filters = current()
st.title("MDC indicators")
st.caption("Per hospital and major diagnostic category (MDC), for the expert groups' monthly review.")

available = load(data.mdc_months(filters))
if available is not None:
    months = list(available.data_month)
    month = filters.month or (months[-1] if months else None)
    if month is None:
        st.info(f"No MDC indicators for {filters.year} yet. Source: {data.mdc_months(filters).source}")
    else:
        if not filters.month:
            st.caption(f"Showing {month}, the latest month built; choose a month in the sidebar for another.")
        query = data.mdc_indicators(filters, month)
        rows = load(query)
        offered = [c for c in INDICATORS if rows is not None and c in rows.columns] or ["cmi"]
        indicator = st.selectbox("Indicator", offered, format_func=INDICATORS.get, key="mdc_indicator")
        figure(f"Cases by MDC, {month}", query,
               lambda rows: charts.bars(rows.assign(hospital=rows.fixmedins_name), "mdc", "cases",
                                        color="hospital", title="cases"))
        figure(f"{INDICATORS[indicator]} by MDC, {month}", query,
               lambda rows: draw_indicator(rows, indicator, filters.hospital is not None))
        figure("Indicator table", query,
               lambda rows: st.dataframe(rows[[c for c in TABLE_COLUMNS if c in rows.columns]], hide_index=True))
        if filters.pool != "DRG":
            figure(f"DIP diseases (病种), {month}: the 20 with most cases", data.dip_diseases(filters, month),
                   lambda rows: charts.bars(rows.head(20), "dip_disease_code", "cases", color="fixmedins_code",
                                            horizontal=True, title="cases"),
                   empty="No DIP hospital case in this selection.")
