"""`drgdip bench` (`make bench`): CHS-DRG grouping speed next to a bare DuckDB scan and join.

    drgdip bench                      # 1,000,000 cases
    drgdip bench --cases 100000 --keep /tmp/bench

`drgdip bench --pipeline` times the whole chain instead (generation, then every job of the payment
year through the runner, stage by stage): see `orchestration.bench_pipeline`. What follows is the
grouper bench, the default mode.

A benchmark, never a test. Steps:
1. generate N clean cases with the demo generator (`generate_cases` + `text_frames`, one
   hospital-month at a time, so memory stays bounded) and write them straight into the staged
   tables `staging.stg_setlinfo / stg_diseinfo / stg_oprninfo`, typed per `interface.Field.type`
   as staging types them. This skips files, ingestion and the staging models (which are not what
   is measured and would take most of the time); every case is filed under one data month
   (`BENCH_MONTH`) so one grouper run covers them all;
2. load the reference tables (copied from the configured warehouse when it has them, else
   `dbt seed`) in a scratch copy of the dbt project (`orchestration.selfcheck.scratch_project`);
3. time the grouper: `dbt run` of the DRG grouping models for the month, wall clock (what a
   monthly run costs, dbt start-up included; dbt runs independent models on the profile's 2
   threads), dbt's own elapsed time for the models (the wall clock less dbt's start-up, which does
   not grow with the cases), and each model's execution time from dbt's run_results.json;
4. time the bare scan: the month's diagnosis rows joined to their case headers and materialised,
   once into a temporary (in-memory) table and once into a table of the database file, as the
   grouper's own tables are;
5. time writing the result alone: a copy of the month's fct_drg_case (one row per case with its
   whole trace) into a new table of the same file. No grouper that writes the trace can be faster
   than that, so it shows how much of the ratio is the output the issue asks for;
6. print the times and the ratios: dbt wall / bare, and dbt's elapsed models time / bare (both
   against the in-memory bare scan, the stricter baseline), and the models' time / the copy.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import duckdb

from orchestration import interface
from orchestration.config import load_settings
from orchestration.selfcheck import (
    DRG_GROUPING_MODELS,
    DRG_MODEL_DIRS,
    copy_reference,
    run_dbt,
    scratch_project,
)

BENCH_MONTH = "2024-01"
BENCH_YEAR = 2024
PARTS = ("setlinfo", "diseinfo", "oprninfo")  # what the grouper reads

# the bare scan: every diagnosis of the month joined to its case header, materialised (in memory
# or, with {table} = "main.bench_bare", in the database file)
BARE_SQL = f"""
create or replace {{table}} as
select d.setl_id, d.diag_code, d.maindiag_flag, s.gend, s.age
from staging.stg_diseinfo as d
inner join staging.stg_setlinfo as s on s.setl_id = d.setl_id
where d.data_month = '{BENCH_MONTH}' and s.data_month = '{BENCH_MONTH}'
"""


def _typed(field: interface.Field) -> str:
    text = f"nullif(trim({field.name}), '')"
    return {
        "varchar": text,
        "integer": f"try_cast({text} as integer)",
        "decimal": f"try_cast({text} as decimal(18, 2))",
        "date": f"try_cast({text} as date)",
        "timestamp": f"try_cast({text} as timestamp)",
    }[field.type] + f" as {field.name}"


def _create_staged(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists staging")
    types = {"decimal": "decimal(18,2)"}
    for part in PARTS:
        cols = ", ".join(f"{f.name} {types.get(f.type, f.type)}" for f in interface.PARTS[part] if not f.personal)
        con.execute(f"create or replace table staging.stg_{part} ({cols}, data_month varchar)")


def generate_staged(con: duckdb.DuckDBPyConnection, cases: int, seed: int, progress) -> dict[str, int]:
    """Generate about `cases` clean cases over the registry's hospitals and 2024, straight into
    the staged tables; return the row count of each."""
    from orchestration.demo.casemix import expected_cases, generate_cases
    from orchestration.demo.defects import DefectRates
    from orchestration.demo.plan import make_plan
    from orchestration.demo.reference import build_profiles, load_reference
    from orchestration.demo.rows import text_frames

    ref = load_reference()
    profiles = build_profiles(ref)
    plan = make_plan(ref, seed, None, (BENCH_YEAR,), None, cases, DefectRates.none())
    _create_staged(con)
    done = 0
    t0 = time.perf_counter()
    for month in plan.months:
        for h in plan.hospitals.itertuples():
            if expected_cases(plan, h, month) < 30:
                continue  # the generator cannot make an empty hospital-month; a benchmark has none
            mc = generate_cases(plan, ref, profiles, h, month)
            frames = text_frames(mc, h, month, ref)
            for part in PARTS:
                frame = frames[part]  # noqa: F841  (read by DuckDB by name)
                fields = [f for f in interface.PARTS[part] if not f.personal]
                con.execute(f"insert into staging.stg_{part} select {', '.join(_typed(f) for f in fields)}, "
                            f"'{BENCH_MONTH}' from frame")
            done += len(mc.setl)
        rate = done / max(time.perf_counter() - t0, 1e-9)
        progress(f"  generated {month}: {done:,} cases ({rate:,.0f} cases/s)")
    return {part: con.execute(f"select count(*) from staging.stg_{part}").fetchone()[0] for part in PARTS}


def _model_seconds(project: Path) -> dict[str, float]:
    results = json.loads((project / "target" / "run_results.json").read_text(encoding="utf-8"))
    return {r["unique_id"].rsplit(".", 1)[-1]: float(r["execution_time"]) for r in results["results"]}


def dbt_elapsed(stdout: str) -> float | None:
    """dbt's own elapsed time for the nodes it ran ("Finished running ... (12.34s)."): the wall
    clock less dbt's start-up (parsing, connecting, reading the catalogue)."""
    found = re.search(r"Finished running .*\(([0-9.]+)s\)", stdout)
    return float(found.group(1)) if found else None


