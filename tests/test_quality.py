"""Data quality (issue 4: GX suites, upload rate, reports): tests on hand-built staged tables.

The fixtures write one clean case and, for each quality rule, a twin that differs from it in one
field (and, where a rule has a boundary, a clean twin just inside it) straight into a DuckDB file
with the staging contract, then run the real dbt quality models on it with `--select` and
`--vars`. A reader can check every expected failure by hand. The region-level acceptance tests
(generator manifest) are at the end.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.config import DBT_PROJECT_DIR, EXPECTATIONS_DIR, SEEDS_DIR, load_settings
from orchestration.interface import LINEAGE_COLUMNS, PARTS
from orchestration.resources import DBT_EXECUTABLE

MONTH = "2024-03"
H1 = "H37030300001"  # every rule's twin lives here
H2 = "H37030300002"  # only clean cases: its upload rate is 1

# Minimal catalogues: the codes the cases use (the real seeds come from GNU Health).
ICD10 = [
    # diag_code, may_be_principal, sex_restriction
    ("I21.0", 1, ""),
    ("I10", 1, ""),
    ("N40", 1, "M"),
    ("O80.0", 1, "F"),
    ("Y83.1", 0, ""),
    ("P07.1", 1, ""),
]
ICD9 = ["36.06", "88.72"]

_TYPES = {"varchar": "varchar", "integer": "integer", "decimal": "decimal(18,2)", "date": "date",
          "timestamp": "timestamp"}


def staged_columns(part: str) -> list[tuple[str, str]]:
    """The staging contract: typed interface fields (personal ones as `<name>_hmac`), data_month,
    lineage."""
    cols = []
    for f in PARTS[part]:
        name = f"{f.name}_hmac" if f.personal else f.name
        cols.append((name, "varchar" if f.personal else _TYPES[f.type]))
    cols.append(("data_month", "varchar"))
    lineage_types = {"_row_number": "integer", "_loaded_at": "timestamp"}
    cols += [(c, lineage_types.get(c, "varchar")) for c in LINEAGE_COLUMNS]
    return cols


def clean_case(setl_id: str, hospital: str = H1) -> dict:
    """A clean list with its settlement: 4 days (03-01 → 03-05), 1000.00 in two fee lines."""
    return {
        "settlement": {
            "setl_id": setl_id, "mdtrt_id": f"M{setl_id}", "psn_no": f"P{setl_id}", "fixmedins_code": hospital,
            "insutype": "310", "insu_admdvs": "370303", "setl_time": "2024-03-05 11:00:00",
            "medfee_sumamt": Decimal("1000.00"), "hifp_pay": Decimal("700.00"), "psn_cash_pay": Decimal("300.00"),
        },
        "setlinfo": {
            "setl_id": setl_id, "mdtrt_id": f"M{setl_id}", "psn_no": f"P{setl_id}", "fixmedins_code": hospital,
            "fixmedins_name": "demo", "medcasno": f"MC{setl_id}", "psn_name_hmac": "ab", "certno_hmac": "cd",
            "gend": "1", "brdy": "1974-05-01", "age": 49, "nwb_age": None, "nwb_bir_wt": None, "nwb_adm_wt": None,
            "insutype": "310", "insu_admdvs": "370303", "ipt_med_type": "1",
            "adm_time": "2024-03-01 08:00:00", "dscg_time": "2024-03-05 10:00:00", "act_ipt_days": 4,
            "dscg_way": "1", "vent_used_dura": None, "days_rinp_flag_31": "1", "hi_paymtd": "DRG",
            "medfee_sumamt": Decimal("1000.00"), "hifp_pay": Decimal("700.00"), "psn_selfpay": Decimal("200.00"),
            "psn_ownpay": Decimal("100.00"), "psn_cashpay": Decimal("300.00"), "dcla_time": "2024-03-10 09:00:00",
        },
        "diseinfo": [
            {"diag_srt_no": 1, "diag_code": "I21.0", "diag_name": "AMI", "maindiag_flag": "1", "adm_cond_type": "1"},
            {"diag_srt_no": 2, "diag_code": "I10", "diag_name": "HTN", "maindiag_flag": "0", "adm_cond_type": "1"},
        ],
        "oprninfo": [
            {"oprn_srt_no": 1, "oprn_oprt_code": "36.06", "oprn_oprt_name": "stent", "oprn_oprt_type": "1",
             "oprn_oprt_date": "2024-03-02"},
        ],
        "iteminfo": [
            {"med_chrgitm": "01", "amt": Decimal("400.00"), "claa_sumfee": Decimal("400.00"), "clab_amt": None,
             "fulamt_ownpay_amt": None, "oth_amt": None},
            {"med_chrgitm": "09", "amt": Decimal("600.00"), "claa_sumfee": None, "clab_amt": Decimal("600.00"),
             "fulamt_ownpay_amt": None, "oth_amt": None},
        ],
    }


def _twin(setl_id: str, change) -> dict:
    case = clean_case(setl_id)
    change(case)
    return case


def _set(part, **values):
    def change(case):
        case[part].update(values)
    return change


def _no_list(case):
    case["setlinfo"] = None


def _diag(index, **values):
    def change(case):
        case["diseinfo"][index].update(values)
    return change


def _newborn(bir_wt, adm_wt, age=10):
    return _set("setlinfo", age=0, brdy="2024-02-20", nwb_age=age, nwb_bir_wt=bir_wt, nwb_adm_wt=adm_wt)


# rule → (bad twin, clean twin at the boundary or None). The clean twins must raise nothing.
RULE_CASES = {
    "required_missing": (_set("setlinfo", medcasno=None), None),
    "list_missing": (_no_list, None),
    "diag_code_unknown": (_diag(1, diag_code="X99.9"), None),
    "oprn_code_unknown": (lambda c: c["oprninfo"][0].update(oprn_oprt_code="99.99"), None),
    "principal_diag_not_allowed": (_diag(0, diag_code="Y83.1"), None),
    "sex_restriction_mismatch": (
        lambda c: (c["setlinfo"].update(gend="2"), c["diseinfo"][1].update(diag_code="N40")),
        lambda c: c["diseinfo"][1].update(diag_code="N40"),  # a man with a male-only code
    ),
    "code_not_allowed": (lambda c: c["iteminfo"][1].update(med_chrgitm="15"), None),
    "dscg_before_adm": (_set("setlinfo", adm_time="2024-03-06 08:00:00"), None),
    "ipt_days_mismatch": (_set("setlinfo", act_ipt_days=7),
                          _set("setlinfo", dscg_time="2024-03-01 18:00:00", act_ipt_days=1)),  # same day = 1
    "fee_sum_mismatch": (_set("setlinfo", medfee_sumamt=Decimal("1000.02")),
                         _set("setlinfo", medfee_sumamt=Decimal("1000.01"))),  # within the 0.01 tolerance
    "newborn_weight_missing": (_newborn(None, 3100), _newborn(None, None, age=29)),  # 29 days: not required
    "principal_diag_count": (_diag(1, maindiag_flag="1"), None),
    "upload_late": (_set("setlinfo", dcla_time="2024-04-04 11:00:01"),
                    _set("setlinfo", dcla_time="2024-04-04 11:00:00")),  # exactly 30 days after settlement
}


def build_cases(rules=None) -> list[dict]:
    """The clean case, every rule's bad twin (`B_<rule>`) and its clean twin (`C_<rule>`), a list
    quarantined by staging (uploaded on time, so no rule may fire), and two clean cases at H2."""
    quarantined = clean_case("Q_BADDATE")
    quarantined["quarantined"] = True  # its list arrived but staging refused it (see _write_quarantine)
    cases = [clean_case("CLEAN1"), clean_case("H2CLEAN1", H2), clean_case("H2CLEAN2", H2), quarantined]
    for rule, (bad, good) in RULE_CASES.items():
        if rules and rule not in rules:
            continue
        cases.append(_twin(f"B_{rule}", bad))
        if good:
            cases.append(_twin(f"C_{rule}", good))
    return cases


def _rows(cases: list[dict]) -> dict[str, list[dict]]:
    rows = {part: [] for part in PARTS} | {"uploads": []}
    for case in cases:
        rows["settlements"].append(case["settlement"])
        head = case["setlinfo"]
        if head is None:
            continue
        rows["uploads"].append(head)
        if case.get("quarantined"):
            continue
        rows["setlinfo"].append(head)
        for part in ("diseinfo", "oprninfo", "iteminfo"):
            for child in case[part]:
                rows[part].append({"setl_id": head["setl_id"], "dcla_time": head["dcla_time"], **child})
    return rows


def _data_month(part: str, row: dict, heads: dict) -> str:
    """Settlements: the settlement month; list parts: the header's discharge month (as staging)."""
    stamp = row["setl_time"] if part == "settlements" else heads[row["setl_id"]]["dscg_time"]
    return str(stamp)[:7]


