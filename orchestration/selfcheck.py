"""A hospital's self-check (自查) of its settlement lists before it uploads: the engine of
`drgdip group PATH` (orchestration/cli/group.py parses the arguments and prints the result).

Nothing here re-implements the pipeline: the files are read by the landing readers and loaded by
`orchestration.assets.ingestion.ingest_month` into a scratch DuckDB in a temporary directory, and
the SAME dbt models as the warehouse (staging, then the CHS-DRG grouper) run on it, once per
discharge month found in the files. The reference tables come from the configured warehouse's
`reference` schema when it has one (a copy takes a second), else from a real `dbt seed`. With
`--dip` the DIP models run too (disease key, auxiliary levels, and the points of a DIP-paid
hospital's cases), the year's DIP library copied from the configured warehouse's marts.
The warehouse itself is only read, never written.

PATH may be:
- a landing tree (`<YYYY-MM>/<fixmedins_code>/<part files>`): every hospital-month in it;
- a hospital folder (`<part files>` directly inside): one delivery;
- a single file in a landing format (`<part>.csv`, `<part>.gbk.csv`, `<part>.parquet`,
  `setllist.json`; the `settlements.csv` beside a JSON file is taken along).
The hospital of a folder or file is the folder's name when it is a hospital code, else the
`fixmedins_code` read from the file itself (staging checks the two agree, as it does at the agency).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import yaml

from orchestration.config import DBT_PROJECT_DIR, SEEDS_DIR, Settings
from orchestration.interface import JSON_FILE
from orchestration.landing import MONTH_RE, classify, discover_month, read_landing_file
from orchestration.resources import DBT_EXECUTABLE

# The monthly models of the CHS-DRG grouper (Dagster group `grouping`), in build order.
DRG_GROUPING_MODELS = ("int_drg__mdc", "int_drg__adrg", "int_drg__severity", "fct_drg_case")
STAGING_SELECTOR = "path:models/staging"
DRG_MODEL_DIRS = ("models/staging", "models/intermediate/drg", "models/marts/drg")
# the DIP case points are a payment fact (marts/payment); the self-check takes that model alone
DIP_MODEL_DIRS = ("models/intermediate/dip", "models/marts/dip", "models/marts/payment/fct_dip_case_points.sql")
# The monthly DIP grouping models (Dagster group `grouping`): the disease key (病种组合) and the
# auxiliary levels. A case's points also need the year's disease library (group `weights`, the
# annual_reference job), which a self-check of a few files cannot build: the self-check copies it
# from the configured warehouse when that has one, else the points model says D06 (no library).
DIP_GROUPING_MODELS = ("int_dip__disease_key", "int_dip__auxiliary_levels")
DIP_POINTS_MODEL = "fct_dip_case_points"
# the yearly tables the points read, copied from the configured warehouse (schema marts)
DIP_LIBRARY_TABLES = ("fct_dip_library", "fct_dip_auxiliary", "fct_dip_deviation_means")
PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "macros", "tests")
HOSPITAL_RE = re.compile(r"^H\d{11}$")  # fixmedins_code as in seeds/hospitals.csv
# the landing month the scratch copy is filed under; staging routes each list to its discharge month
SCRATCH_LANDING_MONTH = f"{date.today():%Y-%m}"


class SelfCheckError(Exception):
    """A problem the user can fix (a path, an unreadable file, a failed dbt run)."""


@dataclass
class SelfCheckResult:
    months: list[str]
    reference_source: str  # "warehouse <path>" or "dbt seed"
    cases: list[dict] = field(default_factory=list)
    quarantined: list[dict] = field(default_factory=list)
    dip: list[dict] | None = None  # with --dip: each case's DIP disease key and points
    dip_library: str | None = None  # with --dip: where the DIP library came from, or why there is none
    seconds: dict[str, float] = field(default_factory=dict)


# --- building the scratch landing tree ------------------------------------------------------------


def _is_landing_tree(path: Path) -> bool:
    return path.is_dir() and any(p.is_dir() and MONTH_RE.match(p.name) for p in path.iterdir())


def _sniff_hospital(files: list[Path], key: bytes, scratch: Path) -> str:
    """The fixmedins_code the first readable row of `files` carries (read by the landing reader)."""
    probe = scratch / "probe"
    folder = probe / SCRATCH_LANDING_MONTH / "_"
    folder.mkdir(parents=True)
    for f in files:
        shutil.copy2(f, folder / f.name)
    try:
        for lf in discover_month(probe, SCRATCH_LANDING_MONTH):
            content = read_landing_file(lf, key)
            for rows in content.parts.values():
                codes = [c for c in rows.to_arrow().column("fixmedins_code").to_pylist() if c]
                if codes:
                    return codes[0]
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    raise SelfCheckError(f"cannot tell the hospital of {', '.join(str(f) for f in files)}: no readable row "
                         "carries fixmedins_code; put the files in a folder named by the hospital code")


def stage_landing(path: Path, landing: Path, key: bytes, scratch: Path) -> tuple[list[str], dict[str, str]]:
    """Copy PATH into the scratch landing tree; return its landing months and, to name files as
    the user knows them, the scratch folder prefixes → the user's folders."""
    path = path.resolve()
    if not path.exists():
        raise SelfCheckError(f"{path}: no such file or folder")
    if _is_landing_tree(path):
        months = sorted(p.name for p in path.iterdir() if p.is_dir() and MONTH_RE.match(p.name))
        for month in months:
            shutil.copytree(path / month, landing / month)
        return months, {f"{m}/": f"{path / m}/" for m in months}
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and classify(p.name))
        if not files:
            raise SelfCheckError(f"{path}: no settlement-list file in a landing format (<part>.csv, "
                                 f"<part>.gbk.csv, <part>.parquet, {JSON_FILE})")
        hospital = path.name
    else:
        if not classify(path.name):
            raise SelfCheckError(f"{path}: not a landing file name (<part>.csv, <part>.gbk.csv, "
                                 f"<part>.parquet, {JSON_FILE})")
        files = [path]
        beside = path.with_name("settlements.csv")
        if path.name == JSON_FILE and beside.exists():
            files.append(beside)
        hospital = path.parent.name
    if not HOSPITAL_RE.match(hospital):
        hospital = _sniff_hospital(files, key, scratch)
    folder = landing / SCRATCH_LANDING_MONTH / hospital
    folder.mkdir(parents=True)
    for f in files:
        shutil.copy2(f, folder / f.name)
    return [SCRATCH_LANDING_MONTH], {f"{SCRATCH_LANDING_MONTH}/{hospital}/": f"{files[0].parent}/"}


