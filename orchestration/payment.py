"""Payment from the command line: `drgdip clear` (a year's clearing from CSV files) and
`drgdip explain` (a case's or a hospital's payment, read from the warehouse).

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

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from orchestration.config import DBT_PROJECT_DIR, load_settings

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


def clear(inputs: Path, year: int, out: Path, *, keep: Path | None = None, echo=print) -> int:
    """The whole `drgdip clear`: check, load, build, export. Returns the exit code."""
    try:
        tables = read_inputs(inputs)
        problems = check_year(tables, year)
        if problems:
            raise InputError(f"inputs in {inputs} cannot clear {year}:\n  " + "\n  ".join(problems))
    except InputError as exc:
        echo(str(exc))
        return 2
    work = Path(tempfile.mkdtemp(prefix="drgdip-clear-"))
    try:
        warehouse = work / "clearing.duckdb"
        with duckdb.connect(str(warehouse)) as con:
            load_inputs(con, tables)
        code, output, failed, passed = run_dbt(warehouse, work, year)
        errors = [f for f in failed if f["status"] in ("error", "runtime error")]
        if errors or (code != 0 and not failed):
            echo(f"dbt could not build the payment models for {year}:")
            for f in errors:
                echo(f"  {f['node']}: {f['message']}")
            if not errors:
                echo(output[-4000:])
            return 2
        with duckdb.connect(str(warehouse), read_only=True) as con:
            written = export_outputs(con, out, year)
            _print_summary(con, year, echo)
        echo(f"wrote {len(written)} files to {out}")
        if failed:
            echo("RECONCILIATION FAILED:")
            for f in failed:
                echo(f"  {f['node'].split('.')[-1]}: {f['failures']} row(s) - {f['message']}")
            return 1
        echo(f"reconciliation and data checks passed ({passed} dbt tests)")
        return 0
    finally:
        if keep:
            keep.parent.mkdir(parents=True, exist_ok=True)
            if (work / "clearing.duckdb").exists():
                shutil.copyfile(work / "clearing.duckdb", keep)
        shutil.rmtree(work, ignore_errors=True)


def _print_summary(con, year: int, echo) -> None:
    rows = con.execute(
        "select pool, pool_clearing_budget, clearing_points, clearing_point_value, pre_clearing_total, "
        "surplus_kept_by_fund, adjustment_fund_used, adjustment_fund, cleared_total "
        "from marts.mart_clearing__budget where year = ? order by pool", [year]).fetchall()
    echo(f"clearing {year}")
    for r in rows:
        echo(f"  {r[0]}: clearing budget {r[1]:,} over {r[2]:,} points -> point value {r[3]}; "
             f"sum D_h {r[4]:,}; surplus kept {r[5]:,}; adjustment fund used {r[6]:,} of {r[7]:,}; cleared {r[8]:,}")


# --- explain ----------------------------------------------------------------------------------------


def _query(con, sql: str, params: list) -> list[dict]:
    try:
        cur = con.execute(sql, params)
    except duckdb.CatalogException:
        return []
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


def _line(label: str, value, note: str = "") -> str:
    shown = "-" if value is None else (f"{value:,}" if isinstance(value, (int, Decimal)) and not isinstance(value, bool) else str(value))
    return f"  {label:<34} {shown:>20}  {note}".rstrip()


def explain_case(con, setl_id: str) -> list[str]:
    """A case's path from group to points to money, from the marts (whatever has been built)."""
    out = [f"case {setl_id}"]
    case = _query(con, "select * from marts.fct_payment_case where setl_id = ? order by data_month desc limit 1", [setl_id])
    drg = _query(con, "select * from marts.fct_drg_case where setl_id = ? order by data_month desc limit 1", [setl_id])
    drg_points = _query(con, "select * from marts.fct_drg_case_points where setl_id = ? order by data_month desc limit 1", [setl_id])
    dip_points = _query(con, "select * from marts.fct_dip_case_points where setl_id = ? order by data_month desc limit 1", [setl_id])
    if not (case or drg or drg_points or dip_points):
        return [f"case {setl_id}: not found in the warehouse (fct_payment_case, fct_drg_case, fct_dip_case_points)"]
    if drg:
        d = drg[0]
        out.append("1. grouping (CHS-DRG)")
        out.append(_line("hospital / month", f"{d['fixmedins_code']} / {d['data_month']}"))
        out.append(_line("DRG", d["drg"], d.get("drg_name") or ""))
        out.append(_line("status", d["group_status"], d.get("reason_description") or ""))
        if d.get("trace_summary"):
            out.append(f"  trace: {d['trace_summary']}")
    if drg_points:
        p = drg_points[0]
        out.append("2. points before the hospital coefficient (DRG)")
        out.append(_line("relative weight (RW)", p.get("rw"), f"source {p.get('weight_source')}"))
        out.append(_line("base points = RW × scale", p.get("base_points")))
        out.append(_line("cost / DRG mean cost", p.get("cost_ratio"),
                         f"high > {p.get('high_threshold')}, low < {p.get('low_threshold')}"))
        out.append(_line("case type", p.get("case_type")))
        out.append(_line("points", p.get("points")))
    if dip_points:
        p = dip_points[0]
        out.append("2. points before the hospital coefficient (DIP)")
        out.append(_line("disease", p.get("disease_code"), p.get("disease_type") or ""))
        out.append(_line("score", p.get("base_score"), f"library {p.get('library_source')}"))
        out.append(_line("auxiliary coefficient", p.get("auxiliary_coefficient")))
        out.append(_line("cost / mean cost", p.get("cost_ratio"),
                         f"low < {p.get('deviation_low')}, high > {p.get('deviation_high')}"))
        out.append(_line("deviation class", p.get("deviation_class")))
        out.append(_line("points", p.get("points")))
        if p.get("trace_summary"):
            out.append(f"  trace: {p['trace_summary']}")
    if case:
        c = case[0]
        out.append(f"3. pre-settlement {c['data_month']} ({c['pool']} pool)")
        out.append(_line("coefficient", c["coefficient"], f"{c['coefficient_source']} coefficient"))
        out.append(_line("points = base × coefficient", c["points"], f"base {c['base_points']}"))
        out.append(_line("predicted point value", c["predicted_point_value"]))
        out.append(_line("indicative amount", c["indicative_amount"], "rounded again at the hospital-month line"))
        out.append(_line("fund amount by item (hifp_pay)", c["fund_amount"]))
        out.append(_line("insured region", c["insu_admdvs"], "cross-region" if c["cross_region"] else "local"))
        cleared = _query(con, "select cc.points, cc.special_case_decision, cc.special_case_decided_points, "
                              "h.clearing_point_value, h.band from intermediate.int_payment__clearing_cases cc "
                              "left join marts.mart_clearing__hospital_year h using (year, fixmedins_code, pool) "
                              "where cc.setl_id = ?", [setl_id])
        if cleared:
            k = cleared[0]
            out.append(f"4. clearing {c['year']}")
            if k["special_case_decision"]:
                out.append(_line("special case", k["special_case_decision"], f"decided points {k['special_case_decided_points']}"))
            out.append(_line("final points", k["points"]))
            out.append(_line("clearing point value", k["clearing_point_value"]))
            if k["clearing_point_value"] is not None:
                share = (k["points"] * k["clearing_point_value"]).quantize(Decimal("0.01"))
                out.append(_line("share of the hospital's D_h", share, f"hospital band: {k['band']}"))
        else:
            out.append(f"4. clearing {c['year']}: not cleared yet")
    return out


