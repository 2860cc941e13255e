"""`drgdip group`: a hospital's self-check on a tiny generated hospital-month (real ingestion,
real dbt seed and the real staging + DRG grouping models in a scratch DuckDB)."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from dataclasses import replace

import pyarrow.parquet as pq
import pytest

from orchestration.cli import main
from orchestration.config import SEEDS_DIR, load_settings
from orchestration.demo.generator import DefectRates, generate_region
from orchestration.selfcheck import SCRATCH_LANDING_MONTH, stage_landing

MONTH = "2024-03"
HOSPITAL = "H37030300001"  # a DRG hospital of seeds/hospitals.csv


@pytest.fixture(scope="module")
def hospital_month(tmp_path_factory):
    """One hospital-month: clean lists plus a few invalid principal diagnoses and unparseable values."""
    if not (SEEDS_DIR / "icd10_diagnoses.csv").exists():
        pytest.skip("seeds/icd10_diagnoses.csv is missing (run `drgdip catalogues` / `make setup`)")
    root = tmp_path_factory.mktemp("selfcheck")
    rates = replace(DefectRates.none(), invalid_principal_diag=0.1, unparseable_value=0.05)
    generate_region(root, seed=11, hospitals=[HOSPITAL], months=[MONTH], cases_per_year=400, defect_rates=rates)
    with (root / "manifest" / "defects.csv").open(encoding="utf-8") as fh:
        defects = {r["setl_id"]: r["defect_kind"] for r in csv.DictReader(fh)}
    return root / "landing" / MONTH / HOSPITAL, defects


@pytest.fixture(scope="module")
def checked(hospital_month, tmp_path_factory):
    """`drgdip group <folder> --json --dip` with a config whose warehouse does not exist (so: dbt
    seed, and no DIP library)."""
    folder, defects = hospital_month
    config = tmp_path_factory.mktemp("config") / "drgdip.toml"
    config.write_text('[paths]\nwarehouse = "none/warehouse.duckdb"\n', encoding="utf-8")
    capture = pytest.MonkeyPatch()  # capsys is per test; this runs once per module
    out = io.StringIO()
    capture.setattr(sys, "stdout", out)
    try:
        code = main(["--config", str(config), "group", str(folder), "--json", "--dip"])
    finally:
        capture.undo()
    assert code == 0
    return json.loads(out.getvalue()), defects


def _list_file(folder):
    """The hospital's settlement-list header file, in whichever landing format it was written."""
    (path,) = [p for p in folder.iterdir() if p.name.startswith("setlinfo.") or p.name == "setllist.json"]
    return path


def _setl_ids(folder) -> set[str]:
    path = _list_file(folder)
    if path.name == "setllist.json":
        return {case["setlinfo"]["setl_id"] for case in json.loads(path.read_text(encoding="utf-8"))["input"]}
    if path.suffix == ".parquet":
        return set(pq.read_table(path, columns=["setl_id"]).column("setl_id").to_pylist())
    with path.open(encoding="gb18030" if path.name.endswith(".gbk.csv") else "utf-8-sig", newline="") as fh:
        return {r["setl_id"] for r in csv.DictReader(fh)}


def test_every_delivered_list_is_grouped_or_quarantined(checked, hospital_month):
    result, _ = checked
    folder, _ = hospital_month
    grouped = {c["setl_id"] for c in result["cases"]}
    quarantined = {q["setl_id"] for q in result["quarantined"] if q["setl_id"]}
    assert result["months"] == [MONTH]
    assert result["reference"] == "dbt seed"
    assert _setl_ids(folder) <= grouped | quarantined
    assert grouped


def test_clean_cases_group_and_defects_carry_a_reason(checked):
    result, defects = checked
    for case in result["cases"]:
        if case["setl_id"] not in defects:
            assert case["group_status"] == "grouped", case["trace_summary"]
            assert case["drg"] != "0000" and case["mdc"] and case["adrg"]
        else:
            assert case["reason_code"] and case["trace_summary"]
        assert case["trace"]["result"]["reason_code"] == case["reason_code"]
    invalid = [c for c in result["cases"] if defects.get(c["setl_id"]) == "invalid_principal_diag"]
    assert invalid and all((c["drg"], c["reason_code"]) == ("0000", "E03") for c in invalid)


def test_quarantined_rows_name_the_users_file_and_reason(checked, hospital_month):
    result, _ = checked
    folder, _ = hospital_month
    assert result["quarantined"]
    for q in result["quarantined"]:
        assert q["source_file"].startswith(str(folder)), q  # the user's path, not the scratch copy
        assert q["reason_code"] and q["message"]


def test_a_single_file_outside_a_hospital_folder_is_filed_under_its_hospital(hospital_month, tmp_path):
    folder, _ = hospital_month
    loose = tmp_path / "upload"
    loose.mkdir()
    name = _list_file(folder).name
    shutil.copy(folder / name, loose / name)
    landing = tmp_path / "landing"
    settings = load_settings()
    months, renames = stage_landing(loose / name, landing, settings.pseudonym_key(), tmp_path)
    assert months == [SCRATCH_LANDING_MONTH]
    assert (landing / SCRATCH_LANDING_MONTH / HOSPITAL / name).exists()
    assert renames == {f"{SCRATCH_LANDING_MONTH}/{HOSPITAL}/": f"{loose}/"}


def test_dip_gives_each_case_its_disease_key_or_a_reason(checked):
    result, _ = checked
    dip = {r["setl_id"]: r for r in result["dip"]}
    assert set(dip) == {c["setl_id"] for c in result["cases"]}
    assert all(r["disease_key"] or r["reason_code"] for r in dip.values())
    # a DRG hospital and no configured warehouse: keys, no points, and the report says why
    assert all(r["payment_method"] == "DRG" and r["points"] is None for r in dip.values())
    assert result["dip_library"].startswith("no DIP library in")


def test_a_missing_path_is_a_clear_error(tmp_path, capsys):
    assert main(["group", str(tmp_path / "nothing")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