def bare_scan(warehouse: Path, persisted: bool = False, repeats: int = 3) -> float:
    """Best of `repeats` runs of the bare scan and join (seconds), materialised in memory or, with
    `persisted`, as a table of the database file (dropped again)."""
    table = "table main.bench_bare" if persisted else "temp table bare"
    with duckdb.connect(str(warehouse)) as con:
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            con.execute(BARE_SQL.format(table=table))
            if persisted:
                con.execute("checkpoint")
            best = min(best, time.perf_counter() - t0)
        if persisted:
            con.execute("drop table main.bench_bare")
    return best


def output_copy(warehouse: Path, repeats: int = 2) -> float:
    """Best of `repeats` copies of the grouped month (fct_drg_case, with its trace) into a new table
    of the database file (seconds): the cost of writing the grouper's output alone."""
    with duckdb.connect(str(warehouse)) as con:
        schema = con.execute("select table_schema from information_schema.tables "
                             "where table_name = 'fct_drg_case'").fetchone()[0]
        best = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            con.execute(f"create or replace table main.bench_copy as select * from {schema}.fct_drg_case "
                        f"where data_month = '{BENCH_MONTH}'")
            con.execute("checkpoint")
            best = min(best, time.perf_counter() - t0)
        con.execute("drop table main.bench_copy")
    return best


def run_bench(cases: int, work: Path, seed: int, progress=print) -> dict:
    settings = load_settings()
    warehouse = work / "bench.duckdb"
    project = scratch_project(work / "project", DRG_MODEL_DIRS)
    t0 = time.perf_counter()
    progress(f"reference tables → {warehouse}")
    if copy_reference(settings.warehouse, warehouse):
        reference = f"copied from {settings.warehouse}"
    else:
        run_dbt(["seed", "--select", *(f"+{m}" for m in DRG_GROUPING_MODELS)], project, warehouse)
        reference = "dbt seed"
    progress(f"generating ~{cases:,} cases straight into the staged tables")
    with duckdb.connect(str(warehouse)) as con:
        rows = generate_staged(con, cases, seed, progress)
    prepare = time.perf_counter() - t0
    progress(f"grouping {rows['setlinfo']:,} cases ({rows['diseinfo']:,} diagnoses, {rows['oprninfo']:,} "
             f"procedures) with dbt ...")
    t0 = time.perf_counter()
    stdout = run_dbt(["run", "--select", *DRG_GROUPING_MODELS, "--vars", json.dumps({"month": BENCH_MONTH})],
                     project, warehouse)
    wall = time.perf_counter() - t0
    elapsed = dbt_elapsed(stdout)  # None when dbt's summary line is not found
    models = _model_seconds(project)
    progress("bare DuckDB scan and join of the same diagnosis rows ...")
    bare = bare_scan(warehouse)
    bare_persisted = bare_scan(warehouse, persisted=True)
    progress("copying the grouped cases into a new table (the output alone) ...")
    copy = output_copy(warehouse)
    models_time = elapsed if elapsed is not None else wall

    def ratio(a: float, b: float) -> float | None:
        return round(a / b, 1) if b > 0 else None

    return {
        "cases": rows["setlinfo"], "rows": rows, "reference": reference, "prepare_seconds": round(prepare, 1),
        "grouping_wall_seconds": round(wall, 2),
        "grouping_models_elapsed_seconds": round(elapsed, 2) if elapsed is not None else None,
        "dbt_startup_seconds": round(wall - elapsed, 2) if elapsed is not None else None,
        "models": {k: round(v, 2) for k, v in models.items()},
        "models_sum_seconds": round(sum(models.values()), 2),
        "cases_per_second": round(rows["setlinfo"] / models_time) if models_time > 0 else None,
        "bare_seconds": round(bare, 3), "bare_persisted_seconds": round(bare_persisted, 3),
        "ratio": ratio(wall, bare),
        "ratio_models": ratio(models_time, bare),
        "output_copy_seconds": round(copy, 2),
        "output_copy_to_bare": ratio(copy, bare),
        "ratio_models_to_copy": ratio(models_time, copy),
    }
