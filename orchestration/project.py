"""The dbt project as Dagster sees it: the `DbtProject`, its manifest, how its nodes map to assets,
and how a run tells dbt which months (or year) to build.

- The manifest (`dbt_project/target/manifest.json`) is prepared by dagster-dbt's own preparer
  (`dbt parse`, guarded against concurrent preparation) whenever it is missing or older than the
  project's files, when the dbt assets are imported (`orchestration.assets.dbt`): not when this
  module is, so commands that only need the dbt executable (`drgdip catalogues`, which writes the
  seeds the parse needs) work on a fresh clone.
- A run passes its partitions to dbt in the environment of the dbt process (`DRGDIP_FIRST_MONTH`,
  `DRGDIP_LAST_MONTH`, `DRGDIP_YEAR`), which the macros read only while executing: the parse does
  not depend on them, so dbt's partial parse carries over from one run to the next (a changed
  `--vars` forces a full parse, 6-7 s each time). Artifacts and that partial parse live in one
  folder per warehouse (`<warehouse dir>/dbt_target`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dagster import AssetKey, PartitionMapping, TimeWindowPartitionMapping
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer

from orchestration.config import DBT_PROJECT_DIR

# The dbt installed beside this interpreter, so a venv works without being activated.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)

RAW_ASSET_KEY = AssetKey("raw_settlement_lists")
# Everything dbt reads to build its manifest: a newer file than the manifest means parse again.
_PROJECT_INPUTS = ("dbt_project.yml", "models", "macros", "tests", "snapshots", "analyses")


class DbtManifestError(RuntimeError):
    """The dbt project does not parse; the message carries dbt's own error."""


class _Preparer(DagsterDbtProjectPreparer):
    """dagster-dbt's preparer, calling the dbt of this interpreter's venv (not whatever `dbt` is on
    PATH, absent when the venv is not activated)."""

    def _prepare_manifest(self, project: DbtProject) -> None:
        DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE).cli(
            ["parse", "--quiet"], target_path=project.target_path
        ).wait()
        self._invalidate_seeds_in_partial_parse(project)


def _newest_input_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in _PROJECT_INPUTS:
        path = project_dir / name
        paths = [path] if path.is_file() else (path.rglob("*") if path.is_dir() else [])
        newest = max([newest, *(p.stat().st_mtime for p in paths if p.is_file())])
    # seeds only matter by their names and YAML (a new seed is a new node)
    seeds_dir = (project_dir / "seeds").resolve()
    for p in seeds_dir.glob("*"):
        newest = max(newest, p.stat().st_mtime if p.suffix in (".yml", ".yaml") else 0.0)
    if seeds_dir.is_dir():
        newest = max(newest, seeds_dir.stat().st_mtime)
    return newest


def ensure_manifest() -> Path:
    """The path of an up-to-date manifest, prepared by dagster-dbt's preparer when it is missing or
    older than the dbt project's files."""
    manifest = dbt_project.manifest_path
    if manifest.exists() and manifest.stat().st_mtime >= _newest_input_mtime(dbt_project.project_dir):
        return manifest
    try:
        _Preparer().prepare(dbt_project)
    except Exception as exc:  # dagster-dbt raises its own error type carrying dbt's output
        raise DbtManifestError(f"`dbt parse` failed in {dbt_project.project_dir}:\n{str(exc)[-4000:]}") from exc
    if not manifest.exists():
        raise DbtManifestError(f"`dbt parse` wrote no manifest in {manifest.parent}")
    return manifest


def is_yearly(props: Mapping[str, Any]) -> bool:
    return "yearly" in (props.get("tags") or props.get("config", {}).get("tags") or [])


class DrgdipDbtTranslator(DagsterDbtTranslator):
    """Sources `raw.*` are the ingestion asset; groups come from the folders (dbt_project.yml)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source" and dbt_resource_props["source_name"] == "raw":
            return RAW_ASSET_KEY
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        return super().get_group_name(dbt_resource_props)

    def get_partition_mapping(
        self, dbt_resource_props: Mapping[str, Any], dbt_parent_resource_props: Mapping[str, Any]
    ) -> PartitionMapping | None:
        # Weights and the DIP library of payment year Y are computed from the history years before Y
        # (up to three, drg_weight_history_years / dip_reference_years): year Y reads the months of
        # Y-3 .. Y-1. Every other yearly model (budget, clearing) reads the months of its own year.
        if (
            is_yearly(dbt_resource_props)
            and not is_yearly(dbt_parent_resource_props)
            and self.get_group_name(dbt_resource_props) == "weights"
        ):
            return TimeWindowPartitionMapping(start_offset=-3, end_offset=-1, allow_nonexistent_upstream_partitions=True)
        return None


TRANSLATOR = DrgdipDbtTranslator(
    # All seven raw tables are one Dagster asset, so several sources share its key.
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_duplicate_source_asset_keys=True)
)


def run_target_path(warehouse: str | Path) -> Path:
    """Where dbt keeps a warehouse's artifacts and partial parse: one folder, reused by every run."""
    return Path(warehouse).resolve().parent / "dbt_target"


@contextlib.contextmanager
def dbt_environment(warehouse: str | Path, *, first_month: str = "", last_month: str = "",
                    year: str = "") -> Iterator[None]:
    """Set the environment a dbt process started inside this block inherits: the warehouse, its
    spill directory, and the months or year to build. Restored afterwards."""
    database = Path(warehouse).resolve()
    values = {
        "DRGDIP_WAREHOUSE": str(database),
        "DRGDIP_DUCKDB_TEMP_DIRECTORY": str(database.parent / "duckdb_tmp"),
        "DRGDIP_FIRST_MONTH": first_month,
        "DRGDIP_LAST_MONTH": last_month or first_month,
        "DRGDIP_YEAR": year,
    }
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value

