"""Resources, configured once: the settings, the DuckDB warehouse and the dbt project.

Tests build the same resources with `build_resources(settings.with_paths(tmp_path))`.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource, DbtProject
from dagster_duckdb import DuckDBResource

from orchestration.config import DBT_PROJECT_DIR, Settings, load_settings

# The dbt installed beside this interpreter, so a venv works without being activated.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


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
        "warehouse": DuckDBResource(database=str(settings.warehouse)),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }
