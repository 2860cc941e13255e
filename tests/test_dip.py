"""DIP (按病种分值付费): disease keys, the yearly library, auxiliary catalogue and case points.

One tmp DuckDB per module, as in tests/test_drg_grouping.py: the seeds by real `dbt seed`, the
staged tables written by hand per the staging contract, the DIP models by real `dbt run`. A tiny
history (discharge month 2023-06) builds the 2024 library; the payment month is 2024-03. Every
expected number below is computed by hand from the history.

History (2023-06), regional mean benchmark = mean of all kept cases except bed-day stays:
- K35.8 × 47.09 (appendicitis × appendectomy): 15 cases → core disease `K35.8|47.09`.
  10 without comorbidity at 9000 (5 of them at a DRG hospital: the library uses every hospital),
  5 with diabetes E11.9 (Charlson 1) at 12000, at a secondary (二级) hospital. Mean 150000/15 = 10000.
- I21.0 × 36.07 (non-OR → therapeutic) 14 cases + I21.1 × 36.07 1 case: the 14-case combination
  is below dip_core_min_cases 15 and folds into comprehensive `I21#therapeutic` with the other.
  10 aged 50 at 20000, 5 aged 70 at 50000: mean 450000/15 = 30000.
- I10 conservative, 1 case at 20000 → comprehensive `I10#conservative` (基层病种).
- H25.9 × 13.41 day surgery (ipt_med_type 2), 5 cases at 20000 (= dip_day_surgery_min_cases) →
  day-surgery disease `DS:H25.9|13.41`.
- F20.0 (psychiatric bed-day): 20, 30, 50 days at 10000, 15000, 25000 → 50000 / 100 days = 500 a day.
Regional mean = (150000 + 450000 + 20000 + 100000) / 36 = 20000. Scores (×100): K35.8|47.09 50,
I21#therapeutic 150, I10#conservative 100, DS:H25.9|13.41 100, BD:psychiatric 2.5 a day.
Auxiliary: K35.8|47.09 cci_0 9000/10000 = 0.9, cci_1_2 12000/10000 = 1.2; I21#therapeutic age
18–64 20000/30000 = 0.6667 → bounded 0.8, 65+ 50000/30000 = 1.6667 → bounded 1.5.
Deviation means (2023, same level class): K35.8|47.09 tertiary 9000, secondary 12000; I21#therapeutic
tertiary 30000; no primary-level case (→ the library mean 10000).
"""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import copy_warehouse, dbt, fetch, make_list

from orchestration import interface
from orchestration.config import SEEDS_DIR, load_settings
from orchestration.selfcheck import self_check

MONTH = "2024-03"
HISTORY_MONTH = "2023-06"
DIP_TERTIARY = "H37030300003"  # DIP, level tier 1 (三级)
DIP_SECONDARY = "H37032200001"  # DIP, tier 3 (二级)
DIP_PRIMARY = "H37030200004"  # DIP, tier 5 (一级)
DRG_TERTIARY = "H37030300001"  # DRG, tier 1
SEEDS = (
    "icd10_diagnoses", "icd9_procedures", "policy_parameters", "hospitals", "dip_procedure_classes",
    "dip_procedure_exclusions", "dip_bed_day_rules", "dip_comorbidity_weights", "dip_auxiliary_levels",
    "dip_disease_flags", "dip_level_classes", "dip_reason_codes", "dip_library_official",
)
MONTHLY = ("int_dip__disease_key", "int_dip__auxiliary_levels")
YEARLY = ("int_dip__basis_cases", "fct_dip_library", "fct_dip_auxiliary", "fct_dip_deviation_means")
PAYMENT = ("fct_dip_case_points",)


@dataclass
class Case:
    setl_id: str
    principal: str | None
    secondary: list[str] = field(default_factory=list)
    procedures: list[str] = field(default_factory=list)  # in oprn_srt_no order, the first is main
    hospital: str = DIP_TERTIARY
    age: int = 40
    cost: str = "9000.00"
    days: int = 5
    dscg_way: str = "1"
    ipt_med_type: str = "1"
    month: str = MONTH


