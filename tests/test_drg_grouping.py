"""The CHS-DRG grouper (dbt models intermediate/drg and marts/drg) on hand-written cases.

One tmp DuckDB per module: the seeds the grouper reads are loaded by real `dbt seed`, the staged
tables `staging.stg_setlinfo`, `stg_diseinfo`, `stg_oprninfo` are written by hand per the staging
contract, and the DRG models run through real `dbt run --vars '{"month": "2024-03"}'`. Each case
exercises one branch; the expected groups can be checked by hand against seeds/drg_*.csv.

A tiny history month (2023-06) gives the 2024 weights and case points, computed by hand below.
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import dbt, fetch

from orchestration.config import SEEDS_DIR

MONTH = "2024-03"
HISTORY_MONTH = "2023-06"
HOSPITAL_DRG = "H37030300001"  # DRG hospital in seeds/hospitals.csv
SEEDS = (
    "icd10_diagnoses", "icd9_procedures", "mdc", "mdc_diagnosis_rules", "policy_parameters", "hospitals",
    "drg_pre_mdc_rules", "drg_trauma_regions", "drg_adrg", "drg_adrg_diagnoses", "drg_adrg_procedures",
    "drg_cc_list", "drg_cc_exclusions", "drg_groups", "drg_reason_codes", "drg_weights_official",
    "fee_categories",  # read by the GX runner with the suite parameters
)
GROUPER = ("int_drg__mdc", "int_drg__adrg", "int_drg__severity", "fct_drg_case")
PAYMENT = ("fct_drg_weights", "fct_drg_case_points", "mart_quality__grouping_rate")


@dataclass
class Case:
    setl_id: str
    principal: str | None
    secondary: list[str] = field(default_factory=list)
    # (code, main?) in oprn_srt_no order
    procedures: list[tuple[str, bool]] = field(default_factory=list)
    gend: str = "1"
    age: int = 60
    nwb_age: int | None = None
    nwb_bir_wt: int | None = None
    vent_used_dura: int | None = None
    cost: str = "10000.00"
    month: str = MONTH


CASES = [
    # pre-MDC
    Case("newborn_1800g", "P07.1", ["P59.9"], gend="2", age=0, nwb_age=3, nwb_bir_wt=1800),
    Case("newborn_3200g_jaundice", "P59.9", gend="1", age=0, nwb_age=5, nwb_bir_wt=3200),
    Case("kidney_transplant", "N18.5", ["I12.0"], [("55.69", True)]),
    Case("long_ventilation", "J96.0", [], [("31.1", True), ("96.72", False)], vent_used_dura=120),
    Case("short_ventilation", "J96.0", [], [("31.1", True)], vent_used_dura=50),
    Case("hiv", "B20.6", ["J96.0"]),
    Case("multiple_trauma", "S72.1", ["S06.2"], [("79.35", True)]),
    # MDC and sex checks
    Case("delivery_on_a_man", "O80.0", [], [("73.59", True)], gend="1", age=30),
    Case("delivery_on_a_woman", "O80.0", [], [("73.59", True)], gend="2", age=30),
    # ADRG: surgical > non-OR > medical, and the scheme's order within a type
    Case("cabg_and_stent", "I25.1", [], [("36.07", True), ("36.13", False)]),
    Case("stent_only", "I25.1", [], [("36.07", True)]),
    Case("coronary_medical", "I25.1"),
    Case("gastrectomy_beats_main_appendectomy", "C16.9", [], [("47.01", True), ("43.7", False)]),
    # severity
    Case("copd_mcc_excluded_cc_counts", "J44.1", ["J96.0", "I50.9"]),
    Case("copd_mcc_excluded_none_left", "J44.1", ["J96.0"]),
    Case("pneumonia_mcc", "J18.9", ["J96.0", "I50.9"]),
    Case("ami_same_category_excluded", "I21.0", ["I21.4"], [("36.07", True)]),
    # ungroupable
    Case("principal_not_in_catalogue", "X99.999"),
    Case("principal_not_allowed", "A00"),
    Case("no_principal", None, ["I10"]),
    Case("appendectomy_for_pneumonia", "J18.9", [], [("47.01", True)]),
    # points: a cheap stent case (low multiple)
    Case("stent_low_cost", "I25.1", [], [("36.07", True)], cost="1500.00"),
]

# History (2023-06) for the 2024 weights: FR45 ten cases at 1000 and one at 1,000,000, FM15 two
# cases at 4000 and 6000. The outlier's log cost lies 10/sqrt(11) = 3.015 sample SDs from the
# FR45 mean (> drg_weight_trim_sd = 3): trimmed. Kept: FR45 mean 1000, FM15 mean 5000, all kept
# cases (10 × 1000 + 4000 + 6000) / 12 = 1666.67 → RW FR45 0.6, FM15 3.0.
HISTORY = (
    [Case(f"h_fr4_{i}", "I25.1", cost="1000.00", month=HISTORY_MONTH) for i in range(10)]
    + [Case("h_fr4_outlier", "I25.1", cost="1000000.00", month=HISTORY_MONTH)]
    + [Case("h_fm1_a", "I25.1", [], [("36.07", True)], cost="4000.00", month=HISTORY_MONTH),
       Case("h_fm1_b", "I25.1", [], [("36.07", True)], cost="6000.00", month=HISTORY_MONTH)]
)

EXPECTED = {
    # setl_id: (mdc, adrg, drg, severity, reason_code)
    "newborn_1800g": ("MDCP", "PS2", "PS25", "none", "00"),
    "newborn_3200g_jaundice": ("MDCP", "PV1", "PV15", "none", "00"),
    "kidney_transplant": ("MDCA", "AE1", "AE19", "none", "00"),
    "long_ventilation": ("MDCA", "AH1", "AH19", "none", "00"),
    "short_ventilation": ("MDCE", "EJ1", "EJ15", "none", "00"),
    "hiv": ("MDCY", "YR1", "YR11", "MCC", "00"),
    "multiple_trauma": ("MDCZ", "ZC1", "ZC15", "none", "00"),
    "delivery_on_a_man": ("MDCO", None, "0000", None, "E05"),
    "delivery_on_a_woman": ("MDCO", "OR1", "OR15", "none", "00"),
    "cabg_and_stent": ("MDCF", "FB2", "FB25", "none", "00"),
    "stent_only": ("MDCF", "FM1", "FM15", "none", "00"),
    "coronary_medical": ("MDCF", "FR4", "FR45", "none", "00"),
    "gastrectomy_beats_main_appendectomy": ("MDCG", "GB1", "GB15", "none", "00"),
    "copd_mcc_excluded_cc_counts": ("MDCE", "ET1", "ET13", "CC", "00"),
    "copd_mcc_excluded_none_left": ("MDCE", "ET1", "ET15", "none", "00"),
    "pneumonia_mcc": ("MDCE", "ES2", "ES21", "MCC", "00"),
    "ami_same_category_excluded": ("MDCF", "FM1", "FM15", "none", "00"),
    "principal_not_in_catalogue": (None, None, "0000", None, "E02"),
    "principal_not_allowed": (None, None, "0000", None, "E03"),
    "no_principal": (None, None, "0000", None, "E01"),
    "appendectomy_for_pneumonia": ("MDCE", None, "EQY", None, "QY"),
    "stent_low_cost": ("MDCF", "FM1", "FM15", "none", "00"),
}


def write_staging(warehouse: Path, cases: list[Case]) -> None:
    """The three staged tables the grouper reads, typed as staging types them (contract columns)."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists staging")
        con.execute("""
            create or replace table staging.stg_setlinfo (
                setl_id varchar, mdtrt_id varchar, psn_no varchar, fixmedins_code varchar,
                gend varchar, age integer, nwb_age integer, nwb_bir_wt integer, dscg_time timestamp,
                act_ipt_days integer, dscg_way varchar, vent_used_dura integer,
                medfee_sumamt decimal(18,2), data_month varchar)""")
        con.execute("""
            create or replace table staging.stg_diseinfo (
                setl_id varchar, diag_srt_no integer, diag_code varchar, maindiag_flag varchar,
                data_month varchar)""")
        con.execute("""
            create or replace table staging.stg_oprninfo (
                setl_id varchar, oprn_srt_no integer, oprn_oprt_code varchar, oprn_oprt_type varchar,
                data_month varchar)""")
        for c in cases:
            con.execute(
                "insert into staging.stg_setlinfo values (?, ?, ?, ?, ?, ?, ?, ?, ?, 5, '1', ?, ?, ?)",
                [c.setl_id, "M" + c.setl_id, "P" + c.setl_id, HOSPITAL_DRG, c.gend, c.age, c.nwb_age,
                 c.nwb_bir_wt, f"{c.month}-15 10:00:00", c.vent_used_dura, Decimal(c.cost), c.month],
            )
            diagnoses = ([(c.principal, "1")] if c.principal else []) + [(d, "0") for d in c.secondary]
            for i, (code, flag) in enumerate(diagnoses, 1):
                con.execute("insert into staging.stg_diseinfo values (?, ?, ?, ?, ?)",
                            [c.setl_id, i, code, flag, c.month])
            for i, (code, main) in enumerate(c.procedures, 1):
                con.execute("insert into staging.stg_oprninfo values (?, ?, ?, ?, ?)",
                            [c.setl_id, i, code, "1" if main else "2", c.month])
    finally:
        con.close()


