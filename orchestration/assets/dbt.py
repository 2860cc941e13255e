"""dbt as Dagster assets: the reference seeds, and the monthly models (staging and after).

- `reference_seeds`: every seed, unpartitioned, group `reference` (`dbt build` of the seeds and
  their tests).
- `monthly_models`: every model except seeds and yearly models (`tag:yearly`), partitioned by
  discharge month; a run for partition `M` is `dbt build --vars '{"month": "M"}'`, and every
  partitioned model deletes and rebuilds exactly that month. dbt tests arrive as Dagster asset
  checks (dagster-dbt's default), with dbt's severity (`warn` → WARN, `error` → ERROR).
- Every dbt source `raw.*` is the ingestion asset `raw_settlement_lists`; groups follow the model
  folders (staging, intermediate, marts).
- `row_accounting` checks, per month and part, that no raw row vanished on its way through staging.

The dbt manifest is built at import time when missing or older than the dbt project files (tests,
CLI), and by `prepare_if_dev()` under `dagster dev`.
"""

# No `from __future__ import annotations`: Dagster inspects the context and resource annotations.

import fcntl
import json
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    PartitionMapping,
    TimeWindowPartitionMapping,
    asset_check,
)
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets
from dagster_duckdb import DuckDBResource

from orchestration.interface import PARTS
from orchestration.partitions import monthly_partitions, yearly_partitions
from orchestration.resources import DBT_EXECUTABLE, dbt_project

RAW_ASSET_KEY = AssetKey("raw_settlement_lists")
STAGING_SCHEMA = "staging"
ROW_STATUSES = ("staged", "superseded", "quarantined")
# Everything dbt reads to build its manifest: a newer file than the manifest means parse again.
_PROJECT_INPUTS = ("dbt_project.yml", "models", "macros", "tests", "snapshots", "analyses")


class DbtManifestError(RuntimeError):
    """The dbt project does not parse; the message carries dbt's own error."""


def _newest_input_mtime(project_dir: Path, seeds_dir: Path) -> float:
    newest = 0.0
    for name in _PROJECT_INPUTS:
        path = project_dir / name
        paths = [path] if path.is_file() else (path.rglob("*") if path.is_dir() else [])
        newest = max([newest, *(p.stat().st_mtime for p in paths if p.is_file())])
    # seeds only matter by their names and YAML (a new seed is a new node)
    for p in seeds_dir.glob("*"):
        newest = max(newest, p.stat().st_mtime if p.suffix in (".yml", ".yaml") else 0.0)
    if seeds_dir.is_dir():
        newest = max(newest, seeds_dir.stat().st_mtime)
    return newest