APPENDIX = ("K35.8", [], ["47.09"])
HISTORY = (
    [Case(f"h_app_{i}", *APPENDIX, hospital=DRG_TERTIARY if i < 5 else DIP_TERTIARY, month=HISTORY_MONTH)
     for i in range(10)]
    + [Case(f"h_app_dm_{i}", "K35.8", ["E11.9"], ["47.09"], hospital=DIP_SECONDARY, cost="12000.00",
            month=HISTORY_MONTH) for i in range(5)]
    + [Case(f"h_ami_{i}", "I21.0", [], ["36.07"], age=50 if i < 10 else 70,
            cost="20000.00" if i < 10 else "50000.00", month=HISTORY_MONTH) for i in range(14)]
    + [Case("h_ami_other", "I21.1", [], ["36.07"], age=70, cost="50000.00", month=HISTORY_MONTH)]
    + [Case("h_hypertension", "I10", cost="20000.00", month=HISTORY_MONTH)]
    + [Case(f"h_cataract_day_{i}", "H25.9", [], ["13.41"], cost="20000.00", ipt_med_type="2", month=HISTORY_MONTH)
       for i in range(5)]
    + [Case(f"h_psy_{d}", "F20.0", cost=c, days=d, month=HISTORY_MONTH)
       for d, c in ((20, "10000.00"), (30, "15000.00"), (50, "25000.00"))]
)

CASES = [
    # deviation around the thresholds: K35.8|47.09 at a tertiary hospital, last year's mean 9000,
    # score 50 × cci_0 0.9 = 45
    Case("app_normal", *APPENDIX, cost="9000.00"),
    Case("app_low_at_threshold", *APPENDIX, cost="4500.00"),  # ratio 0.5: normal
    Case("app_low", *APPENDIX, cost="4491.00"),  # ratio 0.499 → 45 × 0.499
    Case("app_high_at_threshold", *APPENDIX, cost="18000.00"),  # ratio 2.0: normal
    Case("app_high_just_above", *APPENDIX, cost="18009.00"),  # 2.001 → 45 × 1.001
    Case("app_high", *APPENDIX, cost="27000.00"),  # 3.0 → 45 × (3 − 2 + 1)
    # same level class: at a secondary hospital the mean is 12000; diabetes → cci_1_2 1.2
    Case("app_secondary_diabetes", "K35.8", ["E11.9"], ["47.09"], hospital=DIP_SECONDARY, cost="12000.00"),
    # no primary-level case last year → the library mean 10000; 4000 / 10000 = 0.4 → low
    Case("app_primary_level", *APPENDIX, hospital=DIP_PRIMARY, cost="4000.00"),
    # a routine injection does not enter the combination; day surgery without a day-surgery disease
    Case("app_with_injection", "K35.8", [], ["99.21", "47.09"]),
    Case("app_day_surgery", *APPENDIX, ipt_med_type="2"),
    Case("cataract_day_surgery", "H25.9", [], ["13.41"], cost="20000.00", ipt_med_type="2"),
    # order-independent keys; not core → comprehensive I21#therapeutic, age 70 → 1.5
    Case("ami_two_procedures", "I21.0", [], ["88.56", "36.07"], age=70, cost="30000.00"),
    Case("ami_two_procedures_reversed", "I21.0", [], ["36.07", "88.56", "36.07"], age=70, cost="30000.00"),
    Case("hypertension", "I10", cost="20000.00"),
    Case("psychiatric_40_days", "F20.0", cost="30000.00", days=40),
    # no J18 history: the residual comprehensive disease of conservative cases (only I10: 20000)
    Case("pneumonia_residual", "J18.9"),
    # no diagnostic-class case in the history at all: no disease
    Case("pneumonia_not_in_library", "J18.9", [], ["88.56"]),
    Case("no_principal", None, ["I10"]),
    Case("drg_hospital_case", *APPENDIX, hospital=DRG_TERTIARY),
]


