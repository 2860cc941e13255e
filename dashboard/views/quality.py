"""Data quality: upload rate and grouping rate per hospital and month against the policy
thresholds, and why rows were quarantined (隔离) at staging."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, data
from dashboard.figures import figure, load
from dashboard.sidebar import current


def with_names(rows: pd.DataFrame) -> pd.DataFrame:
    return rows.assign(hospital=[filters.hospital_label(c) for c in rows.fixmedins_code])


def below(rows: pd.DataFrame, passed: str) -> int:
    return int(rows[passed].eq(False).sum())  # an unknown result is not counted as a failure


filters = current()
st.title("Data quality")
scope = filters.hospital_label()
st.caption(f"{scope[0].upper()}{scope[1:]}, {filters.period_label}.")

uploads = load(data.upload_rate(filters, month=True))
groupings = load(data.grouping_rate(filters, month=True))
cols = st.columns(3)
if uploads is not None and not uploads.empty:
    cols[0].metric("Hospital-months below the upload-rate target", below(uploads, "passed"))
if groupings is not None and not groupings.empty:
    cols[1].metric("Hospital-months below the grouping-rate target", below(groupings, "hospital_month_passed"))
reasons = load(data.quarantine_reasons(filters))
if reasons is not None and not reasons.empty:
    cols[2].metric("Rows quarantined at staging", f"{int(reasons.rows.sum()):,}")

left, right = st.columns(2)
with left:
    figure("Upload rate (结算清单上传率)", data.upload_rate(filters),
           lambda rows: charts.lines(with_names(rows), "data_month", "rate", color="hospital",
                                     title="on-time lists / settlements", fmt=".0%",
                                     threshold=float(rows.min_upload_rate.max()), threshold_label="min_upload_rate"))
with right:
    figure("Grouping rate (入组率)", data.grouping_rate(filters),
           lambda rows: charts.lines(with_names(rows), "data_month", "hospital_month_grouping_rate",
                                     color="hospital", title="grouped / cases", fmt=".0%",
                                     threshold=float(rows.min_grouping_rate.max()),
                                     threshold_label="min_grouping_rate"))

figure("Quarantine reasons", data.quarantine_reasons(filters),
       lambda rows: (charts.bars(rows, "reason_code", "rows", color="part", title="rows quarantined",
                                 horizontal=True, sort="-x"),
                     st.dataframe(rows, hide_index=True)),
       empty="No row quarantined for these filters.")

st.subheader("Quarantined rows")
st.caption("What goes back to the hospital for correction (at most 500 rows; the feedback files have all).")
figure(None, data.quarantined_rows(filters), lambda rows: st.dataframe(rows, hide_index=True),
       empty="No row quarantined for these filters.")
