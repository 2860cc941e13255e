"""`drgdip clear` (a year's clearing from CSV files) and `drgdip explain` (a case's or a hospital's
payment, read from the warehouse).

`clear` checks and loads the input files and runs the payment models through orchestration.payment
(where the input format is described), then writes the marts as CSV and prints the year's clearing;
`explain` reads the marts (read-only) and prints them line by line.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.config import load_settings
from orchestration.payment import InputError, check_year, export_outputs, load_inputs, read_inputs, run_dbt

# --- clear ------------------------------------------------------------------------------------------


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


# --- the commands -----------------------------------------------------------------------------------


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