def write_staging(warehouse: Path, cases: list[Case]) -> None:
    """The staged tables the DIP models read, typed as staging types them (contract columns)."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists staging")
        con.execute("""
            create or replace table staging.stg_setlinfo (
                setl_id varchar, fixmedins_code varchar, gend varchar, age integer, ipt_med_type varchar,
                dscg_time timestamp, act_ipt_days integer, dscg_way varchar, medfee_sumamt decimal(18,2),
                data_month varchar)""")
        con.execute("""
            create or replace table staging.stg_diseinfo (
                setl_id varchar, diag_srt_no integer, diag_code varchar, maindiag_flag varchar, data_month varchar)""")
        con.execute("""
            create or replace table staging.stg_oprninfo (
                setl_id varchar, oprn_srt_no integer, oprn_oprt_code varchar, oprn_oprt_type varchar,
                data_month varchar)""")
        for c in cases:
            con.execute(
                "insert into staging.stg_setlinfo values (?, ?, '1', ?, ?, ?, ?, ?, ?, ?)",
                [c.setl_id, c.hospital, c.age, c.ipt_med_type, f"{c.month}-15 10:00:00", c.days, c.dscg_way,
                 Decimal(c.cost), c.month],
            )
            diagnoses = ([(c.principal, "1")] if c.principal else []) + [(d, "0") for d in c.secondary]
            for i, (code, flag) in enumerate(diagnoses, 1):
                con.execute("insert into staging.stg_diseinfo values (?, ?, ?, ?, ?)", [c.setl_id, i, code, flag, c.month])
            for i, code in enumerate(c.procedures, 1):
                con.execute("insert into staging.stg_oprninfo values (?, ?, ?, ?, ?)",
                            [c.setl_id, i, code, "1" if i == 1 else "2", c.month])
    finally:
        con.close()


def month_vars(month: str) -> str:
    return json.dumps({"month": month, "year": month[:4]})


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Seeds, staged cases, the history month's grouping, the 2024 library, the month's points."""
    for seed in ("icd10_diagnoses", "icd9_procedures"):
        if not (SEEDS_DIR / f"{seed}.csv").exists():
            pytest.skip(f"seeds/{seed}.csv is missing (run `drgdip catalogues` / `make setup`)")
    work = tmp_path_factory.mktemp("dip")
    warehouse = work / "warehouse.duckdb"
    dbt(["seed", "--select", *SEEDS], warehouse, work)
    write_staging(warehouse, HISTORY + CASES)
    dbt(["run", "--select", *MONTHLY, "--vars", month_vars(HISTORY_MONTH)], warehouse, work)
    # the cycle: the month's grouping, the year's library (annual_reference), the month's points
    dbt(["run", "--select", *MONTHLY, *YEARLY, *PAYMENT, "--vars", month_vars(MONTH)], warehouse, work)
    return warehouse


@pytest.fixture(scope="module")
def keys(built) -> dict[str, dict]:
    return {r["setl_id"]: r for r in fetch(built, "select * from intermediate.int_dip__disease_key")}


@pytest.fixture(scope="module")
def library(built) -> dict[str, dict]:
    return {r["disease_code"]: r for r in fetch(built, "select * from marts.fct_dip_library where year = 2024")}


@pytest.fixture(scope="module")
def points(built) -> dict[str, dict]:
    return {r["setl_id"]: r for r in fetch(
        built, "select * replace (cast(to_json(trace) as varchar) as trace) from marts.fct_dip_case_points "
               "where data_month = ?", [MONTH])}


# --- disease key ---------------------------------------------------------------------------------


def test_disease_key_is_order_independent_and_classed(keys):
    a, b = keys["ami_two_procedures"], keys["ami_two_procedures_reversed"]
    assert a["disease_key"] == b["disease_key"] == "I21.0|36.07+88.56"
    # 36.07 is non-OR (therapeutic) > 88.56 diagnostic
    assert (a["procedure_class"], a["comprehensive_key"]) == ("therapeutic", "I21#therapeutic")
    assert (keys["app_normal"]["disease_key"], keys["app_normal"]["procedure_class"]) == ("K35.8|47.09", "surgical")
    conservative = keys["hypertension"]  # a 3-character leaf code is its own category
    assert (conservative["disease_key"], conservative["procedure_class"], conservative["procedure_set"]) == (
        "I10", "conservative", "")