# --- reference tables, dbt ------------------------------------------------------------------------


def copy_tables(source: Path, target: Path, schema: str, names=None) -> list[str]:
    """Copy the tables of `source`'s `schema` (all, or those in `names`) into the same schema of
    `target`; the names copied, none when `source` is missing, unreadable (a writer holds it) or
    has no such table."""
    if not source.exists():
        return []
    try:
        con = duckdb.connect(str(target))
    except duckdb.Error:
        return []
    try:
        con.execute(f"attach '{source}' as src (read_only)")
    except duckdb.Error:
        con.close()
        return []
    try:
        tables = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where database_name = 'src' and schema_name = ?", [schema]
        ).fetchall() if names is None or r[0] in names]
        if tables:
            con.execute(f'create schema if not exists "{schema}"')
        for t in tables:
            con.execute(f'create table "{schema}"."{t}" as select * from src."{schema}"."{t}"')
        return tables
    finally:
        con.close()


def copy_reference(source: Path, target: Path) -> bool:
    """Copy every table of `source`'s `reference` schema into `target`; False when it has none
    or is locked by a writer (then the caller seeds instead)."""
    return bool(copy_tables(source, target, "reference"))


def copy_dip_library(source: Path, target: Path) -> str:
    """Copy the DIP library tables (DIP_LIBRARY_TABLES) from `source` into `target`; say which
    years they hold, or why the points cannot be computed."""
    copied = copy_tables(source, target, "marts", DIP_LIBRARY_TABLES)
    if set(copied) != set(DIP_LIBRARY_TABLES):
        return (f"no DIP library in {source} (build it with the annual_reference job): DIP cases get "
                "D06, no points")
    with duckdb.connect(str(target), read_only=True) as con:
        years = [y for (y,) in con.execute("select distinct year from marts.fct_dip_library order by year").fetchall()]
    if not years:
        return f"the DIP library in {source} is empty: DIP cases get D06, no points"
    return f"library of {', '.join(str(y) for y in years)} from {source}"


def scratch_project(root: Path, model_dirs) -> Path:
    """A copy of the dbt project with only `model_dirs` (the same model files: folders or single
    files), its macros and
    tests, and the seeds beside it as in the repository (`seed-paths: ../seeds`). dbt then parses
    only what the run needs, so a model being written elsewhere in the tree cannot stop a
    self-check, and nothing dbt writes lands in the repository (the seeds are copied too: dbt
    must never write beside the real seed files)."""
    project = root / "dbt_project"
    for name in PROJECT_FILES:
        source = DBT_PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, project / name)
        elif source.exists():
            project.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, project / name)
    for d in model_dirs:  # folders, or single model files (without their folder's YAML)
        if (DBT_PROJECT_DIR / d).is_file():
            (project / d).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(DBT_PROJECT_DIR / d, project / d)
        else:
            shutil.copytree(DBT_PROJECT_DIR / d, project / d)
    # the seeds where the project's seed-paths expect them ("../seeds", or "seeds" linked to it)
    seed_paths = yaml.safe_load((project / "dbt_project.yml").read_text(encoding="utf-8")).get("seed-paths", ["seeds"])
    for seed_path in seed_paths:
        target = (project / seed_path).resolve()
        if not target.is_relative_to(root.resolve()):
            raise SelfCheckError(f"dbt_project.yml seed-paths {seed_path!r} points outside the project copy")
        shutil.copytree(SEEDS_DIR, target, ignore=shutil.ignore_patterns(".*"))
    return project


