"""Read-only access to the warehouse for the dashboard.

DuckDB lets one process write a database file OR several processes read it: while a Dagster
materialisation writes, a read-only connection cannot open, and a reader holding a connection open
would make the materialisation fail. So every query opens its own read-only connection, fetches and
closes at once (`read`); results are cached for a minute, and the last good result of each query is
kept to show, marked stale, while the warehouse is being written.

The dashboard reads only the documented marts (`marts.*`) and `staging.stg_quarantine`.
Money stays DECIMAL here (pandas `Decimal` objects); `charts.py` turns it into floats for plotting.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from orchestration.config import load_settings

# The Dagster job that builds each table, for the message shown while it is not built yet.
BUILT_BY = {
    "marts.mart_quality__upload_rate": "monthly_cycle",
    "marts.mart_quality__grouping_rate": "monthly_cycle",
    "staging.stg_quarantine": "monthly_cycle",
    "marts.mart_payment__hospital_month": "monthly_payment",
    "marts.fct_payment_case": "monthly_payment",
    "marts.mart_clearing__budget": "annual_clearing",
    "marts.mart_clearing__hospital_year": "annual_clearing",
    "marts.mart_supervision__hospital_month": "monthly_supervision",
    "marts.mart_supervision__hospital_month_mdc": "monthly_supervision",
    "marts.mart_supervision__hospital_month_dip": "monthly_supervision",
    "marts.mart_supervision__flags": "monthly_supervision",
}

CACHE_SECONDS = 60


class WarehouseMissing(Exception):
    """No warehouse file at the configured path."""


class WarehouseBusy(Exception):
    """A materialisation holds the write lock; nothing loaded earlier to show instead."""


class NotBuilt(Exception):
    """A table the figure reads does not exist yet."""

    def __init__(self, table: str):
        super().__init__(table)
        self.table = table


@dataclass(frozen=True)
class Result:
    frame: pd.DataFrame
    # Set when the warehouse was busy and this is an earlier load of the same query.
    stale_since: float | None = None


def warehouse_path() -> Path:
    """The warehouse every drgdip command uses: drgdip.toml, or DRGDIP_PATHS_WAREHOUSE."""
    return load_settings().warehouse


@st.cache_data(ttl=CACHE_SECONDS, show_spinner=False)
def _fetch(path: str, sql: str, params: tuple) -> pd.DataFrame:
    # Arrow keeps DECIMAL as Decimal (the DB-API DataFrame would turn money into float64).
    with duckdb.connect(path, read_only=True) as con:
        return con.sql(sql, params=list(params) or None).to_arrow_table().to_pandas()


# Last good frame per query, shared by the sessions of this server process.
_last_good: dict[tuple, tuple[float, pd.DataFrame]] = {}

_MISSING_TABLE = re.compile(r'Table with name "?([\w.]+)"? does not exist', re.IGNORECASE)


def read(sql: str, params: tuple = ()) -> Result:
    """Run one read-only query against the warehouse; see the module docstring."""
    path = warehouse_path()
    key = (str(path), sql, repr(params))  # params may hold a list (a pool's hospitals)
    if not path.exists():
        raise WarehouseMissing(str(path))
    try:
        frame = _fetch(str(path), sql, tuple(params))
    except duckdb.CatalogException as error:
        found = _MISSING_TABLE.search(str(error))
        raise NotBuilt(_qualified(found.group(1), sql) if found else "a table") from error
    except (duckdb.IOException, duckdb.ConnectionException) as error:
        # IOException "Could not set lock": another process writes; ConnectionException: this
        # process has the file open read-write (only in tests).
        if isinstance(error, duckdb.IOException) and "lock" not in str(error).lower():
            raise
        if key in _last_good:
            loaded_at, frame = _last_good[key]
            return Result(frame, stale_since=loaded_at)
        raise WarehouseBusy(str(path)) from error
    _last_good[key] = (time.time(), frame)
    return Result(frame)


def _qualified(name: str, sql: str) -> str:
    """DuckDB names the missing table as written; give it with its schema for the message."""
    if "." in name:
        return name
    match = re.search(rf"\b(\w+)\.{re.escape(name)}\b", sql)
    return f"{match.group(1)}.{name}" if match else name


def clear_cache() -> None:
    _fetch.clear()
