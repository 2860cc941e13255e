"""Resources, configured once: the settings, the DuckDB warehouse and the dbt project.

Tests build the same resources with `build_resources(settings.with_paths(tmp_path))`.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource
from dagster_duckdb import DuckDBResource

from orchestration.config import Settings, load_settings
from orchestration.project import DBT_EXECUTABLE, dbt_project


def duckdb_connection_config(warehouse: Path) -> dict:
    """The bounds of every DuckDB connection of a run (dbt's profile reads the same variables):
    memory, threads and a spill directory beside the warehouse, so that a large month spills to
    disk instead of growing to the machine's memory."""
    return {
        "memory_limit": os.environ.get("DRGDIP_DUCKDB_MEMORY_LIMIT", "6GB"),
        "threads": int(os.environ.get("DRGDIP_DUCKDB_THREADS", "2")),
        "temp_directory": str(Path(warehouse).resolve().parent / "duckdb_tmp"),
    }


class DrgdipSettings(ConfigurableResource):
    """Where the project reads and writes: drgdip.toml (see orchestration.config), with each path
    overridable (tests and other regions point them elsewhere). An empty override keeps the file's."""

    config_file: str = ""
    data_dir: str = ""
    landing_dir: str = ""
    warehouse: str = ""
    reports_dir: str = ""

    def settings(self) -> Settings:
        s = load_settings(self.config_file or None)
        overrides = {
            name: Path(value)
            for name in ("data_dir", "landing_dir", "warehouse", "reports_dir")
            if (value := getattr(self, name))
        }
        return replace(s, **overrides)


def build_resources(settings: Settings | None = None) -> dict:
    settings = settings or load_settings()
    configured = load_settings(settings.config_file)
    # only the paths that differ from the config file's are carried as overrides
    paths = {
        name: str(getattr(settings, name))
        for name in ("data_dir", "landing_dir", "warehouse", "reports_dir")
        if getattr(settings, name) != getattr(configured, name)
    }
    return {
        "settings": DrgdipSettings(config_file=str(settings.config_file), **paths),
        "warehouse": DuckDBResource(database=str(settings.warehouse),
                                    connection_config=duckdb_connection_config(settings.warehouse)),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }
