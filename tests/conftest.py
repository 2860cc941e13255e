"""Shared fixtures: settings under a tmp dir, raw tables written by hand, a reference warehouse
built once per session, and a tiny generated region.

Runtime matters (the whole suite stays under 10 minutes on 2 shared cores): expensive things are
built once per session and copied (`copy_warehouse`), never rebuilt per test.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from orchestration import interface
from orchestration.config import DBT_PROJECT_DIR, Settings, load_settings
from orchestration.resources import DBT_EXECUTABLE

HOSPITAL_A = "H37030300001"  # in seeds/hospitals.csv
HOSPITAL_B = "H37030300002"  # in seeds/hospitals.csv
UNKNOWN_HOSPITAL = "H99999999999"  # in no registry
LOADED_AT = datetime(2024, 5, 1, 12, 0, 0)


# --- settings and warehouse ----------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The project's settings with every generated path under this test's tmp dir."""
    return load_settings().with_paths(tmp_path)


@pytest.fixture
def warehouse(settings: Settings) -> Path:
    """Path of this test's (not yet existing) DuckDB warehouse."""
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    return settings.warehouse


def copy_warehouse(source: Path, target: Path) -> Path:
    """Reuse a built warehouse: copy the DuckDB file (no connection may be open on it)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def dbt(args: list[str], warehouse: Path, work: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Real dbt on the project against `warehouse`; target and logs under `work` (other runs share
    the project dir); with `check`, a failed run fails the test with dbt's output."""
    done = subprocess.run(
        [DBT_EXECUTABLE, *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        env={**os.environ, "DRGDIP_WAREHOUSE": str(warehouse)}, capture_output=True, text=True, check=False,
    )
    if check:
        assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    return done


def fetch(warehouse: Path, sql: str, params=None) -> list[dict]:
    """The rows of a query on a warehouse (read-only connection, closed at once) as dicts."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


# The two supervision intermediates as int_supervision__cases and int_supervision__readmission_pairs
# build them (tests that hand-write them use these; test_supervision_region checks them against the
# built tables)
SUPERVISION_CASE_COLUMNS = """
    setl_id varchar, fixmedins_code varchar, fixmedins_name varchar, level_tier integer,
    payment_method varchar, pool varchar, data_month varchar, year integer, person_key varchar,
    adm_time timestamp, dscg_time timestamp, los_days integer, died boolean, principal_diag_code varchar,
    principal_category varchar, mdc varchar, adrg varchar, drg varchar, drg_name varchar,
    group_status varchar, severity varchar, high_severity boolean, severity_diag_code varchar,
    rw decimal(12,4), drg_mean_cost decimal(18,2), medfee_sumamt decimal(18,2), fund_amount decimal(18,2),
    out_of_pocket decimal(18,2), multiple_type varchar, points decimal(18,4), cross_region boolean,
    dip_disease_code varchar"""
SUPERVISION_PAIR_COLUMNS = """
    fixmedins_code varchar, data_month varchar, first_setl_id varchar, second_setl_id varchar,
    person_key varchar, first_dscg_time timestamp, second_adm_time timestamp, gap_days integer,
    first_principal_diag varchar, second_principal_diag varchar, first_drg varchar, second_drg varchar,
    first_adrg varchar, second_adrg varchar, same_principal boolean, related boolean,
    within_window boolean, suspected_split boolean"""


def create_supervision_intermediates(con: duckdb.DuckDBPyConnection) -> None:
    """Empty intermediate.int_supervision__cases and int_supervision__readmission_pairs."""
    con.execute("create schema if not exists intermediate")
    con.execute(f"create or replace table intermediate.int_supervision__cases ({SUPERVISION_CASE_COLUMNS})")
    con.execute(f"create or replace table intermediate.int_supervision__readmission_pairs ({SUPERVISION_PAIR_COLUMNS})")


# --- raw tables by hand (the raw contract: interface fields as VARCHAR, then lineage) ------------


def create_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The raw tables exactly as ingestion creates them."""
    from orchestration.assets.ingestion import ensure_raw_schema

    ensure_raw_schema(con)


def stored_column(field: interface.Field) -> str:
    return f"{field.name}_hmac" if field.personal else field.name


def write_raw_file(
    path: Path,
    part: str,
    rows: Iterable[Mapping[str, str | None]],
    *,
    landing_month: str,
    hospital: str,
    file_name: str | None = None,
) -> int:
    """Append `rows` to `raw.<part>` as if ingestion had loaded them from one landing file
    `<landing_month>/<hospital>/<part>.csv` (row numbers 1..n). Rows are dicts by interface field
    name; personal fields may be given by name (stored as a fake hash) or as `<name>_hmac`.
    Fields left out are NULL. Returns the number of rows written."""
    fields = interface.PARTS[part]
    source_file = f"{landing_month}/{hospital}/{file_name or part + '.csv'}"
    records = []
    for number, row in enumerate(rows, 1):
        unknown = set(row) - {f.name for f in fields} - {stored_column(f) for f in fields}
        if unknown:
            raise ValueError(f"{part} row {number}: not interface fields: {sorted(unknown)}")
        values = []
        for f in fields:
            value = row.get(stored_column(f), row.get(f.name))
            if f.personal and value is not None and stored_column(f) not in row:
                value = hashlib.sha256(f"test-key:{value}".encode()).hexdigest()  # never the clear value
            values.append(value)
        records.append((*values, landing_month, source_file, number, f"sha256-{source_file}", LOADED_AT))
    with duckdb.connect(str(path)) as con:
        create_raw_schema(con)
        if records:
            placeholders = ", ".join("?" for _ in records[0])
            con.executemany(f"insert into raw.{part} values ({placeholders})", records)
    return len(records)


@pytest.fixture
def raw_writer(warehouse: Path) -> Callable[..., int]:
    """`raw_writer(part, rows, landing_month=..., hospital=...)` appends one hand-built raw file."""

    def write(part: str, rows, **kwargs) -> int:
        return write_raw_file(warehouse, part, rows, **kwargs)

    return write


def make_list(
    setl_id: str,
    *,
    hospital: str = HOSPITAL_A,
    dscg: str = "2024-03-10 10:00:00",
    dcla: str = "2024-03-12 09:00:00",
    diagnoses: Iterable[str] = ("I21.0", "E11.9"),
    **header_overrides: str | None,
) -> dict[str, list[dict]]:
    """One settlement and one upload of its settlement list: header, diagnoses (the first
    principal), one procedure, two fee lines (amounts add up to the total)."""
    settlement = {"setl_id": setl_id, "mdtrt_id": f"M{setl_id}", "psn_no": f"P{setl_id}", "fixmedins_code": hospital,
                  "insutype": "310", "insu_admdvs": "370303", "setl_time": dscg,
                  "medfee_sumamt": "1234.50", "hifp_pay": "900.00", "psn_cash_pay": "334.50"}
    header = {"setl_id": setl_id, "mdtrt_id": f"M{setl_id}", "psn_no": f"P{setl_id}", "fixmedins_code": hospital,
              "fixmedins_name": "测试医院", "medcasno": f"BA{setl_id}", "psn_name": "张三", "certno": "370303198001011234",
              "gend": "1", "brdy": "1980-01-01", "age": "44", "insutype": "310", "insu_admdvs": "370303",
              "ipt_med_type": "1", "adm_time": "2024-03-01 08:00:00", "dscg_time": dscg, "act_ipt_days": "9",
              "dscg_way": "1", "hi_paymtd": "DRG", "medfee_sumamt": "1234.50", "hifp_pay": "900.00",
              "dcla_time": dcla, **header_overrides}
    line = {"setl_id": setl_id, "dcla_time": dcla}
    diseinfo = [{**line, "diag_srt_no": str(n), "diag_code": code, "diag_name": f"诊断{n}",
                 "maindiag_flag": "1" if n == 1 else "0", "adm_cond_type": "1"}
                for n, code in enumerate(diagnoses, 1)]
    oprninfo = [{**line, "oprn_srt_no": "1", "oprn_oprt_code": "36.06", "oprn_oprt_name": "冠状动脉支架置入",
                 "oprn_oprt_type": "1", "oprn_oprt_date": "2024-03-02"}]
    iteminfo = [{**line, "med_chrgitm": "01", "amt": "234.50"}, {**line, "med_chrgitm": "09", "amt": "1000.00"}]
    return {"settlements": [settlement], "setlinfo": [header], "diseinfo": diseinfo,
            "oprninfo": oprninfo, "iteminfo": iteminfo}


# --- Dagster: resources and a reference warehouse built once ------------------------------------


def dagster_resources(settings: Settings) -> dict:
    from orchestration.resources import build_resources

    return build_resources(settings)


@pytest.fixture(scope="session")
def reference_warehouse(tmp_path_factory) -> Path:
    """A warehouse with the reference seeds loaded (through the Dagster seed asset) and empty raw
    tables: the starting point of every staging test, copied, never modified."""
    from dagster import materialize

    from orchestration.assets.dbt import reference_seeds

    settings = load_settings().with_paths(tmp_path_factory.mktemp("reference"))
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse)) as con:
        create_raw_schema(con)
    result = materialize([reference_seeds], resources=dagster_resources(settings))
    assert result.success
    return settings.warehouse


