"""Budget, monthly pre-settlement and annual clearing (dbt models intermediate/payment and
marts/payment) on a hand-computed mini region, to the cent.

The mini region is the worked example `examples/clearing/inputs` (its README shows the arithmetic):
three hospitals, both pools (HA, HB in DRG; HC in DIP), a special case (A4: 300 → 400 points), a
rejected application (B1), cross-region cases (A2, C3), one hospital in each clearing band (HA
surplus above the cap, HB reasonable overspend, HC below the floor) and an adjustment fund
(600.00) shorter than the overspend share requested (1198.42).

It runs twice through the same models: `drgdip clear --inputs` (files), and the warehouse path
(seeds replaced by the mini region, case-point marts and settlement lists written by hand, monthly
runs per month and one yearly run). Reconciliation tests must fail when one amount is perturbed;
rerunning gives identical tables.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import dbt

from orchestration import payment
from orchestration.cli import clear as clear_cli
from orchestration.cli import main as drgdip
from orchestration.config import DBT_PROJECT_DIR, REPO_ROOT
from orchestration.resources import duckdb_connection_config

EXAMPLE = REPO_ROOT / "examples" / "clearing" / "inputs"
YEAR = 2024

# --- the hand-computed results (see examples/clearing/README.md) ---------------------------------
# predicted point values: DRG 103775.00 / (1000 × 1.05) = 98.833333, DIP 14825.00 / (160 × 1.05) = 88.244048
MONTHLY = {  # (month, hospital): (points, computed, fund, amount, guarantee, paid)
    ("2024-01", "HA"): ("100.0000", "9883.33", "9000.00", "9000.00", "450.00", "8550.00"),
    ("2024-02", "HA"): ("200.0000", "19766.67", "15000.00", "15000.00", "750.00", "14250.00"),
    ("2024-03", "HA"): ("340.0000", "33603.33", "33000.00", "33000.00", "1650.00", "31350.00"),
    ("2024-01", "HB"): ("135.0000", "13342.50", "14000.00", "13342.50", "667.13", "12675.37"),
    ("2024-02", "HB"): ("172.0000", "16999.33", "18500.00", "16999.33", "849.97", "16149.36"),
    ("2024-01", "HC"): ("85.0000", "7500.74", "11000.00", "7500.74", "375.04", "7125.70"),
    ("2024-04", "HC"): ("83.0000", "7324.26", "11000.00", "7324.26", "366.21", "6958.05"),
}
ANNUAL_COLUMNS = ("points", "pre_clearing_amount", "rounding_cents", "fund_amount_after_audit", "clearing_ratio",
                  "band", "surplus_kept_by_fund", "overspend_share_requested", "adjustment_fund_used",
                  "cleared_amount", "penalties", "guarantee_withheld", "guarantee_returned", "annual_due",
                  "monthly_paid", "payable")
ANNUAL = {
    # DRG clearing budget 105000.00 over 1047 points; HA 740 points (special case), HB 307
    "HA": ("740.0000", "74212.03", "0", "55000.00", "1.349310", "surplus", "13712.03", "0.00", "0.00",
           "60500.00", "0.00", "2850.00", "2565.00", "60215.00", "54150.00", "6065.00"),
    # HB gets the cent left by flooring (remainder .5616 > .4383); fund short: 600.00 of 1198.42
    "HB": ("307.0000", "30787.97", "1", "32500.00", "0.947322", "reasonable_overspend", "0.00", "1198.42",
           "600.00", "31387.97", "500.00", "1517.10", "1213.68", "30584.55", "28824.73", "1759.82"),
    # the whole DIP clearing budget, below the floor (0.681818 < 0.9)
    "HC": ("168.0000", "15000.00", "0", "22000.00", "0.681818", "below_floor", "0.00", "0.00", "0.00",
           "15000.00", "0.00", "741.25", "741.25", "15000.00", "14083.75", "916.25"),
}
BUDGET = {  # pool: (pool_budget, predicted value, clearing budget, adjustment fund, cleared total)
    "DRG": ("103775.00", "98.833333", "105000.00", "600.00", "91887.97"),
    "DIP": ("14825.00", "88.244048", "15000.00", "600.00", "15000.00"),
}


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def fetch(db: Path, sql: str, params=None) -> list[dict]:
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [{k: ("" if v is None else str(v).lower() if isinstance(v, bool) else str(v))
                 for k, v in zip(names, row)} for row in cur.fetchall()]


def check_monthly(rows: list[dict], hospitals: set[str]) -> None:
    got = {(r["data_month"], r["fixmedins_code"]): (r["points"], r["computed_amount"], r["fund_amount"], r["amount"],
                                                    r["guarantee"], r["paid"]) for r in rows}
    want = {k: v for k, v in MONTHLY.items() if k[1] in hospitals}
    assert got == want


def check_annual(rows: list[dict], hospitals: set[str]) -> None:
    got = {r["fixmedins_code"]: tuple(r[c] for c in ANNUAL_COLUMNS) for r in rows}
    assert got == {h: v for h, v in ANNUAL.items() if h in hospitals}


# --- the files path: drgdip clear --inputs ----------------------------------------------------------


@pytest.fixture(scope="module")
def cleared(tmp_path_factory) -> tuple[Path, Path]:
    """`drgdip clear` on the worked example; returns (output dir, kept scratch DuckDB)."""
    work = tmp_path_factory.mktemp("clear")
    out, db = work / "out", work / "clearing.duckdb"
    code = drgdip(["clear", "--inputs", str(EXAMPLE), "--year", str(YEAR), "--out", str(out),
                   "--keep-warehouse", str(db)])
    assert code == 0
    return out, db


def test_files_monthly_pre_settlement_to_the_cent(cleared):
    out, _ = cleared
    check_monthly(read_csv(out / "mart_payment__hospital_month.csv"), {"HA", "HB", "HC"})


def test_files_annual_clearing_to_the_cent(cleared):
    out, _ = cleared
    check_annual(read_csv(out / "mart_clearing__hospital_year.csv"), {"HA", "HB", "HC"})


def test_files_budget_special_cases_and_cross_region(cleared):
    out, _ = cleared
    budget = {r["pool"]: (r["pool_budget"], r["predicted_point_value"], r["pool_clearing_budget"], r["adjustment_fund"],
                          r["cleared_total"]) for r in read_csv(out / "mart_clearing__budget.csv")}
    assert budget == BUDGET
    special = {r["fixmedins_code"]: (r["applied"], r["approved"], r["rejected"], r["approved_points_delta"])
               for r in read_csv(out / "mart_clearing__special_cases.csv")}
    assert special == {"HA": ("1", "1", "0", "100.0000"), "HB": ("1", "0", "1", "0.0000")}
    cross = {r["insu_admdvs"]: (r["pool"], r["cases"], r["points"], r["fund_amount"], r["amount_at_clearing_value"])
             for r in read_csv(out / "mart_clearing__cross_region.csv")}
    assert cross == {"110000": ("DRG", "1", "200.0000", "15000.00", "20057.31"),
                     "370100": ("DIP", "1", "32.0000", "4000.00", "2857.14")}


def test_the_worked_example_page_shows_what_the_engine_writes(cleared):
    """examples/clearing/expected is the output the README of the example shows; it must not drift."""
    out, _ = cleared
    expected = REPO_ROOT / "examples" / "clearing" / "expected"
    assert sorted(p.name for p in expected.glob("*.csv")) == sorted(p.name for p in out.glob("*.csv"))
    for path in expected.glob("*.csv"):
        assert (out / path.name).read_bytes() == path.read_bytes(), path.name


def test_files_outputs_have_the_marts_columns(cleared):
    out, db = cleared
    for name in (*payment.MONTHLY_OUTPUTS, *payment.ANNUAL_OUTPUTS):
        with duckdb.connect(str(db), read_only=True) as con:
            columns = [c[0] for c in con.execute(f"select * from marts.{name} limit 0").description]
        with (out / f"{name}.csv").open(encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == columns, name


def test_files_money_is_decimal_never_double(cleared):
    _, db = cleared
    doubles = fetch(db, """select table_name, column_name from information_schema.columns
                           where table_schema in ('marts', 'intermediate') and data_type in ('DOUBLE', 'FLOAT')""")
    assert doubles == []


def test_rerun_gives_identical_tables(cleared, tmp_path):
    out, _ = cleared
    again = tmp_path / "again"
    assert clear_cli.clear(EXAMPLE, YEAR, again, echo=lambda *_: None) == 0
    for path in sorted(out.glob("*.csv")):
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def test_reconciliation_checks_fail_when_one_amount_is_perturbed(cleared, tmp_path):
    _, db = cleared
    perturbed = tmp_path / "perturbed.duckdb"
    shutil.copyfile(db, perturbed)
    with duckdb.connect(str(perturbed)) as con:
        # one cent more for HA's D_h; one yuan more cleared for HB; one case's fund amount changed
        con.execute("update marts.mart_clearing__hospital_year set pre_clearing_amount = pre_clearing_amount + 0.01 "
                    "where fixmedins_code = 'HA'")
        con.execute("update marts.mart_clearing__hospital_year set cleared_amount = cleared_amount + 1 "
                    "where fixmedins_code = 'HB'")
        con.execute("update marts.fct_payment_case set fund_amount = fund_amount + 1 where setl_id = 'B2'")
        con.execute("update marts.fct_payment_case set pool = 'DIP' where setl_id = 'A1'")
    dbt_vars = json.dumps({"payment_inputs": "files", "year": str(YEAR)})
    done = dbt(["test", "--select", "path:tests/payment", "--vars", dbt_vars], perturbed, tmp_path, check=False)
    assert done.returncode != 0
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    status = {r["unique_id"].split(".")[2]: r["status"] for r in results}
    assert status == {
        "assert_clearing_distributes_budget_exactly": "fail",
        "assert_cleared_equals_budget_less_surplus_plus_fund": "fail",
        "assert_monthly_amounts_sum_to_cases": "fail",
        "assert_every_case_in_one_hospital_and_pool": "fail",
        "assert_budget_pools_fully_distributed": "pass",  # the budget mart itself was not perturbed
    }


def test_invalid_inputs_name_file_row_and_field(tmp_path):
    inputs = tmp_path / "inputs"
    shutil.copytree(EXAMPLE, inputs)
    cases = (inputs / "cases.csv").read_text(encoding="utf-8").replace("B2,HB,2024-02,DRG,120,", "B2,HB,2024-02,DRG,12o,")
    (inputs / "cases.csv").write_text(cases.replace(",HC,2024-04,DIP,60,", ",HX,2024-04,DIP,60,"), encoding="utf-8")
    messages = []
    assert clear_cli.clear(inputs, YEAR, tmp_path / "out", echo=messages.append) == 2
    text = "\n".join(messages)
    assert "cases.csv, row 7, field points: '12o' is not a number" in text
    assert "cases.csv, row 10, field fixmedins_code: 'HX' is not in hospitals.csv" in text
    assert not (tmp_path / "out").exists()


def test_a_year_without_budget_is_refused(tmp_path):
    messages = []
    assert clear_cli.clear(EXAMPLE, 2025, tmp_path / "out", echo=messages.append) == 2
    assert "budget.csv has no row for year 2025" in "\n".join(messages)


# --- the warehouse path: the same models on seeds and case-point marts --------------------------------

HOSPITALS = [  # code, name, tier, method, primary care, tcm -> 1.00, 0.82+0.03+0.05, 0.82+0.03
    ("HA", "Hospital A (tier 1)", 1, "DRG", 0, 0),
    ("HB", "Hospital B (tier 3)", 3, "DRG", 1, 1),
    ("HC", "Hospital C (county)", 3, "DIP", 1, 0),
]


def _example(name: str) -> list[dict]:
    return read_csv(EXAMPLE / f"{name}.csv")


def _replace(con, table: str, rows: list[dict], columns: list[str]) -> None:
    con.execute(f"delete from {table}")
    for row in rows:
        con.execute(f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' for _ in columns)})",
                    [row.get(c) or None for c in columns])


def write_mini_region(db: Path) -> None:
    """Replace the payment seeds with the mini region and write its case points and lists."""
    with duckdb.connect(str(db), config=duckdb_connection_config(db)) as con:  # as dbt's (same process)
        con.execute("update reference.policy_parameters set value = '0.05' "
                    "where year = 2024 and parameter = 'payment_expected_points_growth'")
        con.execute("delete from reference.hospitals")
        for code, name, tier, method, primary, tcm in HOSPITALS:
            con.execute("insert into reference.hospitals values (?, ?, '370303', ?, '', ?, ?, ?, 0, '2023-01-01', null)",
                        [code, name, tier, method, primary, tcm])
        for seed, name in (("payment_budget", "budget"), ("payment_history_points", "history_points"),
                           ("payment_special_cases", "special_cases"), ("payment_audit_deductions", "audit_deductions"),
                           ("payment_penalties", "penalties"), ("payment_assessment_scores", "assessment_scores")):
            rows = _example(name)
            _replace(con, f"reference.{seed}", rows, list(rows[0].keys()))
        cases = _example("cases")
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists staging")
        con.execute("create table marts.fct_drg_case_points (setl_id varchar, fixmedins_code varchar, data_month varchar, "
                    "drg varchar, basic_group boolean, points decimal(18,4), case_type varchar)")
        con.execute("create table marts.fct_dip_case_points (setl_id varchar, fixmedins_code varchar, data_month varchar, "
                    "disease_code varchar, deviation_class varchar, points decimal(18,4), primary_care_disease boolean)")
        con.execute("create table staging.stg_setlinfo (setl_id varchar, data_month varchar, hifp_pay decimal(18,2), "
                    "insu_admdvs varchar)")
        # no supervision here: an empty review list (the clearing adds the confirmed flags' penalties)
        con.execute("create table marts.mart_supervision__flag_reviews (year integer, fixmedins_code varchar, "
                    "status varchar, penalty_amount decimal(18,2))")
        for c in cases:
            flag = c["uniform_coefficient"] == "1"
            if c["pool"] == "DRG":
                con.execute("insert into marts.fct_drg_case_points values (?, ?, ?, 'XX19', ?, ?, 'normal')",
                            [c["setl_id"], c["fixmedins_code"], c["data_month"], flag, c["points"]])
            else:
                con.execute("insert into marts.fct_dip_case_points values (?, ?, ?, 'I63.9', 'normal', ?, ?)",
                            [c["setl_id"], c["fixmedins_code"], c["data_month"], c["points"], flag])
            con.execute("insert into staging.stg_setlinfo values (?, ?, ?, ?)",
                        [c["setl_id"], c["data_month"], c["fund_amount"], c["insu_admdvs"]])


PAYMENT_SEEDS = ["policy_parameters", "hospitals", "insured_regions", "payment_budget", "payment_history_points",
                 "payment_special_cases", "payment_audit_deductions", "payment_penalties", "payment_assessment_scores"]
# the case points are written by hand below (write_mini_region), not built from a grouping
MONTHLY_SELECT = ["--select", "path:models/intermediate/payment", "path:models/marts/payment",
                  "--exclude", "tag:yearly", "fct_drg_case_points", "fct_dip_case_points"]
YEARLY_SELECT = ["--select", "tag:yearly,path:models/intermediate/payment", "tag:yearly,path:models/marts/payment"]


SNAPSHOT_QUERIES = {
    "hospital_year": "select * from marts.mart_clearing__hospital_year order by all",
    "hospital_month": "select * from marts.mart_payment__hospital_month order by all",
    "cases": "select * from marts.fct_payment_case order by all",
}


def build_warehouse_path(db: Path, work: Path) -> None:
    """Seed, write the mini region, run each month and the year, then rematerialise one month and
    the year; snapshots of the marts before and after go to work/snapshots.json.

    Runs in its own process (see the fixture) with dbt's programmatic runner: the project is parsed
    once and every invocation reuses the manifest (a CLI call per month would parse again for each
    new --vars, several seconds each on the shared machine).
    """
    from dbt.cli.main import dbtRunner

    os.environ["DRGDIP_WAREHOUSE"] = str(db)
    # dbt opens the database in this process with the project's DuckDB bounds (profiles.yml
    # config_options); every connection of this process must use the same ones
    os.environ["DRGDIP_DUCKDB_TEMP_DIRECTORY"] = duckdb_connection_config(db)["temp_directory"]
    common = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
              "--target-path", str(work / "target"), "--log-path", str(work / "logs"), "--quiet"]
    parsed = dbtRunner().invoke(["parse", *common])
    assert parsed.success, parsed.exception
    runner = dbtRunner(manifest=parsed.result)

    def invoke(*args: str, **dbt_vars) -> None:
        done = runner.invoke([*args, "--vars", json.dumps(dbt_vars), *common])
        assert done.success, f"dbt {' '.join(args)} {dbt_vars} failed: {done.exception or done.result}"

    invoke("seed", "--select", *PAYMENT_SEEDS)
    write_mini_region(db)
    months = sorted({c["data_month"] for c in _example("cases")})
    for month in months:
        invoke("build", *MONTHLY_SELECT, month=month)
    invoke("build", *YEARLY_SELECT, year=str(YEAR), month=f"{YEAR}-12")

    def snapshot() -> dict:
        with duckdb.connect(str(db), config=duckdb_connection_config(db)) as con:  # as dbt's, same process
            return {name: [[str(v) for v in row] for row in con.execute(sql).fetchall()]
                    for name, sql in SNAPSHOT_QUERIES.items()}

    before = snapshot()
    invoke("run", *MONTHLY_SELECT, month=months[1])
    invoke("run", *YEARLY_SELECT, year=str(YEAR), month=f"{YEAR}-12")
    (work / "snapshots.json").write_text(json.dumps({"before": before, "after": snapshot()}), encoding="utf-8")


@pytest.fixture(scope="module")
def warehouse_work(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("payment_warehouse")
    # tests/ on the path: the module imports the shared helpers from conftest, as pytest lets it
    script = ("import sys; sys.path.insert(0, 'tests'); from pathlib import Path; "
              "from tests.test_payment import build_warehouse_path; "
              "build_warehouse_path(Path(sys.argv[1]), Path(sys.argv[2]))")
    done = subprocess.run([sys.executable, "-c", script, str(work / "warehouse.duckdb"), str(work)],
                          cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-6000:]
    return work


@pytest.fixture(scope="module")
def warehouse_cleared(warehouse_work) -> Path:
    """The mini region through the warehouse path: monthly runs for each month with cases, then the year."""
    return warehouse_work / "warehouse.duckdb"


def test_warehouse_monthly_pre_settlement_to_the_cent(warehouse_cleared):
    rows = fetch(warehouse_cleared, "select * from marts.mart_payment__hospital_month")
    check_monthly(rows, {"HA", "HB", "HC"})


def test_warehouse_annual_clearing_to_the_cent(warehouse_cleared):
    rows = fetch(warehouse_cleared, "select * from marts.mart_clearing__hospital_year where year = ?", [YEAR])
    check_annual(rows, {"HA", "HB", "HC"})


def test_warehouse_coefficients_from_tiers_and_add_ons(warehouse_cleared):
    rows = fetch(warehouse_cleared, "select fixmedins_code, base_coefficient, addon_coefficient, coefficient, "
                                    "uniform_coefficient from intermediate.int_payment__hospitals where year = ?", [YEAR])
    assert {r["fixmedins_code"]: (r["base_coefficient"], r["addon_coefficient"], r["coefficient"], r["uniform_coefficient"])
            for r in rows} == {"HA": ("1.0000", "0.0000", "1.0000", "0.8000"),
                               "HB": ("0.8200", "0.0800", "0.9000", "0.8000"),
                               "HC": ("0.8200", "0.0300", "0.8500", "0.8000")}


def test_rematerialising_a_month_and_the_year_gives_identical_tables(warehouse_work):
    snapshots = json.loads((warehouse_work / "snapshots.json").read_text(encoding="utf-8"))
    assert snapshots["before"]["hospital_year"], "nothing was cleared"
    assert snapshots["after"] == snapshots["before"]


def test_explain_a_case_and_a_hospital(warehouse_cleared):
    with duckdb.connect(str(warehouse_cleared), read_only=True) as con:
        case = "\n".join(clear_cli.explain_case(con, "A4"))
        hospital = "\n".join(clear_cli.explain_hospital(con, "HB", YEAR))
    assert "300.0000" in case and "approved" in case and "400.0000" in case  # computed, decision, final
    assert "98.833333" in case and "100.286533" in case  # predicted and clearing point values
    for expected in ("30,787.97", "reasonable_overspend", "600.00", "1,759.82", "12675.37"):
        assert expected in hospital, expected
    with duckdb.connect(str(warehouse_cleared), read_only=True) as con:
        assert "not found" in clear_cli.explain_case(con, "NOPE")[0]


def test_the_demo_seeds_give_plausible_point_values():
    """The demo budget is sized so the predicted point values are of the order of 100 yuan."""
    rows = read_csv(REPO_ROOT / "seeds" / "payment_budget.csv")
    history = {(r["year"], r["pool"]): Decimal(r["points"]) for r in read_csv(REPO_ROOT / "seeds" / "payment_history_points.csv")}
    for r in rows:
        inpatient = Decimal(r["fund_revenue"]) * Decimal("0.9") - sum(
            Decimal(r[k]) for k in r if k.startswith("deduct_"))
        drg = inpatient * Decimal(r["drg_pool_share"]) / (history[(r["year"], "DRG")] * Decimal("1.03"))
        assert 50 < drg < 200, (r["year"], drg)
