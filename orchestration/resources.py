"""Resources, configured once: the settings, the DuckDB warehouse and the dbt project.

Tests build the same resources with `build_resources(settings.with_paths(tmp_path))`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource, DbtProject
from dagster_duckdb import DuckDBResource

from orchestration.config import DBT_PROJECT_DIR, Settings, load_settings

# The dbt installed beside this interpreter, so a venv works without being activated.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


class DrgdipSettings(ConfigurableResource):
    """Where the project reads and writes; loaded from drgdip.toml (see orchestration.config)."""

    config_file: str = ""
    data_dir: str = ""  # when set, every generated path lives under it (tests)

    def settings(self) -> Settings:
        s = load_settings(self.config_file or None)
        return s.with_paths(Path(self.data_dir)) if self.data_dir else s


def build_resources(settings: Settings | None = None) -> dict:
    settings = settings or load_settings()
    default = load_settings(settings.config_file)
    data_dir = "" if settings.data_dir == default.data_dir else str(settings.data_dir)
    return {
        "settings": DrgdipSettings(config_file=str(settings.config_file), data_dir=data_dir),
        "warehouse": DuckDBResource(database=str(settings.warehouse)),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    }