# --- a tiny generated region --------------------------------------------------------------------


TINY_REGION_MONTHS = ("2024-02", "2024-03", "2024-04")


@pytest.fixture(scope="session")
def tiny_region(tmp_path_factory) -> Settings:
    """A tiny demo region (4 hospitals, about 50 cases a month, Feb-Apr 2024, every row-level
    defect kind at 3% so a few of each occur) generated once per session; returns settings whose
    landing directory holds it (and `data_dir/manifest` its ground truth). The warehouse path is
    free for the test to fill."""
    from orchestration.demo.generator import ROW_DEFECTS, DefectRates, generate_region

    rates = replace(DefectRates(), late_upload=0.04, correction=0.04, **dict.fromkeys(ROW_DEFECTS, 0.03))
    settings = load_settings().with_paths(tmp_path_factory.mktemp("tiny_region"))
    generate_region(settings, seed=settings.demo_seed, hospitals=4, months=list(TINY_REGION_MONTHS),
                    cases_per_year=600, defect_rates=rates)
    return settings


# --- a small region built through every job ------------------------------------------------------


BUILT_REGION_MONTHS = ("2024-02", "2024-03")
BUILT_REGION_JOBS = ("monthly_cycle", "monthly_payment", "monthly_supervision")


def run_job(defs, name: str, partition_key: str | list[str] | None, instance) -> None:
    """Run one Dagster job in process (a list of keys: one run over that range, as a single-run
    backfill); fail with the steps' errors."""
    from orchestration.partitions import range_tags

    job = defs.resolve_job_def(name)
    tags = {}
    if isinstance(partition_key, list):
        keys, partition_key = partition_key, None
        tags = range_tags(keys)
    result = job.execute_in_process(partition_key=partition_key, instance=instance, raise_on_error=False, tags=tags)
    failures = [e.event_specific_data.error.to_string() for e in result.all_events
                if e.is_step_failure and e.event_specific_data and e.event_specific_data.error]
    assert result.success, f"{name} {partition_key or ''} failed:\n" + "\n".join(failures)[-6000:]