def write_staging(warehouse: Path, cases: list[dict]) -> None:
    """Create staging.stg_* (and the quarantine tables) with the contract's columns, insert the cases."""
    rows = _rows(copy.deepcopy(cases))
    heads = {r["setl_id"]: r for r in rows["setlinfo"]}
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists staging")
        for part in PARTS:
            cols = staged_columns(part)
            names = [n for n, _ in cols]
            table = f"staging.stg_{part}"
            con.execute(f"create or replace table {table} ({', '.join(f'{n} {t}' for n, t in cols)})")
            for i, row in enumerate(rows[part], start=1):
                hospital = row.get("fixmedins_code") or heads[row["setl_id"]]["fixmedins_code"]
                values = {**row, "data_month": _data_month(part, row, heads), "_landing_month": MONTH,
                          "_source_file": f"{MONTH}/{hospital}/{part}.csv", "_row_number": i,
                          "_file_hash": "0" * 64, "_loaded_at": "2024-04-01 00:00:00"}
                con.execute(
                    f"insert into {table} ({', '.join(names)}) values ({', '.join('?' for _ in names)})",
                    [values.get(n) for n in names],
                )
        # base_raw__setlinfo: every upload that reached raw (here: one per list, incl. quarantined)
        con.execute("create or replace table staging.base_raw__setlinfo "
                    "(setl_id varchar, dcla_time timestamp, data_month varchar, row_status varchar)")
        for head in rows["uploads"]:
            con.execute("insert into staging.base_raw__setlinfo values (?, ?, ?, ?)",
                        [head["setl_id"], head["dcla_time"], str(head["dscg_time"])[:7],
                         "staged" if head["setl_id"] in heads else "quarantined"])
        _write_quarantine(con)
    finally:
        con.close()