def run_dbt(args: list[str], project: Path, warehouse: Path) -> str:
    """Real dbt on `project`; its target and logs under the project (a scratch copy)."""
    done = subprocess.run(
        [DBT_EXECUTABLE, *args, "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(project / "target"), "--log-path", str(project / "logs")],
        env={**os.environ, "DRGDIP_WAREHOUSE": str(warehouse)}, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        lines = done.stdout.splitlines()
        errors = [line for line in lines if "rror" in line]
        raise SelfCheckError(f"dbt {args[0]} failed:\n" + "\n".join((errors or lines)[-20:]))
    return done.stdout


def dip_models() -> list[str]:
    """The DIP models the self-check runs: disease key, auxiliary levels, points."""
    return [*DIP_GROUPING_MODELS, DIP_POINTS_MODEL]


def discharge_months(con: duckdb.DuckDBPyConnection, year: int | None) -> list[str]:
    """Months of the delivered lists' discharges and settlements: the partitions to build."""
    rows = con.execute("""
        select distinct left(trim(dscg_time), 7) from raw.setlinfo
        union select distinct left(trim(setl_time), 7) from raw.settlements
    """).fetchall()
    months = sorted(m for (m,) in rows if m and MONTH_RE.match(m))
    return [m for m in months if year is None or m.startswith(f"{year}-")]


# --- the run --------------------------------------------------------------------------------------


CASES_SQL = """
select setl_id, fixmedins_code, data_month, mdc, adrg, drg, drg_name, severity, group_status,
    reason_code, reason_description, trace_summary, cast(to_json(trace) as varchar) as trace
from marts.fct_drg_case
order by fixmedins_code, data_month, setl_id
"""

# refused files and lines (ingestion), then rows staging set aside (only when staging ran)
RAW_QUARANTINE_SQL = """
select stage, part, source_file, row_number, null::varchar as setl_id, field, reason_code, message
from raw.quarantine
"""
STAGING_QUARANTINE_SQL = """
union all
select 'staging', part, _source_file, _row_number, setl_id, field, reason_code, message
from staging.stg_quarantine
"""
QUARANTINE_ORDER = "order by source_file, row_number nulls first, field"

# points only for the cases of DIP-paid hospitals (the others are paid by DRG); points as text,
# exact (a DECIMAL), so the JSON output keeps every digit
DIP_SQL = """
select k.setl_id, k.data_month, k.disease_key, k.comprehensive_key, k.procedure_class, k.bed_day_type,
    a.comorbidity_level, a.age_band, k.reason_code, k.reason_detail,
    k.payment_method, p.disease_code as dip_disease, cast(p.points as varchar) as points, p.deviation_class,
    p.reason_code as points_reason_code, p.trace_summary as points_trace
from intermediate.int_dip__disease_key as k
left join intermediate.int_dip__auxiliary_levels as a using (setl_id, data_month)
left join marts.fct_dip_case_points as p using (setl_id, data_month)
order by k.fixmedins_code, k.data_month, k.setl_id
"""


def _rows(con, sql: str) -> list[dict]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def self_check(settings: Settings, path: Path, *, year: int | None = None, dip: bool = False,
               progress=lambda message: None) -> SelfCheckResult:
    """Group the settlement lists at `path` in a scratch warehouse and return every case with its
    DRG and trace, and every quarantined row with its reason."""
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="drgdip-group-") as tmp:
        scratch = Path(tmp)
        local = settings.with_paths(scratch)
        t0 = time.perf_counter()
        landing_months, renames = stage_landing(Path(path), local.landing_dir, settings.pseudonym_key(), scratch)
        project = scratch_project(scratch / "project", [*DRG_MODEL_DIRS, *(DIP_MODEL_DIRS if dip else [])])
        if copy_reference(settings.warehouse, local.warehouse):
            reference = f"warehouse {settings.warehouse}"
        else:
            progress("loading the reference tables with dbt seed (no readable warehouse to copy them from)")
            # only the seeds the staging and grouping models read (other seeds are not needed here)
            run_dbt(["seed", "--select", f"+{STAGING_SELECTOR}",
                     *(f"+{m}" for m in (*DRG_GROUPING_MODELS, *(dip_models() if dip else [])))],
                    project, local.warehouse)
            reference = "dbt seed"
        dip_library = copy_dip_library(settings.warehouse, local.warehouse) if dip else None
        timings["reference"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        with duckdb.connect(str(local.warehouse)) as con:
            for month in landing_months:
                ingest_month(local, month, con)
            months = discharge_months(con, year)
        timings["ingest"] = time.perf_counter() - t0
        if not months:
            progress("no settlement list with a readable discharge month" + (f" in {year}" if year else ""))
        t0 = time.perf_counter()
        select = [STAGING_SELECTOR, *DRG_GROUPING_MODELS, *(dip_models() if dip else [])]
        for month in months:
            progress(f"grouping discharge month {month}")
            run_dbt(["run", "--select", *select, "--vars", json.dumps({"month": month})], project, local.warehouse)
        timings["dbt"] = time.perf_counter() - t0
        with duckdb.connect(str(local.warehouse), read_only=True) as con:
            cases = _rows(con, CASES_SQL) if months else []
            dip_cases = (_rows(con, DIP_SQL) if months else []) if dip else None
            quarantined = _rows(con, RAW_QUARANTINE_SQL + (STAGING_QUARANTINE_SQL if months else "")
                                + QUARANTINE_ORDER)
    for q in quarantined:
        for prefix, original in renames.items():
            for key in ("source_file", "message"):
                if q[key]:
                    q[key] = q[key].replace(prefix, original)
    for c in cases:
        c["trace"] = json.loads(c["trace"])
    return SelfCheckResult(months, reference, cases, quarantined, dip_cases, dip_library, timings)


def ingest_month(local: Settings, month: str, con) -> None:
    # imported late: the ingestion module pulls in Dagster, which `drgdip --help` need not load
    from orchestration.assets.ingestion import ingest_month as ingest

    ingest(local, month, con)