CLEARING_LINES = (
    ("cases", "cases"), ("cross_region_cases", "of which cross-region"),
    ("special_cases_approved", "special cases approved"), ("coefficient", "hospital coefficient"),
    ("computed_points", "points (computed)"), ("special_case_points_delta", "+ special-case decisions"),
    ("points", "= points_h"), ("pool_points", "pool points"), ("pool_clearing_budget", "pool clearing budget"),
    ("clearing_point_value", "clearing point value"), ("pre_clearing_amount", "D_h = points_h × value"),
    ("rounding_cents", "  of which largest-remainder cents"), ("fund_amount", "fund amount by item"),
    ("audit_deductions", "- audit deductions"), ("fund_amount_after_audit", "= F_h"),
    ("clearing_ratio", "r = D_h / F_h"), ("band", "band"), ("surplus_cap_amount", "surplus cap (cap × F_h)"),
    ("surplus_kept_by_fund", "surplus kept by the fund"), ("overspend_share_requested", "overspend share requested"),
    ("adjustment_fund_used", "paid from the adjustment fund"), ("cleared_amount", "= cleared"),
    ("penalties", "- penalties"), ("guarantee_withheld", "guarantee withheld (Σ months)"),
    ("assessment_score", "assessment score"), ("guarantee_returned", "guarantee returned"),
    ("guarantee_forfeited", "- guarantee forfeited"), ("annual_due", "= annual due"),
    ("monthly_paid", "- paid monthly (Σ paid_hm)"), ("payable", "= payable (negative: recovery)"),
)