def test_routine_procedures_do_not_enter_the_key(keys):
    row = keys["app_with_injection"]
    assert row["disease_key"] == "K35.8|47.09"
    assert [p["oprn_code"] for p in row["procedures_not_counted"]] == ["99.21"]


def test_bed_day_and_reason_codes(keys):
    assert keys["psychiatric_40_days"]["bed_day_type"] == "psychiatric"
    assert keys["no_principal"]["reason_code"] == "D01" and keys["no_principal"]["disease_key"] is None
    assert keys["app_day_surgery"]["is_day_surgery"] is True


def test_comorbidity_index_and_levels(built):
    rows = {r["setl_id"]: r for r in fetch(built, "select * from intermediate.int_dip__auxiliary_levels")}
    assert (rows["app_secondary_diabetes"]["comorbidity_index"], rows["app_secondary_diabetes"]["comorbidity_level"]) == (
        1, "cci_1_2")
    assert (rows["app_normal"]["comorbidity_index"], rows["app_normal"]["comorbidity_level"]) == (0, "cci_0")
    assert (rows["ami_two_procedures"]["age_band"], rows["app_normal"]["discharge_level"]) == ("age_65_plus", "ordinary")


# --- library -------------------------------------------------------------------------------------


def test_core_and_comprehensive_diseases_from_the_history(library):
    core = library["K35.8|47.09"]
    assert (core["disease_type"], core["cases"], core["mean_cost"]) == ("core", 15, Decimal("10000.00"))
    assert (core["library_basis"], core["basis_from_year"], core["basis_to_year"]) == ("history", 2023, 2023)
    # the 14-case combination is not core: it folds with I21.1 × 36.07 into the comprehensive disease
    assert "I21.0|36.07" not in library
    comprehensive = library["I21#therapeutic"]
    assert (comprehensive["disease_type"], comprehensive["cases"], comprehensive["mean_cost"]) == (
        "comprehensive", 15, Decimal("30000.00"))


def test_scores_against_the_regional_mean(library):
    assert {r["benchmark_cost"] for r in library.values()} == {Decimal("20000.00")}
    assert library["K35.8|47.09"]["score"] == Decimal("50.0000")
    assert library["I21#therapeutic"]["score"] == Decimal("150.0000")
    assert library["I10#conservative"]["score"] == Decimal("100.0000")
    day = library["DS:H25.9|13.41"]
    assert (day["disease_type"], day["cases"], day["score"]) == ("day_surgery", 5, Decimal("100.0000"))
    bed = library["BD:psychiatric"]
    assert (bed["disease_type"], bed["mean_cost_per_day"], bed["score"]) == ("bed_day", Decimal("500.00"), Decimal("2.5000"))
    assert {r["library_source"] for r in library.values()} == {"computed"}


def test_primary_care_flag_from_the_seed_list(library):
    assert library["I10#conservative"]["primary_care_disease"] is True
    assert library["K35.8|47.09"]["primary_care_disease"] is False


def test_auxiliary_coefficients(built):
    rows = {(r["disease_code"], r["factor"], r["level"]): r
            for r in fetch(built, "select * from marts.fct_dip_auxiliary where year = 2024")}
    assert rows[("K35.8|47.09", "comorbidity", "cci_0")]["coefficient"] == Decimal("0.9000")
    assert rows[("K35.8|47.09", "comorbidity", "cci_1_2")]["coefficient"] == Decimal("1.2000")
    assert rows[("K35.8|47.09", "age", "age_18_64")]["coefficient"] == Decimal("1.0000")
    young, old = rows[("I21#therapeutic", "age", "age_18_64")], rows[("I21#therapeutic", "age", "age_65_plus")]
    assert (young["raw_ratio"], young["coefficient"], young["coefficient_status"]) == (
        Decimal("0.6667"), Decimal("0.8000"), "bounded_low")
    assert (old["raw_ratio"], old["coefficient"], old["coefficient_status"]) == (
        Decimal("1.6667"), Decimal("1.5000"), "bounded_high")
    # one case only: below dip_aux_min_cases
    assert rows[("I10#conservative", "age", "age_18_64")]["coefficient_status"] == "too_few_cases"