# One row refused by staging (unparseable admission time) and one file refused at ingestion.
STG_QUARANTINE_COLUMNS = (
    "part varchar, data_month varchar, _landing_month varchar, _source_file varchar, _row_number bigint, "
    "fixmedins_code varchar, setl_id varchar, field varchar, reason_code varchar, message varchar, "
    "reason_description varchar, stage varchar"
)
RAW_QUARANTINE_COLUMNS = (
    "landing_month varchar, source_file varchar, part varchar, row_number bigint, field varchar, "
    "reason_code varchar, message varchar, record varchar, stage varchar, detected_at timestamp"
)


def _write_quarantine(con) -> None:
    con.execute(f"create or replace table staging.stg_quarantine ({STG_QUARANTINE_COLUMNS})")
    con.execute(
        "insert into staging.stg_quarantine values ('setlinfo', ?, ?, ?, 7, ?, 'Q_BADDATE', 'adm_time', "
        "'UNPARSEABLE_DATE', ?, 'A date or time cannot be read.', 'staging')",
        [MONTH, MONTH, f"{MONTH}/{H1}/setlinfo.csv", H1,
         f"{MONTH}/{H1}/setlinfo.csv, row 7: adm_time (入院时间) has value 2024-13-01, which is not a date-time"],
    )
    con.execute("create schema if not exists raw")
    con.execute(f"create or replace table raw.quarantine ({RAW_QUARANTINE_COLUMNS})")
    con.execute(
        "insert into raw.quarantine values (?, ?, 'iteminfo', null, null, 'TRUNCATED_FILE', ?, null, "
        "'ingestion', '2024-04-01 00:00:00')",
        [MONTH, f"{MONTH}/{H2}/iteminfo.csv", f"{MONTH}/{H2}/iteminfo.csv: the file ends in the middle of row 3"],
    )