@pytest.fixture(scope="module")
def grouped(tmp_path_factory) -> Path:
    """A warehouse with the seeds loaded, the hand-built cases staged and the grouper run."""
    for seed in ("icd10_diagnoses", "icd9_procedures", "mdc_diagnosis_rules", "policy_parameters"):
        if not (SEEDS_DIR / f"{seed}.csv").exists():
            pytest.skip(f"seeds/{seed}.csv is missing (run `drgdip catalogues` / `make setup`)")
    work = tmp_path_factory.mktemp("drg")
    warehouse = work / "warehouse.duckdb"
    dbt(["seed", "--select", *SEEDS], warehouse, work)
    write_staging(warehouse, CASES + HISTORY)
    dbt(["run", "--select", *GROUPER, "--vars", json.dumps({"month": HISTORY_MONTH})], warehouse, work)
    # the month's grouping, then the year's weights (from the 2023 history), then points and rate
    dbt(["run", "--select", *GROUPER, *PAYMENT, "--vars", json.dumps({"month": MONTH, "year": MONTH[:4]})],
        warehouse, work)
    return warehouse


@pytest.fixture(scope="module")
def cases(grouped) -> dict[str, dict]:
    # the trace is a STRUCT; JSON on read, as `drgdip group --json` reads it
    return {r["setl_id"]: r for r in fetch(
        grouped, "select * replace (cast(to_json(trace) as varchar) as trace) from marts.fct_drg_case "
                 "where data_month = ?", [MONTH])}


