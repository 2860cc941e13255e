"""A year's clearing from CSV files, the engine of `drgdip clear` (orchestration/cli/clear.py).

`drgdip clear --inputs DIR --year Y --out DIR` checks the CSV files of DIR (format below, also in
the README), loads them into schema `payment_inputs` of a scratch DuckDB and runs the SAME dbt
payment models as the warehouse (`dbt build` of models/intermediate/payment and
models/marts/payment with `--vars '{"payment_inputs": "files", "year": "Y"}'`: the input-layer
models then read `payment_inputs.*` instead of the warehouse, and the monthly models build all
twelve months at once). The marts are written to OUT as CSV with the marts' columns, and the
reconciliation tests run as in the warehouse. No payment rule is written here: they are SQL.

Input files (UTF-8 CSV with a header; `*` = optional file; extra columns are ignored):
  parameters.csv      year, parameter, value   (same as seeds/policy_parameters.csv; see PARAMETERS)
  budget.csv          year, fund_revenue, deduct_outpatient, deduct_chronic, deduct_cross_region_manual,
                      deduct_other_methods, deduct_critical_illness, reserve_used, drg_pool_share
  hospitals.csv       fixmedins_code, fixmedins_name, pool (DRG|DIP), coefficient
  cases.csv           setl_id, fixmedins_code, data_month (YYYY-MM), pool, points (before coefficient),
                      uniform_coefficient (0/1), fund_amount, insu_admdvs, cross_region (0/1)
  history_points.csv  year, pool, history_year, points (after coefficients)
  special_cases.csv*  year, application_id, setl_id, fixmedins_code, applied_on, reason, decision,
                      decided_points, decided_on, expert_group, note
  audit_deductions.csv*  year, fixmedins_code, setl_id, amount, reason, audited_on
  penalties.csv*      year, fixmedins_code, amount, violation, decision_ref
  assessment_scores.csv* year, fixmedins_code, score, note
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from orchestration.config import DBT_PROJECT_DIR

INPUT_SCHEMA = "payment_inputs"
PAYMENT_MODEL_PATHS = ("path:models/intermediate/payment", "path:models/marts/payment")
# the case points are computed from the warehouse's grouping; in files mode cases.csv carries them
WAREHOUSE_ONLY_MODELS = ("fct_drg_case_points", "fct_dip_case_points")

# The parameters a files run needs (rows of parameters.csv for the year).
PARAMETERS = (
    "risk_reserve_rate", "adjustment_fund_clearing_share", "adjustment_fund_overspend_share",
    "payment_expected_points_growth", "quality_guarantee_rate", "monthly_holdback_rate",
    "clearing_surplus_cap_ratio", "clearing_overspend_floor_ratio", "overspend_fund_share",
    "basic_group_coefficient",
)

# What `clear` writes: mart -> (filter on the year, order).
MONTHLY_OUTPUTS = {
    "fct_payment_case": ("data_month like '{y}-%'", "data_month, fixmedins_code, setl_id"),
    "mart_payment__hospital_month": ("data_month like '{y}-%'", "data_month, fixmedins_code, pool"),
}
ANNUAL_OUTPUTS = {
    "mart_clearing__budget": ("year = {y}", "pool"),
    "mart_clearing__hospital_year": ("year = {y}", "pool, fixmedins_code"),
    "mart_clearing__special_cases": ("year = {y}", "fixmedins_code"),
    "mart_clearing__cross_region": ("year = {y}", "insu_admdvs, pool"),
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # integer | decimal | varchar | date | month | flag
    required: bool = True
    choices: tuple[str, ...] = ()


def _c(name, type_="varchar", required=True, choices=()):
    return Column(name, type_, required, tuple(choices))


POOLS = ("DRG", "DIP")
INPUT_FILES: dict[str, tuple[bool, tuple[Column, ...]]] = {
    # file stem: (file required, columns)
    "parameters": (True, (_c("year", "integer"), _c("parameter"), _c("value"))),
    "budget": (True, (
        _c("year", "integer"), _c("fund_revenue", "decimal"),
        *(_c(f"deduct_{d}", "decimal", False) for d in
          ("outpatient", "chronic", "cross_region_manual", "other_methods", "critical_illness")),
        _c("reserve_used", "decimal", False), _c("drg_pool_share", "decimal"),
    )),
    "hospitals": (True, (
        _c("fixmedins_code"), _c("fixmedins_name", required=False), _c("pool", choices=POOLS),
        _c("coefficient", "decimal"),
    )),
    "cases": (True, (
        _c("setl_id"), _c("fixmedins_code"), _c("data_month", "month"), _c("pool", choices=POOLS),
        _c("points", "decimal", False), _c("uniform_coefficient", "flag", False), _c("fund_amount", "decimal"),
        _c("insu_admdvs", required=False), _c("cross_region", "flag", False),
    )),
    "history_points": (True, (
        _c("year", "integer"), _c("pool", choices=POOLS), _c("history_year", "integer"), _c("points", "decimal"),
    )),
    "special_cases": (False, (
        _c("year", "integer"), _c("application_id"), _c("setl_id"), _c("fixmedins_code"),
        _c("applied_on", "date", False),
        _c("reason", required=False, choices=("long_stay", "icu", "new_technology", "high_cost", "other")),
        _c("decision", choices=("approved", "rejected", "pending")), _c("decided_points", "decimal", False),
        _c("decided_on", "date", False), _c("expert_group", required=False), _c("note", required=False),
    )),
    "audit_deductions": (False, (
        _c("year", "integer"), _c("fixmedins_code"), _c("setl_id", required=False), _c("amount", "decimal"),
        _c("reason", required=False), _c("audited_on", "date", False),
    )),
    "penalties": (False, (
        _c("year", "integer"), _c("fixmedins_code"), _c("amount", "decimal"), _c("violation", required=False),
        _c("decision_ref", required=False),
    )),
    "assessment_scores": (False, (
        _c("year", "integer"), _c("fixmedins_code"), _c("score", "decimal"), _c("note", required=False),
    )),
}
SQL_TYPES = {"integer": "integer", "decimal": "decimal(18, 6)", "varchar": "varchar", "date": "date",
             "month": "varchar", "flag": "integer"}
# Money and points keep their own scale in the loaded tables (the models cast them again).
DECIMAL_SCALE = {"points": "decimal(18, 4)", "decided_points": "decimal(18, 4)", "coefficient": "decimal(12, 4)",
                 "score": "decimal(6, 2)", "drg_pool_share": "decimal(9, 6)"}

MAX_DECIMALS = {"points": 4, "decided_points": 4, "coefficient": 4, "score": 2, "drg_pool_share": 6}


class InputError(ValueError):
    """The inputs directory does not follow the format; the message names file, row and field."""


# --- reading and checking the inputs --------------------------------------------------------------


def _check_value(column: Column, text: str) -> str | None:
    """None if `text` is a valid value of the column, else what is wrong."""
    if column.type == "integer" and not re.fullmatch(r"-?\d+", text):
        return f"'{text}' is not a whole number"
    if column.type == "decimal":
        try:
            Decimal(text)
        except InvalidOperation:
            return f"'{text}' is not a number (use a dot for decimals, no thousands separators)"
        if column.name in ("amount", "fund_amount", "fund_revenue", "reserve_used") or column.name.startswith("deduct_"):
            if Decimal(text) < 0:
                return f"'{text}' is negative"
            if Decimal(text) != Decimal(text).quantize(Decimal("0.01")):
                return f"'{text}' has more than 2 decimals (money is in yuan and fen)"
        places = MAX_DECIMALS.get(column.name)
        if places is not None and Decimal(text) != Decimal(text).quantize(Decimal(1).scaleb(-places)):
            return f"'{text}' has more than {places} decimals"
    if column.type == "date":
        try:
            date.fromisoformat(text)
        except ValueError:
            return f"'{text}' is not a date YYYY-MM-DD"
    if column.type == "month" and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        return f"'{text}' is not a month YYYY-MM"
    if column.type == "flag" and text not in ("0", "1"):
        return f"'{text}' is not 0 or 1"
    if column.choices and text not in column.choices:
        return f"'{text}' is not one of {', '.join(column.choices)}"
    return None


def read_inputs(inputs: Path) -> dict[str, list[dict[str, str | None]]]:
    """Every input file as rows of text (None for empty), checked column by column.

    Raises InputError listing every problem found (up to 50), each naming file, row and field.
    """
    problems: list[str] = []
    tables: dict[str, list[dict[str, str | None]]] = {}
    for stem, (file_required, columns) in INPUT_FILES.items():
        path = inputs / f"{stem}.csv"
        if not path.exists():
            if file_required:
                problems.append(f"{path}: missing (required file)")
            tables[stem] = []
            continue
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c.name for c in columns if c.required and c.name not in header]
            if missing:
                problems.append(f"{path.name}: header lacks column(s) {', '.join(missing)}")
                continue
            rows = []
            for number, raw in enumerate(reader, start=2):  # row 1 is the header
                row = {k.strip(): (v.strip() if isinstance(v, str) and v.strip() != "" else None)
                       for k, v in raw.items() if k is not None}
                for column in columns:
                    value = row.get(column.name)
                    if value is None:
                        if column.required:
                            problems.append(f"{path.name}, row {number}, field {column.name}: empty (required)")
                        continue
                    wrong = _check_value(column, value)
                    if wrong:
                        problems.append(f"{path.name}, row {number}, field {column.name}: {wrong}")
                rows.append(row)
            tables[stem] = rows
    problems.extend(_check_keys(tables))
    if problems:
        shown = problems[:50]
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise InputError(f"inputs in {inputs} are not valid:\n  " + "\n  ".join(shown) + more)
    return tables


def _check_keys(tables: dict[str, list[dict]]) -> list[str]:
    """Keys that must be unique, and references the models join on."""
    problems = []
    for stem, key in (("cases", ("setl_id",)), ("hospitals", ("fixmedins_code",)), ("budget", ("year",)),
                      ("parameters", ("year", "parameter")), ("special_cases", ("year", "setl_id")),
                      ("assessment_scores", ("year", "fixmedins_code"))):
        seen: dict[tuple, int] = {}
        for number, row in enumerate(tables.get(stem, []), start=2):
            k = tuple(row.get(f) for f in key)
            if k in seen:
                problems.append(f"{stem}.csv, row {number}: {'/'.join(key)} {'/'.join(map(str, k))} "
                                f"already on row {seen[k]}")
            seen.setdefault(k, number)
    hospitals = {r["fixmedins_code"] for r in tables.get("hospitals", [])}
    for stem in ("cases", "special_cases", "audit_deductions", "penalties", "assessment_scores"):
        for number, row in enumerate(tables.get(stem, []), start=2):
            if row.get("fixmedins_code") and row["fixmedins_code"] not in hospitals:
                problems.append(f"{stem}.csv, row {number}, field fixmedins_code: '{row['fixmedins_code']}' "
                                "is not in hospitals.csv")
    cases = {r["setl_id"] for r in tables.get("cases", [])}
    for number, row in enumerate(tables.get("special_cases", []), start=2):
        if row.get("setl_id") and row["setl_id"] not in cases:
            problems.append(f"special_cases.csv, row {number}, field setl_id: '{row['setl_id']}' is not in cases.csv")
        if row.get("decision") == "approved" and row.get("decided_points") is None:
            problems.append(f"special_cases.csv, row {number}, field decided_points: empty for an approved case")
    return problems


def check_year(tables: dict[str, list[dict]], year: int) -> list[str]:
    """What the year needs besides well-formed files: its budget, parameters and history."""
    problems = []
    y = str(year)
    if not any(r["year"] == y for r in tables["budget"]):
        problems.append(f"budget.csv has no row for year {y}")
    given = {r["parameter"] for r in tables["parameters"] if r["year"] == y}
    missing = [p for p in PARAMETERS if p not in given]
    if missing:
        problems.append(f"parameters.csv lacks for year {y}: {', '.join(missing)}")
    pools = {r["pool"] for r in tables["cases"] if (r["data_month"] or "").startswith(y)}
    history = {r["pool"] for r in tables["history_points"] if r["year"] == y}
    for pool in sorted(pools - history):
        problems.append(f"history_points.csv has no row for year {y} and pool {pool} (needed for the predicted point value)")
    if not pools:
        problems.append(f"cases.csv has no case discharged in {y}")
    return problems


def load_inputs(con: duckdb.DuckDBPyConnection, tables: dict[str, list[dict]]) -> None:
    """Create schema payment_inputs with one typed table per input file (empty when absent)."""
    con.execute(f"create schema if not exists {INPUT_SCHEMA}")
    for stem, (_, columns) in INPUT_FILES.items():
        types = {c.name: DECIMAL_SCALE.get(c.name, SQL_TYPES[c.type]) for c in columns}
        con.execute(f"drop table if exists {INPUT_SCHEMA}.{stem}")
        con.execute(f"create table {INPUT_SCHEMA}.{stem} ({', '.join(f'{n} {t}' for n, t in types.items())})")
        rows = [[row.get(c.name) for c in columns] for row in tables[stem]]
        if rows:
            placeholders = ", ".join(f"cast(? as {types[c.name]})" for c in columns)
            con.executemany(f"insert into {INPUT_SCHEMA}.{stem} values ({placeholders})", rows)


# --- running the models ----------------------------------------------------------------------------


def run_dbt(warehouse: Path, work: Path, year: int) -> tuple[int, str, list[dict], int]:
    """`dbt build` of the payment models in files mode; returns (exit code, output, failed nodes,
    number of tests that passed)."""
    from orchestration.resources import DBT_EXECUTABLE

    dbt_vars = {"payment_inputs": "files", "year": str(year), "month": f"{year}-12"}
    done = subprocess.run(
        [DBT_EXECUTABLE, "build", "--select", *PAYMENT_MODEL_PATHS, "--exclude", *WAREHOUSE_ONLY_MODELS,
         "--vars", json.dumps(dbt_vars),
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        env={**os.environ, "DRGDIP_WAREHOUSE": str(warehouse)}, capture_output=True, text=True, check=False,
    )
    failed, passed = [], 0
    results = work / "target" / "run_results.json"
    if results.exists():
        for r in json.loads(results.read_text(encoding="utf-8")).get("results", []):
            passed += r["unique_id"].startswith("test.") and r.get("status") == "pass"
            if r.get("status") in ("error", "fail", "runtime error"):
                failed.append({"node": r["unique_id"], "status": r["status"], "message": r.get("message") or "",
                               "failures": r.get("failures")})
    return done.returncode, done.stdout + done.stderr, failed, passed


def export_outputs(con: duckdb.DuckDBPyConnection, out: Path, year: int) -> list[Path]:
    """Write the monthly and annual marts of the year as CSV (the marts' columns, stable order)."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (where, order) in {**MONTHLY_OUTPUTS, **ANNUAL_OUTPUTS}.items():
        path = out / f"{name}.csv"
        con.execute(
            f"copy (select * from marts.{name} where {where.format(y=year)} order by {order}) "
            f"to '{path.as_posix()}' (header, delimiter ',')"
        )
        written.append(path)
    return written