def write_reference(warehouse: Path) -> None:
    """reference.* as `dbt seed` would load them: the committed seeds, minimal catalogues."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists reference")
        for seed in ("policy_parameters", "fee_categories", "hospitals"):
            con.execute(
                f"create or replace table reference.{seed} as "
                f"select * from read_csv(?, header = true, all_varchar = {'true' if seed != 'policy_parameters' else 'false'})",
                [str(SEEDS_DIR / f"{seed}.csv")],
            )
        con.execute("create or replace table reference.icd10_diagnoses (catalogue_version varchar, "
                    "diag_code varchar, diag_name varchar, is_leaf integer, sex_restriction varchar, "
                    "may_be_principal integer, principal_restriction_reason varchar)")
        for code, principal, sex in ICD10:
            con.execute("insert into reference.icd10_diagnoses values ('test', ?, ?, 1, ?, ?, ?)",
                        [code, code, sex or None, principal, None if principal else "external cause"])
        con.execute("create or replace table reference.icd9_procedures (catalogue_version varchar, "
                    "oprn_code varchar, oprn_name varchar)")
        for code in ICD9:
            con.execute("insert into reference.icd9_procedures values ('test', ?, ?)", [code, code])
    finally:
        con.close()


# --- running the real dbt models on the hand-built tables --------------------------------------

QUALITY_MODELS = ("int_quality__case_checks", "mart_quality__upload_rate")


def run_dbt(warehouse: Path, work: Path, month: str = MONTH, select=QUALITY_MODELS) -> None:
    """`dbt run` of the quality models (or `select`); target and logs in `work` (other runs may
    share the project directory)."""
    for seed in ("icd10_diagnoses", "icd9_procedures", "policy_parameters", "fee_categories"):
        if not (SEEDS_DIR / f"{seed}.csv").exists():
            pytest.skip(f"seeds/{seed}.csv is missing (run `drgdip catalogues` / `make setup`)")
    done = subprocess.run(
        [DBT_EXECUTABLE, "run", "--select", *select, "--vars", json.dumps({"month": month}),
         "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
         "--target-path", str(work / "target"), "--log-path", str(work / "logs")],
        env={**os.environ, "DRGDIP_WAREHOUSE": str(warehouse)}, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def make_region(root: Path, cases: list[dict]):
    settings = load_settings().with_paths(root)
    root.mkdir(parents=True, exist_ok=True)
    write_reference(settings.warehouse)
    write_staging(settings.warehouse, cases)
    run_dbt(settings.warehouse, root)
    return settings


@pytest.fixture(scope="module")
def bad_region(tmp_path_factory):
    """Every rule's bad twin (and the boundary twins) beside clean cases, dbt models built."""
    return make_region(tmp_path_factory.mktemp("bad"), build_cases())


@pytest.fixture(scope="module")
def clean_region(tmp_path_factory, bad_region):
    """The bad region's warehouse with only clean cases restaged and the month rebuilt: proves a
    rerun replaces the month (no failure survives) as well as giving a clean month."""
    root = tmp_path_factory.mktemp("clean")
    settings = load_settings().with_paths(root)
    shutil.copy(bad_region.warehouse, settings.warehouse)
    clean = [c for c in build_cases() if not c["settlement"]["setl_id"].startswith(("B_", "Q_"))]
    write_staging(settings.warehouse, clean)
    run_dbt(settings.warehouse, root)
    return settings


def query(settings, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


# --- the contract of the rules ------------------------------------------------------------------

def test_required_field_lists_follow_the_interface():
    sql = (DBT_PROJECT_DIR / "models/intermediate/quality/int_quality__case_checks.sql").read_text()
    header = re.search(r"set required_setlinfo = \[(.*?)\]", sql, re.DOTALL).group(1)
    listed = re.findall(r"'(\w+)'", header)
    keys = {"setl_id", "dcla_time"}  # staging quarantines rows without them
    assert listed == [f.name for f in PARTS["setlinfo"] if f.required and f.name not in keys]
    for part in ("diseinfo", "oprninfo", "iteminfo"):
        block = re.search(rf"'{part}': \[(.*?)\]", sql).group(1)
        assert re.findall(r"'(\w+)'", block) == [f.name for f in PARTS[part] if f.required and f.name not in keys]


def _without_ids(value):
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k not in ("id", "data_context_id")}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def test_committed_gx_project_is_what_the_suites_module_generates(tmp_path):
    from orchestration.quality.rules import TABLES
    from orchestration.quality.suites import write_project

    generated = write_project(tmp_path)
    committed = EXPECTATIONS_DIR / "gx"
    for sub in ("expectations", "validation_definitions", "checkpoints"):
        names = sorted(p.name for p in (generated / sub).glob("*.json"))
        assert names == sorted(p.name for p in (committed / sub).glob("*.json")), sub
        for name in names:
            ours = json.loads((generated / sub / name).read_text(encoding="utf-8"))
            theirs = json.loads((committed / sub / name).read_text(encoding="utf-8"))
            assert _without_ids(ours) == _without_ids(theirs), f"{sub}/{name}: run python -m orchestration.quality.suites"
    assert len(list((committed / "expectations").glob("*.json"))) == len(TABLES) == 8
    assert not (committed / "uncommitted").exists()


# --- each rule fires on its bad twin and nowhere else -------------------------------------------

@pytest.mark.parametrize("rule", sorted(RULE_CASES))
def test_rule_fires_on_its_bad_twin_only(bad_region, rule):
    rows = query(bad_region, "select setl_id, rule, severity, message from intermediate.int_quality__case_checks "
                             "where setl_id in (?, ?)", [f"B_{rule}", f"C_{rule}"])
    assert {(r[0], r[1]) for r in rows} == {(f"B_{rule}", rule)}, rows
    assert all(r[3] for r in rows)


