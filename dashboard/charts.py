"""Altair charts of the dashboard, drawn with `st.altair_chart`.

The warehouse keeps money as DECIMAL; `plottable` turns those columns into floats for the chart only
(tables show the decimals as loaded).
"""

from __future__ import annotations

from decimal import Decimal

import altair as alt
import pandas as pd
import streamlit as st


def plottable(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with Decimal columns as float: Vega-Lite needs JSON numbers."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object and out[column].map(lambda v: isinstance(v, Decimal)).any():
            out[column] = pd.to_numeric(out[column].map(lambda v: None if v is None else float(v)))
    return out


def show(chart: alt.TopLevelMixin) -> None:
    st.altair_chart(chart, width="stretch")


def _tooltip(frame: pd.DataFrame, *columns: str | None) -> list[str]:
    return [c for c in dict.fromkeys(columns) if c and c in frame.columns]


def bars(frame: pd.DataFrame, x: str, y: str, *, color: str | None = None, title: str | None = None,
         horizontal: bool = False, grouped: bool = False, sort: str | list | None = None,
         fmt: str = ",.0f") -> None:
    """Bars of `y` per category `x`, stacked by `color` (side by side with `grouped`)."""
    data = plottable(frame)
    category = (alt.Y if horizontal else alt.X)(f"{x}:N", title=None, sort=sort, axis=alt.Axis(labelLimit=320))
    # Counts: no fractional ticks on a small axis.
    axis = alt.Axis(format=fmt, tickMinStep=1) if fmt.endswith(".0f") else alt.Axis(format=fmt)
    value = (alt.X if horizontal else alt.Y)(f"{y}:Q", title=title or y, axis=axis)
    encoding = {"y": category, "x": value} if horizontal else {"x": category, "y": value}
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=color)
        if grouped:
            offset = alt.YOffset if horizontal else alt.XOffset
            encoding["yOffset" if horizontal else "xOffset"] = offset(f"{color}:N")
    show(alt.Chart(data).mark_bar().encode(**encoding, tooltip=_tooltip(data, x, color, y)))


def lines(frame: pd.DataFrame, x: str, y: str, *, color: str | None = None, title: str | None = None,
          fmt: str = ",.2f", threshold: float | None = None, threshold_label: str = "threshold") -> None:
    """A line per `color` over `x` (months), with an optional horizontal threshold rule."""
    data = plottable(frame)
    encoding = {"x": alt.X(f"{x}:O", title=None),
                "y": alt.Y(f"{y}:Q", title=title or y, axis=alt.Axis(format=fmt),
                           scale=alt.Scale(zero=False))}
    if color:
        encoding["color"] = alt.Color(f"{color}:N", title=color)
    chart = alt.Chart(data).mark_line(point=True).encode(**encoding, tooltip=_tooltip(data, x, color, y))
    if threshold is not None:
        rule = alt.Chart(pd.DataFrame({"value": [float(threshold)], "label": [threshold_label]})) \
            .mark_rule(strokeDash=[6, 4], color="firebrick") \
            .encode(y="value:Q", tooltip=["label:N", "value:Q"])
        chart = chart + rule
    show(chart)


def heatmap(frame: pd.DataFrame, x: str, y: str, value: str, *, title: str | None = None,
            fmt: str = ",.2f") -> None:
    data = plottable(frame)
    base = alt.Chart(data).encode(x=alt.X(f"{x}:N", title=None), y=alt.Y(f"{y}:N", title=None))
    cells = base.mark_rect().encode(
        color=alt.Color(f"{value}:Q", title=title or value, scale=alt.Scale(scheme="blueorange")),
        tooltip=_tooltip(data, x, y, value, "cases"))
    show(cells)