def test_one_row_per_case(cases):
    assert sorted(cases) == sorted(c.setl_id for c in CASES)


@pytest.mark.parametrize("setl_id", sorted(EXPECTED))
def test_case_groups_as_expected(cases, setl_id):
    row = cases[setl_id]
    got = (row["mdc"], row["adrg"], row["drg"], row["severity"], row["reason_code"])
    assert got == EXPECTED[setl_id], row["trace_summary"]


def test_scheme_version_from_policy_parameters(cases):
    assert {r["scheme_version"] for r in cases.values()} == {"CHS-DRG-1.1"}


def test_newborn_grouped_by_birth_weight_band(cases):
    trace = json.loads(cases["newborn_1800g"]["trace"])
    assert trace["pre_mdc"]["mdc"] == "MDCP"
    assert "birth weight 1800 g" in trace["adrg"]["qualified_by"]


def test_transplant_traces_its_pre_mdc_rule(cases):
    trace = json.loads(cases["kidney_transplant"]["trace"])
    assert "procedure 55.69" in trace["pre_mdc"]["rules_matched"]
    assert trace["mdc"]["source"] == "pre_mdc"


def test_surgical_beats_non_or_and_medical(cases):
    trace = json.loads(cases["cabg_and_stent"]["trace"])
    assert trace["adrg"]["candidates"] == "FB2,FJ1,FM1,FN1,FR4" or trace["adrg"]["candidates"].startswith("FB2")
    assert "36.13" in trace["adrg"]["qualified_by"]


def test_procedure_priority_follows_scheme_order_not_main_flag(cases):
    trace = json.loads(cases["gastrectomy_beats_main_appendectomy"]["trace"])
    assert "43.7" in trace["adrg"]["qualified_by"]


