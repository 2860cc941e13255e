"""drgdip dashboard: `make dashboard` (streamlit run dashboard/app.py).

The entry page: sidebar filters shared by every page, then the page chosen in the navigation.
Reads only the warehouse marts, each query through its own read-only DuckDB connection
(`dashboard/warehouse.py`), so it never blocks or alters a running materialisation.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run` puts dashboard/ on the path, not the repository root that holds the packages.
REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import streamlit as st

from dashboard import figures, sidebar

# Not `pages/`: a folder of that name beside the entry script switches Streamlit to its older
# folder-based navigation, which reruns the page without this script (and its sidebar).
PAGES_DIR = Path(__file__).resolve().parent / "views"

st.set_page_config(page_title="drgdip", page_icon=":material/local_hospital:", layout="wide")

navigation = st.navigation([
    st.Page(PAGES_DIR / "overview.py", title="Region overview", icon=":material/monitoring:", default=True),
    st.Page(PAGES_DIR / "hospital.py", title="Hospital drill-down", icon=":material/local_hospital:"),
    st.Page(PAGES_DIR / "mdc.py", title="MDC indicators", icon=":material/category:"),
    st.Page(PAGES_DIR / "quality.py", title="Data quality", icon=":material/fact_check:"),
])
figures.new_run()
st.session_state["filters"] = sidebar.render()
navigation.run()