@pytest.fixture(scope="session")
def built_region(tmp_path_factory) -> Settings:
    """A small generated region (the first 4 hospitals: 3 DRG and 1 DIP of tier 1, one of them
    coding more complications and one splitting stays; about 200 cases a month; every row-level
    defect kind at 3%) run through the real Dagster jobs in process as `drgdip demo` runs them:
    reference_data, ONE monthly_cycle run over both months, annual_reference 2024 (no history year:
    weights and library from 2024's own cases), one monthly_payment and one monthly_supervision run
    over both months, annual_clearing 2024. Returns its settings: `.warehouse` is the built warehouse (read it, never
    write it: copy it first), `.data_dir / "manifest"` the generator's ground truth."""
    # Under pytest-xdist (`make test` runs two workers, one test file each at a time) the workers
    # share one build: the first builds it under a lock, the other waits and reuses it.
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # this run's basetemp
    settings = load_settings().with_paths(shared / "built_region")
    with (shared / "built_region.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (settings.data_dir / ".built").exists():
            shutil.rmtree(settings.data_dir, ignore_errors=True)
            _build_region(settings)
            (settings.data_dir / ".built").touch()
    return settings


def _build_region(settings: Settings) -> None:
    from dagster import DagsterInstance

    from orchestration.definitions import build_definitions
    from orchestration.demo.generator import ROW_DEFECTS, DefectRates, generate_region

    rates = replace(DefectRates(), late_upload=0.04, correction=0.04, **dict.fromkeys(ROW_DEFECTS, 0.03))
    generate_region(settings, seed=settings.demo_seed, hospitals=4, months=list(BUILT_REGION_MONTHS),
                    cases_per_year=2400, defect_rates=rates)
    defs = build_definitions(settings)
    with DagsterInstance.ephemeral() as instance:
        run_job(defs, "reference_data", None, instance)
        run_job(defs, "monthly_cycle", list(BUILT_REGION_MONTHS), instance)
        run_job(defs, "annual_reference", "2024", instance)
        for job in BUILT_REGION_JOBS[1:]:
            run_job(defs, job, list(BUILT_REGION_MONTHS), instance)
        run_job(defs, "annual_clearing", "2024", instance)