def test_excluded_mcc_is_traced_with_its_rule(cases):
    trace = json.loads(cases["copd_mcc_excluded_cc_counts"]["trace"])
    excluded = trace["severity"]["excluded"]
    assert [e["diag_code"] for e in excluded] == ["J96.0"]
    assert excluded[0]["excluded_by"].startswith("listed J96 × J44")
    assert trace["severity"]["decided_by"] == "I50.9"
    same = json.loads(cases["ami_same_category_excluded"]["trace"])["severity"]["excluded"]
    assert same[0]["excluded_by"].startswith("same_category3 I21")


def test_qy_names_the_unrelated_procedure(cases):
    row = cases["appendectomy_for_pneumonia"]
    assert row["group_status"] == "ungroupable"
    assert "47.01" in json.loads(row["trace"])["result"]["detail"]


def test_reason_codes_come_from_the_seed(grouped):
    unknown = fetch(grouped, """
        select f.reason_code from marts.fct_drg_case f
        left join reference.drg_reason_codes r using (reason_code) where r.reason_code is null""")
    assert unknown == []


def test_every_case_has_a_payment_method_and_a_trace(cases):
    assert {r["payment_method"] for r in cases.values()} == {"DRG"}
    assert all(r["trace"] and r["trace_summary"] for r in cases.values())


def test_rerun_of_the_month_replaces_it(grouped, tmp_path):
    """A second run of the same month leaves one row per case (the month is deleted first)."""
    dbt(["run", "--select", *GROUPER, "--vars", json.dumps({"month": MONTH})], grouped, tmp_path)
    rows = fetch(grouped, "select count(*) as n, count(distinct setl_id) as d from marts.fct_drg_case "
                          "where data_month = ?", [MONTH])
    assert rows == [{"n": len(CASES), "d": len(CASES)}]
    assert fetch(grouped, "select count(*) as n from marts.fct_drg_case where data_month = ?",
                 [HISTORY_MONTH]) == [{"n": len(HISTORY)}]


# --- weights, points, grouping rate --------------------------------------------------------------


def test_weights_from_the_trimmed_history(grouped):
    rows = {r["drg"]: r for r in fetch(grouped, "select * from marts.fct_drg_weights where year = 2024")}
    fr45, fm15 = rows["FR45"], rows["FM15"]
    assert (fr45["weight_basis"], fr45["basis_from_year"], fr45["basis_to_year"]) == ("history", 2021, 2023)
    assert (fr45["cases"], fr45["kept_cases"], fr45["mean_cost"]) == (11, 10, Decimal("1000.00"))
    assert (fm15["cases"], fm15["kept_cases"], fm15["mean_cost"]) == (2, 2, Decimal("5000.00"))
    assert fr45["overall_mean_cost"] == Decimal("1666.67")
    assert (fr45["weight"], fm15["weight"]) == (Decimal("0.6000"), Decimal("3.0000"))
    assert {fr45["weight_source"], fm15["weight_source"]} == {"computed"}
    assert rows["BR25"]["weight_source"] == "none"  # no history case