def test_clean_cases_raise_nothing(bad_region):
    rows = query(bad_region, "select setl_id, rule from intermediate.int_quality__case_checks "
                             "where not starts_with(setl_id, 'B_')")
    assert rows == []
    rules = {r[0] for r in query(bad_region, "select distinct rule from intermediate.int_quality__case_checks")}
    assert rules == set(RULE_CASES)


def test_messages_name_field_and_values(bad_region):
    (row,) = query(bad_region, "select field, value, message from intermediate.int_quality__case_checks "
                               "where rule = 'fee_sum_mismatch'")
    message = ("total cost (medfee_sumamt) 1000.02 differs from the sum of the fee categories 1000.00 "
               "by more than 0.01")
    assert row == ("setlinfo.medfee_sumamt", "1000.02", message)


def test_upload_rate_per_hospital(bad_region):
    rows = query(bad_region, "select fixmedins_code, settlements, lists, on_time_lists, rate, min_upload_rate, "
                             "passed from marts.mart_quality__upload_rate where data_month = ? order by 1", [MONTH])
    # clean + quarantined + bad twins + clean twins
    n_h1 = 2 + sum(2 if good else 1 for _, good in RULE_CASES.values())
    # one settlement has no list (list_missing), one list is late (upload_late); the quarantined
    # list arrived on time and counts
    assert rows == [
        (H1, n_h1, n_h1 - 1, n_h1 - 2, Decimal(f"{(n_h1 - 2) / n_h1:.4f}"), Decimal("0.9500"), False),
        (H2, 2, 2, 2, Decimal("1.0000"), Decimal("0.9500"), True),
    ]


def test_rebuilding_the_month_replaces_it(clean_region):
    assert query(clean_region, "select count(*) from intermediate.int_quality__case_checks")[0][0] == 0
    rates = query(clean_region, "select fixmedins_code, rate, passed from marts.mart_quality__upload_rate order by 1")
    assert rates == [(H1, Decimal("1.0000"), True), (H2, Decimal("1.0000"), True)]


# --- Great Expectations --------------------------------------------------------------------------

def test_gx_suites_pass_on_clean_data_and_build_data_docs(clean_region):
    from orchestration.quality.gx_runner import month_docs_dir, run_month

    outcomes = run_month(clean_region, MONTH)
    assert {t: o.success for t, o in outcomes.items()} == {t: True for t in outcomes}
    assert len(outcomes) == 7
    docs = month_docs_dir(clean_region, MONTH)
    assert (docs / "index.html").exists()
    assert all(o.docs_page and Path(o.docs_page).exists() for o in outcomes.values())
    index = (clean_region.reports_dir / "quality" / "index.html").read_text(encoding="utf-8")
    assert f'href="{MONTH}/index.html"' in index
    # one Data Docs site, each validation a run named after its month, readable without a network
    site = clean_region.reports_dir / "quality" / "site"
    assert all(f"/{MONTH}/" in o.docs_page and Path(o.docs_page).is_relative_to(site) for o in outcomes.values())
    pages = [p.read_text(encoding="utf-8") for p in site.rglob("*.html")]
    assert pages and not any(re.search(r"<(script|link)[^>]+(src|href)=\"https?://", page) for page in pages)
    assert (site / "static" / "vendor").is_dir()
    month_page = (docs / "index.html").read_text(encoding="utf-8")
    assert all(table in month_page for table in outcomes)
    # nothing generated went into the repository
    assert not (EXPECTATIONS_DIR / "gx" / "uncommitted").exists()


def test_gx_suites_fail_on_bad_data(bad_region):
    from orchestration.quality.gx_runner import run_month

    outcomes = run_month(bad_region, MONTH)
    assert outcomes["stg_settlements"].success
    cases = outcomes["int_quality__case_checks"]
    assert not cases.success and not cases.critical_failed
    assert {f["rule"] for f in cases.failed} == set(RULE_CASES)
    page = Path(cases.docs_page).read_text(encoding="utf-8")  # the officer sees which cases failed
    assert all(f"B_{rule}" in page for rule in RULE_CASES)
    rate = outcomes["mart_quality__upload_rate"]
    assert [(f["column"], f["severity"]) for f in rate.failed] == [("rate", "warning")]
    # an empty required field in staging means staging let a bad row through: critical
    setlinfo = outcomes["stg_setlinfo"]
    assert setlinfo.critical_failed
    assert any(f["column"] == "medcasno" and f["severity"] == "critical" for f in setlinfo.failed)
    assert not outcomes["stg_diseinfo"].success and not outcomes["stg_diseinfo"].critical_failed


