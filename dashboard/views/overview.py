"""Region overview by month: cases, points, point value, fund spent against the budget.

Region-wide by design (the hospital filter applies to the other pages); the pool filter applies.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, data
from dashboard.figures import figure, load
from dashboard.sidebar import current

filters = current()
st.title("Region overview")
st.caption(f"Payment year {filters.year}, {filters.pool or 'DRG and DIP'} pool"
           f"{'s' if not filters.pool else ''}; every hospital of the region.")

monthly = load(data.region_by_month(filters))
if monthly is not None and not monthly.empty:
    chosen = monthly[monthly.data_month == filters.month] if filters.month else monthly
    cols = st.columns(4)
    cols[0].metric(f"Cases, {filters.period_label}", f"{int(chosen.cases.sum()):,}")
    cols[1].metric("Points", f"{chosen.points.sum():,.0f}")
    cols[2].metric("Fund amount by item (元)", f"{chosen.fund_amount.sum():,.2f}")
    cols[3].metric("Pre-settlement amount (元)", f"{chosen.amount.sum():,.2f}")

left, right = st.columns(2)
with left:
    figure("Cases by month", data.region_by_month(filters),
           lambda rows: charts.bars(rows, "data_month", "cases", color="pool", title="cases"))
with right:
    figure("Points by month", data.region_by_month(filters),
           lambda rows: charts.bars(rows, "data_month", "points", color="pool", title="points (after coefficients)"))


def draw_point_values(budget: pd.DataFrame) -> None:
    values = budget.melt(id_vars="pool", value_vars=["predicted_point_value", "clearing_point_value"],
                         var_name="point value", value_name="yuan per point")
    values["point value"] = values["point value"].map(
        {"predicted_point_value": "predicted (预测点值, monthly)", "clearing_point_value": "clearing (清算点值)"})
    charts.bars(values.dropna(), "pool", "yuan per point", color="point value", grouped=True, fmt=",.4f")
    st.dataframe(budget[["pool", "pool_budget", "pool_clearing_budget", "predicted_point_value",
                         "clearing_point_value", "clearing_points"]], hide_index=True)


def draw_predicted_point_values(rows: pd.DataFrame) -> None:
    charts.lines(rows, "data_month", "predicted_point_value", color="pool", title="yuan per point", fmt=",.4f")


left, right = st.columns(2)
with left:
    st.subheader("Point value")
    budget = figure(None, data.budget(filters), draw_point_values)
    if budget is None or budget.empty:
        # Before the clearing: the predicted value the monthly pre-settlement used.
        figure(None, data.region_by_month(filters), draw_predicted_point_values)


def draw_spent_vs_budget(rows: pd.DataFrame, budget: pd.DataFrame | None) -> None:
    spent = charts.plottable(rows).sort_values("data_month")
    spent["pre-settlement amount (cumulative)"] = spent.groupby("pool")["amount"].cumsum()
    spent["fund amount by item (cumulative)"] = spent.groupby("pool")["fund_amount"].cumsum()
    long = spent.melt(id_vars=["data_month", "pool"], var_name="measure", value_name="yuan",
                      value_vars=["pre-settlement amount (cumulative)", "fund amount by item (cumulative)"])
    if budget is not None and not budget.empty:
        months = sorted(spent.data_month.unique())
        lines = [{"data_month": m, "pool": b["pool"], "measure": "pool budget", "yuan": float(b["pool_budget"])}
                 for b in budget.to_dict("records") for m in months]
        long = pd.concat([long, pd.DataFrame(lines)], ignore_index=True)
    long["series"] = long["pool"] + ": " + long["measure"]
    charts.lines(long, "data_month", "yuan", color="series", title="yuan", fmt=",.0f")


with right:
    st.subheader("Fund spent vs budget")
    # The budget line appears once the clearing built it (the message is shown under Point value).
    figure(None, data.region_by_month(filters), lambda rows: draw_spent_vs_budget(rows, budget))
    if budget is not None and not budget.empty:
        st.caption(f"Budget: {data.budget(filters).source}")

st.subheader("Monthly lines")
figure(None, data.region_by_month(filters), lambda rows: st.dataframe(rows, hide_index=True))