def test_official_weight_takes_precedence(grouped, tmp_path):
    """An official weight (seeds/drg_weights_official.csv, empty in the demo) for FR45 replaces the
    computed 0.6, and weight_source says which; the other DRGs keep their computed weights. The
    seed table is written in a copy of the warehouse, not in the committed CSV."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(grouped, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("insert into reference.drg_weights_official values "
                    "('CHS-DRG-1.1', 2024, 'FR45', 0.8000, 'test publication 2024')")
    dbt(["run", "--select", "fct_drg_weights", "fct_drg_case_points",
         "--vars", json.dumps({"month": MONTH, "year": MONTH[:4]})], warehouse, tmp_path)
    rows = {r["drg"]: r for r in fetch(warehouse, "select * from marts.fct_drg_weights where year = 2024")}
    fr45 = rows.pop("FR45")
    assert (fr45["weight"], fr45["computed_weight"], fr45["official_weight"]) == (
        Decimal("0.8000"), Decimal("0.6000"), Decimal("0.8000"))
    assert (fr45["weight_source"], fr45["official_source"]) == ("official", "test publication 2024")
    assert (rows["FM15"]["weight"], rows["FM15"]["weight_source"]) == (Decimal("3.0000"), "computed")
    assert {r["weight_source"] for r in rows.values() if r["kept_cases"] > 0} == {"computed"}
    assert {r["weight_source"] for r in rows.values() if r["kept_cases"] == 0} == {"none"}
    assert all(r["official_weight"] is None for r in rows.values())
    # the case points use it: RW 0.8 (≤ 1 → threshold 3), cost ratio 10 → 80 × (1 + 10 − 3) = 640
    (pts,) = fetch(warehouse, "select * from marts.fct_drg_case_points where setl_id = 'coronary_medical'")
    assert (pts["weight_source"], pts["points"]) == ("official", Decimal("640.0000"))


def test_case_points_with_high_and_low_multiples(grouped):
    pts = {r["setl_id"]: r for r in fetch(grouped, "select * from marts.fct_drg_case_points where data_month = ?",
                                           [MONTH])}
    # FR45: RW 0.6 (≤ 1 → high threshold 3); cost 10000 / mean 1000 = 10 → 60 × (1 + 10 − 3) = 480
    assert (pts["coronary_medical"]["case_type"], pts["coronary_medical"]["points"]) == ("high", Decimal("480.0000"))
    # FM15: RW 3.0 (> 2 → threshold 1.5); 10000 / 5000 = 2 → 300 × (1 + 2 − 1.5) = 450
    assert (pts["stent_only"]["case_type"], pts["stent_only"]["points"]) == ("high", Decimal("450.0000"))
    # FM15: 1500 / 5000 = 0.3 < 0.4 → 300 × 0.3 = 90
    assert (pts["stent_low_cost"]["case_type"], pts["stent_low_cost"]["points"]) == ("low", Decimal("90.0000"))
    assert pts["appendectomy_for_pneumonia"]["case_type"] == "ungroupable"
    assert pts["appendectomy_for_pneumonia"]["points"] is None
    assert pts["kidney_transplant"]["case_type"] == "no_weight"


def test_grouping_rate_per_hospital_month_and_mdc(grouped):
    rows = {r["mdc"]: r for r in fetch(grouped, "select * from marts.mart_quality__grouping_rate where data_month = ?",
                                        [MONTH])}
    assert (rows["NONE"]["cases"], rows["NONE"]["invalid_cases"]) == (3, 3)
    assert json.loads(rows["NONE"]["ungroupable_by_reason"]) == {"E01": 1, "E02": 1, "E03": 1}
    assert (rows["MDCE"]["ambiguous_cases"], json.loads(rows["MDCE"]["ungroupable_by_reason"])) == (1, {"QY": 1})
    assert (rows["MDCO"]["cases"], rows["MDCO"]["grouped_cases"]) == (2, 1)
    total = rows["MDCF"]
    assert (total["hospital_month_cases"], total["hospital_month_grouped_cases"]) == (len(CASES), len(CASES) - 5)
    assert total["hospital_month_passed"] is False  # 17 / 22 < min_grouping_rate 0.95


def test_gx_grouping_rate_suite_warns_below_the_policy_target(grouped, tmp_path):
    """The quality framework's suite on the mart: 17/22 < min_grouping_rate 0.95 is a warning
    (the hospital is flagged, the month goes on), and the threshold is the policy parameter."""
    from orchestration.config import load_settings
    from orchestration.quality.gx_runner import run_month

    settings = load_settings().with_paths(tmp_path)
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(grouped, settings.warehouse)
    table = "mart_quality__grouping_rate"
    outcome = run_month(settings, MONTH, tables=[table])[table]
    assert not outcome.success and not outcome.critical_failed
    assert [(f["column"], f["severity"]) for f in outcome.failed] == [("hospital_month_grouping_rate", "warning")]
    with duckdb.connect(str(settings.warehouse)) as con:
        con.execute("update reference.policy_parameters set value = '0.70' "
                    "where parameter = 'min_grouping_rate' and cast(year as integer) = 2024")
    assert run_month(settings, MONTH, tables=[table])[table].success


def test_grouping_rate_is_a_monthly_dagster_check_and_in_the_quality_summary(grouped, tmp_path):
    from orchestration.assets.quality import ASSET_CHECKS
    from orchestration.quality.feedback import read_summary

    keys = {key for check in ASSET_CHECKS for key in check.check_keys}
    assert any(k.name == "gx_mart_quality__grouping_rate" and k.asset_key.path == ["marts", "mart_quality__grouping_rate"]
               for k in keys)
    # the other quality tables the summary reads, empty (this warehouse has only the grouper)
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(grouped, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        for schema in ("intermediate", "staging", "raw"):
            con.execute(f"create schema if not exists {schema}")
        con.execute("create table marts.mart_quality__upload_rate (fixmedins_code varchar, data_month varchar, "
                    "settlements int, lists int, on_time_lists int, rate decimal(9,4), min_upload_rate decimal(9,4), "
                    "passed boolean)")
        con.execute("create table intermediate.int_quality__case_checks (fixmedins_code varchar, "
                    "data_month varchar, setl_id varchar, rule varchar)")
        con.execute("create table staging.stg_quarantine (fixmedins_code varchar, data_month varchar)")
        con.execute("create table raw.quarantine (source_file varchar, landing_month varchar, stage varchar)")
        (row,) = read_summary(con, MONTH)
    # 17 of 22 cases grouped (see test_grouping_rate_per_hospital_month_and_mdc)
    assert (row["grouping_rate"], row["grouping_passed"], row["ungroupable_cases"]) == (Decimal("0.7727"), False, 5)


def test_dbt_tests_of_the_drg_models_and_seeds_pass(grouped, tmp_path):
    """The structural tests declared in the YAML (unique, accepted values, relationships)."""
    dbt(["test", "--select", *GROUPER, *PAYMENT, "drg_*", "--vars", json.dumps({"month": MONTH, "year": MONTH[:4]})],
        grouped, tmp_path)


# --- the grouping tables themselves (no dbt needed) -----------------------------------------------


def read_seed(name: str) -> list[dict]:
    with (SEEDS_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_both_scheme_versions_cover_every_mdc_with_surgical_and_medical_adrgs():
    adrgs = read_seed("drg_adrg")
    mdcs = {r["mdc"] for r in read_seed("mdc")}
    for version in ("CHS-DRG-1.1", "CHS-DRG-2.0"):
        types = {}
        for r in adrgs:
            if r["scheme_version"] == version:
                types.setdefault(r["mdc"], set()).add(r["adrg_type"])
        assert set(types) == mdcs, version
        # MDCA is entered only by a procedure (transplant, ECMO, tracheostomy): surgical ADRGs only
        missing = {m: t for m, t in types.items() if not {"surgical", "medical"} <= t and m != "MDCA"}
        assert missing == {}, version


def test_adrg_letters_agree_with_their_type_and_every_adrg_has_groups():
    letters = {"surgical": "ABCDEFGHIJ", "non_or": "KLMNOPQ", "medical": "RSTUVWXYZ"}
    groups = {(r["scheme_version"], r["adrg"]) for r in read_seed("drg_groups") if r["adrg"]}
    for r in read_seed("drg_adrg"):
        assert r["adrg"][1] in letters[r["adrg_type"]], r
        assert r["adrg"][0] == r["mdc"][3], r
        assert (r["scheme_version"], r["adrg"]) in groups, r


def test_every_mdc_has_a_catch_all_medical_adrg_and_a_qy_group():
    adrg_mdc = {(r["scheme_version"], r["adrg"]): r["mdc"] for r in read_seed("drg_adrg")}
    catch_all = {(r["scheme_version"], adrg_mdc[(r["scheme_version"], r["adrg"])])
                 for r in read_seed("drg_adrg_diagnoses") if r["diag_code"] == "*"}
    qy = {(r["scheme_version"], "MDC" + r["drg"][0]) for r in read_seed("drg_groups") if r["drg"].endswith("QY")}
    for version in ("CHS-DRG-1.1", "CHS-DRG-2.0"):
        for mdc in {r["mdc"] for r in read_seed("mdc")} - {"MDCA"}:  # MDCA is entered by procedure only
            assert (version, mdc) in catch_all
        for mdc in {r["mdc"] for r in read_seed("mdc")}:
            assert (version, mdc) in qy


def test_reason_codes_in_the_models_are_the_seeds():
    seeded = {r["reason_code"] for r in read_seed("drg_reason_codes")}
    assert seeded == {"00", "E01", "E02", "E03", "E04", "E05", "E06", "E07", "QY"}