def ensure_manifest() -> Path:
    """The path of an up-to-date `target/manifest.json`, running `dbt parse` when it is missing or
    older than the dbt project's files.

    Done here rather than by `DbtProject.prepare_if_dev()`, which parses only under `dagster dev`
    and looks for `dbt` on PATH (absent when the venv is not activated); tests, the CLI and the UI
    all import this module, so one rule serves them all.
    """
    manifest = dbt_project.manifest_path
    seeds_dir = (dbt_project.project_dir / "seeds").resolve()

    def fresh() -> bool:
        return manifest.exists() and manifest.stat().st_mtime >= _newest_input_mtime(dbt_project.project_dir, seeds_dir)

    if fresh():
        return manifest
    # Several processes may import this at once (parallel test workers, the UI and a CLI run):
    # one parses, the others wait for it and reuse its manifest.
    manifest.parent.mkdir(parents=True, exist_ok=True)
    with (manifest.parent / ".parse.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if fresh():
            return manifest
        return _parse(manifest)


def _parse(manifest: Path) -> Path:
    done = subprocess.run(
        [DBT_EXECUTABLE, "parse", "--quiet", "--project-dir", str(dbt_project.project_dir),
         "--profiles-dir", str(dbt_project.profiles_dir), "--target-path", str(dbt_project.target_path)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0 or not manifest.exists():
        raise DbtManifestError(
            f"`dbt parse` failed in {dbt_project.project_dir} (exit {done.returncode}):\n"
            f"{(done.stdout + done.stderr).strip()[-4000:]}"
        )
    return manifest


class DrgdipDbtTranslator(DagsterDbtTranslator):
    """Sources `raw.*` are the ingestion asset; groups follow the model folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source" and dbt_resource_props["source_name"] == "raw":
            return RAW_ASSET_KEY
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        configured = super().get_group_name(dbt_resource_props)
        if configured:
            return configured
        fqn = dbt_resource_props.get("fqn") or []
        # fqn = [project, folder, ..., name]: the first folder under models/ names the layer
        return fqn[1] if len(fqn) > 2 else None

    def get_partition_mapping(
        self, dbt_resource_props: Mapping[str, Any], dbt_parent_resource_props: Mapping[str, Any]
    ) -> PartitionMapping | None:
        # Weights and the DIP library of payment year Y are computed from the history years before Y
        # (up to three, drg_weight_history_years / dip_reference_years): year Y reads the months of
        # Y-3 .. Y-1. Every other yearly model (budget, clearing) reads the months of its own year.
        if (
            _is_yearly(dbt_resource_props)
            and not _is_yearly(dbt_parent_resource_props)
            and self.get_group_name(dbt_resource_props) == "weights"
        ):
            return TimeWindowPartitionMapping(start_offset=-3, end_offset=-1, allow_nonexistent_upstream_partitions=True)
        return None


def _is_yearly(props: Mapping[str, Any]) -> bool:
    return "yearly" in (props.get("tags") or props.get("config", {}).get("tags") or [])


TRANSLATOR = DrgdipDbtTranslator(
    # All seven raw tables are one Dagster asset, so several sources share its key.
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_duplicate_source_asset_keys=True)
)
MANIFEST = ensure_manifest()


def _point_dbt_at(warehouse: DuckDBResource, run_name: str) -> Path:
    """Point dbt at the warehouse; return the target folder for this run's artifacts.

    profiles.yml reads the warehouse path from the environment. Artifacts (run_results.json,
    dbt.log) go beside the warehouse, one folder per partition, reused by the next run of the same
    partition (so dbt can parse partially) instead of piling up in dbt_project/target.
    """
    database = Path(warehouse.database).resolve()
    os.environ["DRGDIP_WAREHOUSE"] = str(database)
    return database.parent / "dbt_target" / run_name


@dbt_assets(
    manifest=MANIFEST,
    project=dbt_project,
    select="resource_type:seed",
    name="reference_seeds",
    dagster_dbt_translator=TRANSLATOR,
)
def reference_seeds(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBResource):
    """The reference catalogues, grouping tables and policy parameters (dbt seeds) and their tests."""
    target = _point_dbt_at(warehouse, "reference")
    # cautious: only tests whose parents are all seeds (a model's relationship to a seed runs with the model)
    yield from dbt.cli(["build", "--indirect-selection", "cautious"], context=context, target_path=target).stream()


@dbt_assets(
    manifest=MANIFEST,
    project=dbt_project,
    exclude="resource_type:seed tag:yearly",
    name="monthly_models",
    partitions_def=monthly_partitions,
    # one dbt invocation per month: `var('month')` names a single partition
    backfill_policy=BackfillPolicy.multi_run(1),
    dagster_dbt_translator=TRANSLATOR,
)
def monthly_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBResource):
    """The dbt models of one discharge month: `dbt build --vars '{"month": "<partition>"}'`."""
    month = context.partition_key
    target = _point_dbt_at(warehouse, month)
    yield from dbt.cli(["build", "--vars", json.dumps({"month": month})], context=context, target_path=target).stream()


# --- row accounting ----------------------------------------------------------------------------

def row_accounting(con: duckdb.DuckDBPyConnection, part: str, month: str) -> dict[str, Any]:
    """Where every raw row of `part` routed to `month` went; `problems` lists what does not add up.

    raw rows (routed by the base view) = staged + superseded + quarantined in stg_row_status, the
    same rows one by one, and the staged ones are exactly the rows of stg_<part> for the month.
    Also: every raw row of the part appears once in the base view (none dropped by routing).
    """
    def one(sql: str, *params) -> int:
        return int(con.execute(sql, list(params)).fetchone()[0])

    base, model = f"{STAGING_SCHEMA}.base_raw__{part}", f"{STAGING_SCHEMA}.stg_{part}"
    status = f"{STAGING_SCHEMA}.stg_row_status"
    counts = dict(
        con.execute(
            f"select row_status, count(*) from {status} where part = ? and data_month = ? group by 1", [part, month]
        ).fetchall()
    )
    result = {
        "raw_rows_total": one(f"select count(*) from raw.{part}"),
        "base_rows_total": one(f"select count(*) from {base}"),
        "raw_rows": one(f"select count(*) from {base} where data_month = ?", month),
        **{status_name: int(counts.get(status_name, 0)) for status_name in ROW_STATUSES},
        "other_status": sum(int(n) for s, n in counts.items() if s not in ROW_STATUSES),
        "stg_rows": one(f"select count(*) from {model} where data_month = ?", month),
        # rows routed to the month but absent from stg_row_status, and the reverse
        "missing_from_status": one(
            f"""select count(*) from {base} b where b.data_month = ? and not exists (
                select 1 from {status} s where s.part = ? and s.data_month = b.data_month
                and s._source_file = b._source_file and s._row_number = b._row_number)""",
            month, part,
        ),
        # staged rows of stg_row_status absent from stg_<part>, and the reverse
        "staged_missing_from_model": one(
            f"""select count(*) from {status} s where s.part = ? and s.data_month = ? and s.row_status = 'staged'
                and not exists (select 1 from {model} m where m.data_month = s.data_month
                and m._source_file = s._source_file and m._row_number = s._row_number)""",
            part, month,
        ),
        "model_rows_not_staged": one(
            f"""select count(*) from {model} m where m.data_month = ? and not exists (
                select 1 from {status} s where s.part = ? and s.data_month = m.data_month
                and s.row_status = 'staged' and s._source_file = m._source_file and s._row_number = m._row_number)""",
            month, part,
        ),
    }
    accounted = result["staged"] + result["superseded"] + result["quarantined"]
    problems = []
    if result["base_rows_total"] != result["raw_rows_total"]:
        problems.append(
            f"raw.{part} has {result['raw_rows_total']} rows but routing ({base}) sees {result['base_rows_total']}"
        )
    if accounted + result["other_status"] != result["raw_rows"] or result["missing_from_status"]:
        problems.append(
            f"{result['raw_rows']} raw rows routed to {month}, but stg_row_status accounts for {accounted} "
            f"(staged {result['staged']} + superseded {result['superseded']} + quarantined {result['quarantined']}); "
            f"{result['missing_from_status']} raw rows have no status"
        )
    if result["other_status"]:
        problems.append(f"{result['other_status']} rows have a status other than {', '.join(ROW_STATUSES)}")
    if (
        result["stg_rows"] != result["staged"]
        or result["staged_missing_from_model"]
        or result["model_rows_not_staged"]
    ):
        problems.append(
            f"stg_{part} holds {result['stg_rows']} rows for {month} but {result['staged']} are staged: "
            f"{result['staged_missing_from_model']} staged rows missing from stg_{part}, "
            f"{result['model_rows_not_staged']} rows in stg_{part} not staged"
        )
    result["problems"] = problems
    return result


def _row_accounting_check(part: str):
    @asset_check(
        asset=AssetKey([STAGING_SCHEMA, f"stg_{part}"]),
        name="row_accounting",
        partitions_def=monthly_partitions,
        description=(
            f"Row accounting for {part} in the month: raw rows = staged + superseded + quarantined, and "
            f"stg_{part} holds exactly the staged rows. Fails if a row vanished."
        ),
    )
    def _check(context: AssetCheckExecutionContext, warehouse: DuckDBResource) -> AssetCheckResult:
        month = context.partition_key
        with warehouse.get_connection() as con:
            result = row_accounting(con, part, month)
        problems = result.pop("problems")
        return AssetCheckResult(
            passed=not problems,
            severity=AssetCheckSeverity.ERROR,
            description="; ".join(problems) or f"all {result['raw_rows']} raw {part} rows of {month} accounted for",
            metadata={"month": month, **result},
        )

    return _check


ROW_ACCOUNTING_CHECKS = [_row_accounting_check(part) for part in PARTS]

@dbt_assets(
    manifest=MANIFEST,
    project=dbt_project,
    select="tag:yearly",
    exclude="resource_type:seed",
    name="yearly_models",
    partitions_def=yearly_partitions,
    backfill_policy=BackfillPolicy.multi_run(1),
    dagster_dbt_translator=TRANSLATOR,
)
def yearly_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBResource):
    """The yearly dbt models (weights and library from history, budget, clearing) of one year:
    `dbt build --vars '{"year": "<partition>"}'`."""
    year = context.partition_key
    target = _point_dbt_at(warehouse, f"year-{year}")
    dbt_vars = {"year": year, "month": f"{year}-12"}
    yield from dbt.cli(["build", "--vars", json.dumps(dbt_vars)], context=context, target_path=target).stream()


ASSETS = [reference_seeds, monthly_models, yearly_models]
ASSET_CHECKS = [*ROW_ACCOUNTING_CHECKS]