def test_gx_thresholds_come_from_policy_parameters(bad_region, tmp_path):
    from orchestration.quality.gx_runner import run_month

    settings = load_settings().with_paths(tmp_path)
    shutil.copy(bad_region.warehouse, settings.warehouse)
    con = duckdb.connect(str(settings.warehouse))
    con.execute("update reference.policy_parameters set value = '0.5' "
                "where parameter = 'min_upload_rate' and cast(year as integer) = 2024")
    con.close()
    outcome = run_month(settings, MONTH, tables=["mart_quality__upload_rate"])["mart_quality__upload_rate"]
    assert outcome.success


# --- Dagster: checks per partition, feedback asset ----------------------------------------------

def _stub_assets():
    """The validated tables as do-nothing partitioned assets: the fixture already built them."""
    from dagster import asset

    from orchestration.assets.quality import dbt_asset_key
    from orchestration.partitions import monthly_partitions
    from orchestration.quality.rules import TABLES

    def stub(table):
        @asset(key=dbt_asset_key(table), partitions_def=monthly_partitions)
        def _stub():
            return None

        return _stub

    return [stub(t) for t in TABLES]


def test_dagster_checks_block_only_on_critical_failures(bad_region):
    from dagster import AssetCheckSeverity, materialize

    from orchestration.assets.quality import ASSET_CHECKS
    from orchestration.resources import build_resources

    result = materialize([*_stub_assets(), *ASSET_CHECKS], partition_key=MONTH,
                         resources=build_resources(bad_region), raise_on_error=False)
    evaluations = {e.check_name: e for e in result.get_asset_check_evaluations()}
    # one multi-asset check, one result per suite; this warehouse was never grouped
    assert set(evaluations) == {f"gx_{t}" for t in (
        "stg_settlements", "stg_setlinfo", "stg_diseinfo", "stg_oprninfo", "stg_iteminfo",
        "mart_quality__upload_rate", "int_quality__case_checks", "mart_quality__grouping_rate")}
    grouping = evaluations["gx_mart_quality__grouping_rate"]
    assert not grouping.passed and grouping.severity == AssetCheckSeverity.WARN
    assert "not in the warehouse" in grouping.description
    assert evaluations["gx_stg_settlements"].passed
    setlinfo = evaluations["gx_stg_setlinfo"]
    assert not setlinfo.passed and setlinfo.severity == AssetCheckSeverity.ERROR
    assert MONTH in setlinfo.description  # "0 of 1 months pass; failing: 2024-03"
    rate = evaluations["gx_mart_quality__upload_rate"]
    assert not rate.passed and rate.severity == AssetCheckSeverity.WARN
    meta = rate.metadata
    assert meta["success_percent_by_month"].value[MONTH] < 100
    assert Path(meta["data_docs"].value).exists() and Path(meta["month_page"].value).exists()
    assert any("rate" in f for f in meta["failed_expectations_by_month"].value[MONTH])
    # each month's result is an observation on that month's partition of the validated table
    observations = [e.event_specific_data.asset_observation for e in result.all_events
                    if e.event_type_value == "ASSET_OBSERVATION"]
    by_suite = {o.metadata["gx_suite"].value: o for o in observations if "gx_suite" in o.metadata}
    assert by_suite["stg_setlinfo"].partition == MONTH and by_suite["stg_setlinfo"].metadata["gx_success"].value is False
    assert by_suite["stg_settlements"].metadata["gx_success"].value is True
    assert not result.success  # the blocking ERROR fails the run