def explain_hospital(con, hospital: str, year: int) -> list[str]:
    rows = _query(con, "select * from marts.mart_clearing__hospital_year where fixmedins_code = ? and year = ?",
                  [hospital, year])
    months = _query(con, "select data_month, cases, points, predicted_point_value, computed_amount, fund_amount, "
                         "amount, guarantee, holdback, paid from marts.mart_payment__hospital_month "
                         "where fixmedins_code = ? and year = ? order by data_month", [hospital, year])
    if not rows and not months:
        return [f"hospital {hospital}: no pre-settlement or clearing for {year} in the warehouse"]
    out = []
    if months:
        out.append(f"hospital {hospital}, monthly pre-settlement {year}")
        out.append("  month    cases        points  point value      computed    fund amount        amount   guarantee        paid")
        for m in months:
            out.append(f"  {m['data_month']} {m['cases']:>6} {m['points']:>13} {m['predicted_point_value']:>12} "
                       f"{m['computed_amount']:>13} {m['fund_amount']:>14} {m['amount']:>13} {m['guarantee']:>11} {m['paid']:>11}")
    for r in rows:
        out.append(f"hospital {hospital} {r.get('fixmedins_name') or ''}, clearing {year}, {r['pool']} pool")
        out.extend(_line(label, r.get(key)) for key, label in CLEARING_LINES)
    if not rows:
        out.append(f"clearing {year}: not cleared yet")
    return out


def _warehouse(args) -> Path:
    return Path(args.warehouse) if args.warehouse else load_settings(args.config).warehouse


def run_explain(args) -> int:
    path = _warehouse(args)
    if not path.exists():
        print(f"no warehouse at {path} (run `drgdip demo`, or pass --warehouse)")
        return 2
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        print(f"cannot read the warehouse {path} (is a run writing it?): {exc}")
        return 2
    with con:
        if args.setl_id:
            lines = explain_case(con, args.setl_id)
        else:
            if not args.year:
                print("--hospital needs --year")
                return 2
            lines = explain_hospital(con, args.hospital, args.year)
    print("\n".join(lines))
    return 0 if len(lines) > 1 else 1


def run_clear(args) -> int:
    return clear(Path(args.inputs), args.year, Path(args.out), keep=Path(args.keep_warehouse) if args.keep_warehouse else None)


def register(subparsers) -> None:
    clear_parser = subparsers.add_parser(
        "clear",
        help="clear a year from CSV files of case points (the same dbt payment models as the warehouse)",
        description=(
            "Run budget, monthly pre-settlement and annual clearing on a directory of CSV files "
            "(parameters, budget, hospitals, cases, history points, special cases, audit deductions, "
            "penalties, assessment scores; format in `pydoc orchestration.payment` and the README) and "
            "write the marts as CSV. Exit 0 when the reconciliation checks pass, 1 when one fails, "
            "2 when the inputs are invalid."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    clear_parser.add_argument("--inputs", required=True, help="directory of the input CSV files")
    clear_parser.add_argument("--year", required=True, type=int, help="the year to clear, e.g. 2024")
    clear_parser.add_argument("--out", required=True, help="directory for the result CSV files")
    clear_parser.add_argument("--keep-warehouse", help="also keep the scratch DuckDB at this path (for `explain`)")
    clear_parser.set_defaults(func=run_clear)

    explain_parser = subparsers.add_parser(
        "explain",
        help="explain a case's payment (--setl-id) or a hospital's clearing (--hospital --year)",
        description="Read the warehouse (read-only) and print a case's path from group to points to money, "
                    "or a hospital's monthly pre-settlement and annual clearing line by line.",
    )
    which = explain_parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--setl-id", help="the case (结算ID)")
    which.add_argument("--hospital", help="the hospital (fixmedins_code)")
    explain_parser.add_argument("--year", type=int, help="clearing year (with --hospital)")
    explain_parser.add_argument("--warehouse", help="a DuckDB file other than the configured warehouse "
                                                    "(e.g. one kept by `drgdip clear --keep-warehouse`)")
    explain_parser.set_defaults(func=run_explain)