def test_deviation_means_by_level_class(built):
    rows = {(r["disease_code"], r["level_class"]): r["mean_cost"]
            for r in fetch(built, "select * from marts.fct_dip_deviation_means where year = 2024")}
    assert rows[("K35.8|47.09", "tertiary")] == Decimal("9000.00")
    assert rows[("K35.8|47.09", "secondary")] == Decimal("12000.00")
    assert ("K35.8|47.09", "primary") not in rows


# --- case points ---------------------------------------------------------------------------------

EXPECTED_POINTS = {
    # setl_id: (disease_code, disease_type, auxiliary, deviation_class, points)
    "app_normal": ("K35.8|47.09", "core", "0.9000", "normal", "45.0000"),
    "app_low_at_threshold": ("K35.8|47.09", "core", "0.9000", "normal", "45.0000"),
    "app_low": ("K35.8|47.09", "core", "0.9000", "low", "22.4550"),
    "app_high_at_threshold": ("K35.8|47.09", "core", "0.9000", "normal", "45.0000"),
    "app_high_just_above": ("K35.8|47.09", "core", "0.9000", "high", "45.0450"),
    "app_high": ("K35.8|47.09", "core", "0.9000", "high", "90.0000"),
    "app_secondary_diabetes": ("K35.8|47.09", "core", "1.2000", "normal", "60.0000"),
    "app_primary_level": ("K35.8|47.09", "core", "0.9000", "low", "18.0000"),
    "app_with_injection": ("K35.8|47.09", "core", "0.9000", "normal", "45.0000"),
    "app_day_surgery": ("K35.8|47.09", "core", "0.9000", "normal", "45.0000"),
    "ami_two_procedures": ("I21#therapeutic", "comprehensive", "1.5000", "normal", "225.0000"),
    "hypertension": ("I10#conservative", "comprehensive", "1.0000", "normal", "100.0000"),
    "cataract_day_surgery": ("DS:H25.9|13.41", "day_surgery", "1.0000", "normal", "100.0000"),
    "psychiatric_40_days": ("BD:psychiatric", "bed_day", None, "not_applicable", "100.0000"),
    # score 100, no auxiliary levels, library mean 20000: 9000 / 20000 = 0.45 → 100 × 0.45
    "pneumonia_residual": ("*#conservative", "comprehensive", "1.0000", "low", "45.0000"),
}


def test_one_row_per_dip_case(points):
    assert sorted(points) == sorted(c.setl_id for c in CASES if c.hospital != DRG_TERTIARY)


@pytest.mark.parametrize("setl_id", sorted(EXPECTED_POINTS))
def test_case_points(points, setl_id):
    row = points[setl_id]
    got = (row["disease_code"], row["disease_type"],
           None if row["auxiliary_coefficient"] is None else str(row["auxiliary_coefficient"]),
           row["deviation_class"], str(row["points"]))
    assert got == EXPECTED_POINTS[setl_id], row["trace_summary"]
    assert row["reason_code"] == "00"


def test_deviation_mean_falls_back_to_the_library_mean(points):
    row = points["app_primary_level"]
    assert (row["level_class"], row["deviation_mean_cost"]) == ("primary", Decimal("10000.00"))
    assert row["deviation_mean_source"].startswith("library mean")
    assert points["app_normal"]["deviation_mean_source"] == "last year at level tertiary"