def test_quality_feedback_asset_writes_files_per_hospital(bad_region):
    from dagster import materialize
    from openpyxl import load_workbook

    from orchestration.assets.quality import quality_feedback
    from orchestration.resources import build_resources

    result = materialize([quality_feedback], partition_key=MONTH, resources=build_resources(bad_region))
    assert result.success
    folder = bad_region.feedback_dir / MONTH
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{H1}.csv", f"{H1}.xlsx", f"{H2}.csv", f"{H2}.xlsx", "_summary.csv"])
    with (folder / f"{H1}.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["rule"] for r in rows if r["source"] == "case_check"} == set(RULE_CASES)
    assert {(r["setl_id"], r["rule"]) for r in rows if r["source"] == "case_check"} == {
        (f"B_{rule}", rule) for rule in RULE_CASES}
    assert [r["rule"] for r in rows if r["source"] == "quarantine"] == ["UNPARSEABLE_DATE"]
    with (folder / f"{H2}.csv").open(encoding="utf-8-sig") as fh:
        assert [r["rule"] for r in csv.DictReader(fh)] == ["TRUNCATED_FILE"]
    sheet = load_workbook(folder / f"{H1}.xlsx")["failures"]
    assert sheet.max_row == len(rows) + 1
    assert (bad_region.reports_dir / "quality" / MONTH / "index.html").exists()


def test_cli_prints_a_summary_per_hospital(bad_region, tmp_path, capsys):
    from orchestration.cli import main

    config = tmp_path / "drgdip.toml"
    config.write_text(f'[paths]\nwarehouse = "{bad_region.warehouse}"\nreports_dir = "{tmp_path / "reports"}"\n')
    assert main(["--config", str(config), "quality", "--month", MONTH]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[1].split()[:3] == ["hospital", "settlements", "lists"]
    h1 = next(line for line in lines if line.startswith(H1)).split()
    assert h1[5:8] == ["NO", "1", str(len(RULE_CASES))]  # target met, quarantined rows, failing cases
    assert "fee_sum_mismatch:1" in out
    assert main(["--config", str(config), "quality", "--month", MONTH, "--hospital", H2, "--cases"]) == 0
    out = capsys.readouterr().out
    assert H1 not in out and "TRUNCATED_FILE" in out


# --- acceptance: a small generated region against the generator's ground-truth manifest ---------

REGION_MONTHS = ("2024-01", "2024-02")
# Each injected defect kind → where the pipeline reports it: a case-check rule, or the reason code
# of a quarantined row (staging) or file (ingestion).
DETECTED_BY_RULE = {
    "no_list": {"list_missing"},
    "late_upload": {"upload_late"},
    "unknown_diag_code": {"diag_code_unknown"},
    "unknown_oprn_code": {"oprn_code_unknown"},
    # an external-cause code absent from the catalogue is reported as unknown (it cannot be a valid
    # principal either); one present with may_be_principal = 0 as not allowed
    "invalid_principal_diag": {"principal_diag_not_allowed", "diag_code_unknown"},
    "reversed_dates": {"dscg_before_adm"},
    "fee_sum_mismatch": {"fee_sum_mismatch"},
    "sex_code_conflict": {"sex_restriction_mismatch"},
}
DETECTED_BY_QUARANTINE = {
    "missing_required": {"MISSING_REQUIRED"},
    "unparseable_value": {"UNPARSEABLE_DATE", "UNPARSEABLE_NUMBER"},
    "duplicate_row": {"DUPLICATE_ROW"},
}
DETECTED_BY_FILE = {"truncated_file": "TRUNCATED_FILE", "mislabelled_encoding": "ENCODING_ERROR"}
NOT_IN_CURRENT_DATA = {"superseded_version", "re_upload"}  # the fault lives only in raw


@pytest.fixture(scope="module")
def region(tmp_path_factory, reference_warehouse):
    """Four hospitals, two months, defect rates raised so every kind occurs: generated, ingested,
    staged and quality-checked month by month."""
    generator = pytest.importorskip("orchestration.demo.generator")
    from orchestration.assets.ingestion import ingest_month

    settings = load_settings().with_paths(tmp_path_factory.mktemp("region"))
    shutil.copyfile(reference_warehouse, settings.warehouse)
    rates = generator.DefectRates(
        upload_rate_min=0.8, upload_rate_full_share=0.0, late_upload=0.04, correction=0.03,
        unknown_diag_code=0.03, unknown_oprn_code=0.03, invalid_principal_diag=0.03, reversed_dates=0.03,
        fee_sum_mismatch=0.03, missing_required=0.03, unparseable_value=0.03, sex_code_conflict=0.03,
        duplicate_row=0.03, truncated_file=0.1, mislabelled_encoding=0.1,
    )
    generator.generate_region(settings, seed=7, hospitals=4, years=(2024,), months=REGION_MONTHS,
                              cases_per_year=1800, defect_rates=rates)
    for month in REGION_MONTHS:  # every delivery first: late uploads land in later folders
        ingest_month(settings, month)
    # `dbt run` without the tests (test_staging runs the Dagster asset with them): keeps this fast
    for month in REGION_MONTHS:
        run_dbt(settings.warehouse, settings.data_dir, month, select=("path:models/staging", *QUALITY_MODELS))
    return settings


def _manifest(settings, name: str) -> list[dict]:
    with (settings.data_dir / "manifest" / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_upload_rate_equals_the_manifest(region):
    expected = {
        (r["fixmedins_code"], r["month"]): (int(r["settlements"]), int(r["lists"]), int(r["on_time_lists"]),
                                            Decimal(r["rate"]).quantize(Decimal("0.0001")))
        for r in _manifest(region, "upload_rates.csv") if int(r["settlements"])
    }
    actual = {
        (code, month): (n, lists, on_time, rate)
        for code, month, n, lists, on_time, rate in query(
            region, "select fixmedins_code, data_month, settlements, lists, on_time_lists, rate "
                    "from marts.mart_quality__upload_rate")
    }
    assert actual == expected
    assert any(lists > on_time for _, lists, on_time, _ in actual.values())  # late uploads were counted


@pytest.mark.slow
def test_every_injected_defect_is_detected(region):
    defects = _manifest(region, "defects.csv")
    kinds = {d["defect_kind"] for d in defects}
    assert set(DETECTED_BY_RULE) | set(DETECTED_BY_QUARANTINE) | set(DETECTED_BY_FILE) <= kinds, kinds
    rules = set(query(region, "select setl_id, rule from intermediate.int_quality__case_checks"))
    reasons = set(query(region, "select setl_id, reason_code from staging.stg_quarantine"))
    files = {(src.split("/")[0], src.split("/")[1], part, reason) for src, part, reason in query(
        region, "select replace(source_file, '\\', '/'), part, reason_code from raw.quarantine "
                "where row_number is null")}
    # a row defect inside a file refused as a whole is detected as that file's quarantine
    refused = {(d["setl_id"], d["landing_month"]): d for d in defects if d["defect_kind"] in DETECTED_BY_FILE}
    missed = []
    for d in defects:
        kind, setl_id = d["defect_kind"], d["setl_id"]
        if kind in NOT_IN_CURRENT_DATA:
            continue
        if kind not in DETECTED_BY_FILE and (setl_id, d["landing_month"]) in refused:
            d = refused[(setl_id, d["landing_month"])]
            kind = d["defect_kind"]
        if kind in DETECTED_BY_RULE:
            found = any((setl_id, rule) in rules for rule in DETECTED_BY_RULE[kind])
        elif kind in DETECTED_BY_QUARANTINE:
            found = any((setl_id, reason) in reasons for reason in DETECTED_BY_QUARANTINE[kind])
        else:
            found = (d["landing_month"], d["fixmedins_code"], d["part"], DETECTED_BY_FILE[kind]) in files
        if not found:
            missed.append(d)
    assert missed == [], f"{len(missed)} injected defects not detected, e.g. {missed[:3]}"


@pytest.mark.slow
def test_clean_cases_raise_nothing_in_the_region(region):
    touched = {d["setl_id"] for d in _manifest(region, "defects.csv")}
    flagged = {r[0]: r[1] for r in query(region, "select setl_id, rule from intermediate.int_quality__case_checks")}
    flagged |= {r[0]: r[1] for r in query(region, "select setl_id, reason_code from staging.stg_quarantine "
                                                  "where setl_id is not null")}
    false_positives = {s: rule for s, rule in flagged.items() if s not in touched}
    assert false_positives == {}
    n_clean = query(region, "select count(*) from staging.stg_settlements")[0][0] - len(touched)
    assert n_clean > 100  # the region is mostly clean: the check above is not vacuous


@pytest.mark.slow
def test_superseded_faults_do_not_survive_the_correction(region):
    fault_rule = {"unknown_diag_code": "diag_code_unknown", "fee_sum_mismatch": "fee_sum_mismatch",
                  "invalid_principal_diag": "principal_diag_not_allowed"}
    rules = set(query(region, "select setl_id, rule from intermediate.int_quality__case_checks"))
    defects = _manifest(region, "defects.csv")
    # a correction delivered in a file refused as a whole never arrived: the fault stays current
    refused = {d["setl_id"] for d in defects if d["defect_kind"] in DETECTED_BY_FILE}
    superseded = [d for d in defects if d["defect_kind"] == "superseded_version" and d["setl_id"] not in refused]
    assert superseded
    for d in superseded:
        fault = d["detail"].split(":")[0]
        assert (d["setl_id"], fault_rule.get(fault, "")) not in rules, d


@pytest.mark.slow
def test_region_reports_build(region):
    from orchestration.quality.feedback import write_feedback
    from orchestration.quality.gx_runner import run_month

    report = write_feedback(region, REGION_MONTHS[-1])
    assert report.hospitals and all(p.exists() for p in report.files)
    outcomes = run_month(region, REGION_MONTHS[-1])
    # the generated region's keys are sound: no critical failure, only case-level warnings
    assert not any(o.critical_failed for o in outcomes.values()), {
        t: o.failed for t, o in outcomes.items() if o.critical_failed}
    assert not outcomes["int_quality__case_checks"].success
