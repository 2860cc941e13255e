"""One figure: its heading, the chart (or a clear message instead of a traceback) and its source.

Every figure goes through `figure`, so every page handles a mart not built yet, a warehouse being
written or missing, and an empty selection the same way, and every figure says what it reads.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard.data import Query
from dashboard.warehouse import BUILT_BY, NotBuilt, WarehouseBusy, WarehouseMissing, read

NOTICES = "_dashboard_notices"  # session key: the warehouse notices already shown in this run


def new_run() -> None:
    """Called by app.py at the top of every run: notices are shown once per run."""
    st.session_state[NOTICES] = set()


def _first_time(notice: str) -> bool:
    shown = st.session_state.setdefault(NOTICES, set())
    if notice in shown:
        return False
    shown.add(notice)
    return True


def load(query: Query) -> pd.DataFrame | None:
    """The query's rows, or None after saying why there are none. A missing or busy warehouse is
    explained once per run (at the first figure), then each figure only notes it."""
    try:
        result = read(query.sql, query.params)
    except NotBuilt as missing:
        job = BUILT_BY.get(missing.table)
        by = f" (the `{job}` job builds it)" if job else ""
        st.info(f"`{missing.table}` is not built yet{by}: this figure appears once it has run. "
                f"Source: {query.source}", icon=":material/hourglass_empty:")
        return None
    except WarehouseBusy:
        if _first_time("busy"):
            st.warning("The warehouse is being written by a running materialisation and nothing was loaded "
                       "before: try again in a moment (sidebar: Reload data).", icon=":material/lock:")
        else:
            st.caption(f"Waiting for the warehouse. Source: {query.source}")
        return None
    except WarehouseMissing as missing:
        if _first_time("missing"):
            st.info(f"No warehouse at `{missing}`: run `make demo`, or point `DRGDIP_PATHS_WAREHOUSE` at one.",
                    icon=":material/database:")
        else:
            st.caption(f"No warehouse yet. Source: {query.source}")
        return None
    if result.stale_since is not None and _first_time("stale"):
        loaded = time.strftime("%H:%M:%S", time.localtime(result.stale_since))
        st.warning(f"The warehouse is being written: showing the figures loaded at {loaded}. "
                   "Reload in a moment for fresh ones.", icon=":material/lock:")
    return result.frame


def figure(title: str | None, query: Query, draw: Callable[[pd.DataFrame], None], *,
           empty: str = "No rows for these filters.") -> pd.DataFrame | None:
    """Heading, then `draw(rows)` and a "Source:" caption; a message instead when there is nothing
    to draw. Returns the rows (None when they could not be read)."""
    if title:
        st.subheader(title)
    frame = load(query)
    if frame is None:
        return None
    if frame.empty:
        st.info(f"{empty} Source: {query.source}")
        return frame
    draw(frame)
    st.caption(f"Source: {query.source}")
    return frame