def test_cases_without_a_disease_have_a_reason_and_no_points(points):
    assert (points["pneumonia_not_in_library"]["reason_code"], points["pneumonia_not_in_library"]["points"]) == ("D05", None)
    assert "comprehensive *#diagnostic" in points["pneumonia_not_in_library"]["trace_summary"]
    assert (points["no_principal"]["reason_code"], points["no_principal"]["points"]) == ("D01", None)


def test_trace_explains_each_step(points):
    trace = json.loads(points["app_day_surgery"]["trace"])
    assert trace["library"]["candidates"].startswith("day_surgery DS:K35.8|47.09")
    assert trace["auxiliary"]["comorbidity"] == {"level": "cci_0", "coefficient": 0.9, "status": "computed"}
    assert trace["deviation"]["class"] == "normal" and trace["points"]["formula"] == "score × auxiliary"
    assert points["hypertension"]["primary_care_disease"] is True
    high = json.loads(points["app_high"]["trace"])
    assert high["deviation"]["cost_ratio"] == 3.0 and "− 2.0000 + 1" in high["points"]["formula"]


def test_dbt_tests_of_the_dip_models_and_seeds_pass(built):
    # the module's dbt target folder: same vars, so dbt parses partially (the suite's time budget)
    dbt(["test", "--select", *MONTHLY, *YEARLY, *PAYMENT, "dip_*", "--vars", month_vars(MONTH)], built, built.parent)


# --- the benchmark choice and the official library (on a copy of the warehouse) ------------------


