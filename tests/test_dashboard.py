"""The dashboard (issue 8, item 4) rendered by Streamlit's AppTest against the session's small built
region (`built_region`, tests/conftest.py), in process, without a browser (`make e2e` adds one).

Each page must run without an exception, show its title and draw at least one chart with its source;
the hospital drill-down must show one hospital's lines and its fired flags' evidence; and the app must
explain, not crash, when a mart is not built yet, when the warehouse is missing, and while a
materialisation holds the warehouse's write lock.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from orchestration.config import REPO_ROOT

pytestmark = pytest.mark.slow  # needs the session's built region

APP = REPO_ROOT / "dashboard" / "app.py"
PAGES = {  # page script (as st.navigation registers it) → its title
    "views/overview.py": "Region overview",
    "views/hospital.py": "Hospital drill-down",
    "views/mdc.py": "MDC indicators",
    "views/quality.py": "Data quality",
}
TIMEOUT = 60  # seconds per script run; a page takes 1–2 s on the small region


def open_page(page: str, **filters) -> AppTest:
    """Run the app on `page` with sidebar filters preset (`hospital="H…"`, `month="2024-03"`, …)."""
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for name, value in filters.items():
        app.session_state[f"filter_{name}"] = value
    app.run()
    if page != "views/overview.py":
        app.switch_page(page).run()
    return app


def charts(app: AppTest) -> list:
    return list(app.get("vega_lite_chart"))


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def assert_renders(app: AppTest, page: str) -> None:
    assert not app.exception, texts(app.exception)
    assert [t.value for t in app.title] == [PAGES[page]]


@pytest.fixture
def on_warehouse(monkeypatch):
    """`on_warehouse(path)` points the dashboard at a warehouse (as `DRGDIP_PATHS_WAREHOUSE` does)."""

    def point(path: Path) -> Path:
        monkeypatch.setenv("DRGDIP_PATHS_WAREHOUSE", str(path))
        return path

    return point


@pytest.fixture
def region_dashboard(built_region, on_warehouse):
    on_warehouse(built_region.warehouse)
    return built_region


def fetch_one(warehouse: Path, sql: str):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchone()


# --- every page on the built region -----------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_its_title_and_charts_with_their_source(region_dashboard, page):
    app = open_page(page)
    assert_renders(app, page)
    assert charts(app), f"{page} drew no chart"
    sources = [c.value for c in app.caption if str(c.value).startswith("Source: ")]
    assert sources and all(s.split("Source: ")[1].startswith(("marts.", "staging.stg_quarantine")) for s in sources)


def test_hospital_drill_down_shows_its_lines_and_the_evidence_of_fired_flags(region_dashboard):
    warehouse = region_dashboard.warehouse
    # The hospital with most fired flags, if any fired (the region has an upcoding and a splitting one).
    hospital, fired = fetch_one(warehouse, """
        select fixmedins_code, count(*) filter (where fired) from marts.mart_supervision__flags
        group by fixmedins_code order by 2 desc, 1 limit 1""")
    app = open_page("views/hospital.py", hospital=hospital)
    assert_renders(app, "views/hospital.py")
    headings = {s.value for s in app.subheader}
    assert {"Upload rate (结算清单上传率)", "Grouping rate (入组率)", "CMI, cost and time indices",
            "Pre-settlement lines (月度预结算)", "Clearing lines (年度清算)", "Flags that fired"} <= headings
    assert len(charts(app)) >= 5  # upload, grouping, indices, pre-settlement, clearing (+ flags)
    assert hospital in texts(app.caption)
    if fired:
        assert len(app.expander) == fired  # one per fired flag, its evidence inside
        assert app.expander[0].dataframe or app.expander[0].code


@pytest.mark.parametrize("page", PAGES)
def test_every_filter_applies_without_error(region_dashboard, page):
    month = fetch_one(region_dashboard.warehouse, "select max(data_month) from marts.mart_payment__hospital_month")[0]
    app = open_page(page, month=month, pool="DIP")
    assert_renders(app, page)
    assert app.selectbox(key="filter_month").value == month
    assert app.selectbox(key="filter_pool").value == "DIP"


# --- what the app says instead of crashing ----------------------------------------------------------

NOT_YET_BUILT = ["mart_supervision__hospital_month", "mart_supervision__hospital_month_mdc",
                 "mart_supervision__hospital_month_dip", "mart_supervision__flags",
                 "mart_clearing__hospital_year", "mart_clearing__budget"]


def test_a_mart_not_built_yet_is_a_message_not_a_crash(region_dashboard, on_warehouse, tmp_path):
    # The region as it is before monthly_supervision and annual_clearing ran.
    warehouse = on_warehouse(shutil.copyfile(region_dashboard.warehouse, tmp_path / "warehouse.duckdb"))
    with duckdb.connect(str(warehouse)) as con:
        for table in NOT_YET_BUILT:
            kind = con.execute("select table_type from information_schema.tables where table_schema = 'marts' "
                               "and table_name = ?", [table]).fetchone()
            if kind:
                con.execute(f"drop {'view' if kind[0] == 'VIEW' else 'table'} marts.{table} cascade")
    for page in PAGES:
        app = open_page(page, hospital=fetch_one(warehouse, "select min(fixmedins_code) "
                                                            "from marts.mart_payment__hospital_month")[0])
        assert_renders(app, page)
        if page != "views/quality.py":  # quality reads only marts of the monthly cycle
            assert "is not built yet" in texts(app.info), page
        if page == "views/mdc.py":
            assert "`marts.mart_supervision__hospital_month_mdc` is not built yet (the `monthly_supervision` " \
                "job builds it)" in texts(app.info)


def test_a_missing_warehouse_is_a_message_not_a_crash(on_warehouse, tmp_path):
    on_warehouse(tmp_path / "nowhere.duckdb")
    for page in PAGES:
        app = open_page(page)
        assert_renders(app, page)
        assert "No warehouse at" in texts(app.info)


HOLD_WRITE_LOCK = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])  # read-write: what a running materialisation holds
    print("locked", flush=True)
    time.sleep(120)
""")


@pytest.fixture
def write_lock():
    """`write_lock(path)` has another process hold the warehouse's write lock until the test ends."""
    holders = []

    def hold(path: Path) -> None:
        holder = subprocess.Popen([sys.executable, "-c", HOLD_WRITE_LOCK, str(path)],
                                  stdout=subprocess.PIPE, text=True)
        holders.append(holder)
        assert holder.stdout.readline().strip() == "locked"

    yield hold
    for holder in holders:
        holder.kill()
        holder.wait()


def test_a_warehouse_being_written_shows_a_warning_then_the_last_figures(region_dashboard, on_warehouse,
                                                                         write_lock, tmp_path):
    warehouse = on_warehouse(shutil.copyfile(region_dashboard.warehouse, tmp_path / "warehouse.duckdb"))
    write_lock(warehouse)
    app = open_page("views/overview.py")
    assert_renders(app, "views/overview.py")
    assert "being written" in texts(app.warning)
    assert not charts(app)

    # Loaded once while free, then locked: the last figures stay, marked as such.
    free = on_warehouse(shutil.copyfile(region_dashboard.warehouse, tmp_path / "free.duckdb"))
    drawn = len(charts(open_page("views/overview.py")))
    st.cache_data.clear()  # the minute's cache would hide the lock
    write_lock(free)
    app = open_page("views/overview.py")
    assert_renders(app, "views/overview.py")
    assert "showing the figures loaded at" in texts(app.warning)
    assert len(charts(app)) == drawn > 0