def test_benchmark_choice_and_official_override(built, tmp_path):
    """On a copy: a base disease missing from the library stops the build, naming it; the base
    disease K35.8|47.09 (mean 10000) as benchmark doubles every score; an official score overrides."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(built, warehouse)
    work = tmp_path / "dbt"  # one target for both runs: the second parses partially
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update reference.policy_parameters set value = case parameter "
                    "when 'dip_benchmark' then 'base_disease' else 'X99.9|00.00' end "
                    "where parameter in ('dip_benchmark', 'dip_base_disease') and year = 2024")
    done = dbt(["run", "--select", "fct_dip_library", "--vars", month_vars(MONTH)], warehouse, work, check=False)
    assert done.returncode != 0
    assert "dip_base_disease X99.9|00.00 is not a disease" in done.stdout

    with duckdb.connect(str(warehouse)) as con:
        con.execute("update reference.policy_parameters set value = 'K35.8|47.09' "
                    "where parameter = 'dip_base_disease' and year = 2024")
        con.execute("insert into reference.dip_library_official values "
                    "('DIP-1.0', 2024, 'I10#conservative', 'comprehensive', 77.5, 'test notice')")
    dbt(["run", "--select", "fct_dip_library", "--vars", month_vars(MONTH)], warehouse, work)
    rows = {r["disease_code"]: r for r in fetch(warehouse, "select * from marts.fct_dip_library where year = 2024")}
    assert rows["K35.8|47.09"]["benchmark_cost"] == Decimal("10000.00")
    assert (rows["K35.8|47.09"]["score"], rows["I21#therapeutic"]["score"], rows["BD:psychiatric"]["score"]) == (
        Decimal("100.0000"), Decimal("300.0000"), Decimal("5.0000"))
    official = rows["I10#conservative"]
    assert (official["computed_score"], official["score"], official["library_source"]) == (
        Decimal("200.0000"), Decimal("77.5000"), "official")


# --- the tables themselves (no dbt needed) --------------------------------------------------------


def read_seed(name: str) -> list[dict]:
    with (SEEDS_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_dip_parameters_exist_for_every_year():
    needed = {"dip_scheme_version", "dip_core_min_cases", "dip_reference_years", "dip_score_scale",
              "dip_deviation_low", "dip_deviation_high", "dip_benchmark", "dip_base_disease", "dip_trim_sd",
              "dip_day_surgery_min_cases", "dip_aux_min_cases", "dip_aux_coefficient_min", "dip_aux_coefficient_max"}
    params = read_seed("policy_parameters")
    for year in ("2023", "2024", "2025"):
        assert needed <= {r["parameter"] for r in params if r["year"] == year}, year
    assert all(r["source"] for r in params if r["parameter"].startswith("dip_"))


def test_every_scheme_version_has_the_dip_tables():
    versions = {r["value"] for r in read_seed("policy_parameters") if r["parameter"] == "dip_scheme_version"}
    for seed in ("dip_procedure_classes", "dip_procedure_exclusions", "dip_bed_day_rules", "dip_comorbidity_weights",
                 "dip_auxiliary_levels", "dip_disease_flags"):
        assert versions <= {r["scheme_version"] for r in read_seed(seed)}, seed


def test_reason_codes_seed():
    assert {r["reason_code"] for r in read_seed("dip_reason_codes")} == {"00", "D01", "D02", "D03", "D04", "D05", "D06"}


# --- the hospital self-check (drgdip group --dip) ---------------------------------------------------


def write_landing_csv(folder: Path, parts: dict[str, list[dict]]) -> None:
    """One hospital's delivery as landing CSV files (<part>.csv, the interface's columns)."""
    folder.mkdir(parents=True, exist_ok=True)
    for part, rows in parts.items():
        with (folder / f"{part}.csv").open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=[f.name for f in interface.PARTS[part]])
            writer.writeheader()
            writer.writerows(rows)


def test_self_check_gives_points_from_the_configured_warehouse_library(built, reference_warehouse, tmp_path):
    """`drgdip group --dip` on an appendectomy at the DIP tertiary hospital (cost 9000, like
    app_normal): disease K35.8|47.09 and 45 points from the 2024 library of the configured
    warehouse (every seed, plus this module's library tables); without a library the case says
    D06. A DRG hospital's case gets its key but no points."""
    bare = copy_warehouse(reference_warehouse, tmp_path / "bare" / "warehouse.duckdb")
    warehouse = copy_warehouse(reference_warehouse, tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"attach '{built}' as built (read_only)")
        con.execute("create schema marts")
        for table in ("fct_dip_library", "fct_dip_auxiliary", "fct_dip_deviation_means"):
            con.execute(f"create table marts.{table} as select * from built.marts.{table}")
    dip_case = make_list("sc_app", hospital=DIP_TERTIARY, diagnoses=("K35.8",), hi_paymtd="DIP", age="40",
                         medfee_sumamt="9000.00", hifp_pay="7000.00")
    dip_case["settlements"][0].update(medfee_sumamt="9000.00", hifp_pay="7000.00", psn_cash_pay="2000.00")
    dip_case["oprninfo"][0].update(oprn_oprt_code="47.09", oprn_oprt_name="阑尾切除术")
    dip_case["iteminfo"][1]["amt"] = "8765.50"
    landing = tmp_path / "landing"
    write_landing_csv(landing / "2024-03" / DIP_TERTIARY, dip_case)
    write_landing_csv(landing / "2024-03" / DRG_TERTIARY, make_list("sc_drg", hospital=DRG_TERTIARY))

    settings = replace(load_settings().with_paths(tmp_path / "data"), warehouse=warehouse)
    result = self_check(settings, landing, dip=True)
    dip = {r["setl_id"]: r for r in result.dip}
    assert "library of 2024 from" in result.dip_library
    got = dip["sc_app"]
    assert (got["disease_key"], got["dip_disease"], got["deviation_class"], got["points"], got["points_reason_code"]) == (
        "K35.8|47.09", "K35.8|47.09", "normal", "45.0000", "00")
    assert got["payment_method"] == "DIP" and "K35.8|47.09" in got["points_trace"]
    assert dip["sc_drg"]["payment_method"] == "DRG" and dip["sc_drg"]["points"] is None

    # no library in the configured warehouse: the points model says why
    result = self_check(replace(settings, warehouse=bare), landing, dip=True)
    assert result.dip_library.startswith("no DIP library in")
    got = {r["setl_id"]: r for r in result.dip}["sc_app"]
    assert (got["disease_key"], got["points"], got["points_reason_code"]) == ("K35.8|47.09", None, "D06")

