"""dbt staging: typing, latest upload wins, routing to the discharge month, quarantine, row
accounting, partition idempotency, and the dbt ↔ Dagster wiring.

The raw rows are written by hand (`make_list` in conftest), so every expected count below can be
checked by reading `DATASET`. Two partitions are built once per module through Dagster
(`dagster.materialize` of the dbt assets) and the tests read, or copy, that warehouse.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import (
    HOSPITAL_A,
    UNKNOWN_HOSPITAL,
    copy_warehouse,
    dagster_resources,
    make_list,
    write_raw_file,
)
from dagster import AssetCheckKey, AssetKey, AssetSelection, materialize

from orchestration import dbt_sources, interface
from orchestration.accounting import ROW_ACCOUNTING_CHECKS, row_accounting
from orchestration.assets.dbt import MANIFEST, monthly_models, payment_models, per_run_models, reference_seeds
from orchestration.config import load_settings
from orchestration.project import RAW_ASSET_KEY
from orchestration.quarantine import REASONS

MARCH, APRIL = "2024-03", "2024-04"
STAGING = AssetSelection.groups("staging")


def _dataset() -> list[tuple[str, str, dict[str, list[dict]]]]:
    """(landing month, hospital folder, parts) per landing file set."""
    march_a = {part: [] for part in interface.PARTS}
    for case in (
        make_list("S1", dcla="2024-03-12 09:00:00"),  # first upload, corrected in April
        make_list("S3", adm_time="2024-02-30 08:00:00"),  # no such date: header quarantined
        make_list("S4", dscg="2024-03-15 10:00:00", gend="3"),  # sex code outside the interface's
        make_list("S5"),  # one fee line delivered twice (below)
        make_list("S8", dscg="2024/03/20 10:00:00"),  # discharge month unreadable: stays in landing month
        make_list("S10", medcasno=""),  # faulty first upload, replaced by a good one in April
        make_list("S11"),  # good first upload; April's faulty re-upload must not replace it
    ):
        for part, rows in case.items():
            march_a[part] += rows
    s5_fee = next(r for r in march_a["iteminfo"] if r["setl_id"] == "S5" and r["med_chrgitm"] == "09")
    march_a["iteminfo"].append(dict(s5_fee))  # exact duplicate row
    march_a["diseinfo"].append(  # a line whose list header was never uploaded
        {"setl_id": "S9", "dcla_time": "2024-03-12 09:00:00", "diag_srt_no": "1", "diag_code": "J18.9",
         "maindiag_flag": "1"}
    )
    march_unknown = make_list("S6", hospital=UNKNOWN_HOSPITAL)

    april_a = {part: [] for part in interface.PARTS}
    correction = make_list("S1", dcla="2024-04-02 09:00:00", diagnoses=("I21.1", "E11.9", "I10"))
    del correction["settlements"]  # a corrected list; the settlement itself is not re-sent
    for case in (
        correction,
        make_list("S2", dscg="2024-03-20 10:00:00", dcla="2024-04-05 09:00:00"),  # late upload of March
        make_list("S7", dscg="2024-04-10 10:00:00", dcla="2024-04-12 09:00:00", adm_time="2024-04-01 08:00:00"),
        make_list("S10", dcla="2024-04-03 09:00:00"),
        make_list("S11", dcla="2024-04-03 09:00:00", age="4x"),
    ):
        if case["setlinfo"][0]["setl_id"] in ("S10", "S11"):
            del case["settlements"]  # re-uploads of lists; settlements delivered once, in March
        for part, rows in case.items():
            april_a[part] += rows
    return [(MARCH, HOSPITAL_A, march_a), (MARCH, UNKNOWN_HOSPITAL, march_unknown), (APRIL, HOSPITAL_A, april_a)]


DATASET = _dataset()

# (staged, superseded, quarantined) per part, as the comments in _dataset() imply
EXPECTED = {
    MARCH: {
        "settlements": (7, 0, 2),  # S1 S2 S3 S4 S5 S10 S11 | - | S6 unknown hospital, S8 unreadable setl_time
        # S1(April) S2 S5 S10(April) S11(March) | S1(March) S10(March) | S3 S4 S6 S8 S11(April)
        "setlinfo": (5, 2, 5),
        "diseinfo": (11, 4, 11),  # 3+2+2+2+2 | 2+2 | 2 each for S3 S4 S6 S8 S11(April), + the orphan S9
        "oprninfo": (5, 2, 5),
        "iteminfo": (10, 4, 11),  # S5's duplicate fee line among the quarantined
    },
    APRIL: {"settlements": (1, 0, 0), "setlinfo": (1, 0, 0), "diseinfo": (2, 0, 0), "oprninfo": (1, 0, 0),
            "iteminfo": (2, 0, 0)},
}


def write_dataset(warehouse: Path) -> None:
    for landing_month, hospital, parts in DATASET:
        for part, rows in parts.items():
            write_raw_file(warehouse, part, rows, landing_month=landing_month, hospital=hospital)


def range_tags(first: str, last: str) -> dict[str, str]:
    """The tags of a single-run backfill over first..last (what the UI and the CLI launch)."""
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}


def build_month(settings, month: str, *, raise_on_error: bool = True, last: str | None = None, assets=()):
    """Materialise the staging models (and their checks) of one partition, or of the range
    month..last as one run, in-process."""
    return materialize(
        [per_run_models, monthly_models, *ROW_ACCOUNTING_CHECKS, *assets],
        partition_key=None if last else month,
        tags=range_tags(month, last) if last else None,
        resources=dagster_resources(settings),
        selection=STAGING | AssetSelection.assets(*assets),
        raise_on_error=raise_on_error,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory, reference_warehouse):
    """Hand-built raw rows, staged for March and April in one run (a single-run backfill);
    returns (settings, {range: run result})."""
    settings = load_settings().with_paths(tmp_path_factory.mktemp("staged"))
    copy_warehouse(reference_warehouse, settings.warehouse)
    write_dataset(settings.warehouse)
    results = {f"{MARCH}..{APRIL}": build_month(settings, MARCH, last=APRIL)}
    return settings, results


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def quarantined(warehouse: Path, part: str, setl_id: str) -> list[tuple]:
    return query(
        warehouse,
        "select field, reason_code, message, data_month from staging.stg_quarantine where part = ? and setl_id = ?"
        " order by _row_number",
        [part, setl_id],
    )


# --- the sources YAML and the dbt docs stay the rendering of interface.py -----------------------


def test_sources_yaml_is_generated_from_interface():
    assert dbt_sources.SOURCES_FILE.read_text(encoding="utf-8") == dbt_sources.render(), (
        "regenerate: python -m orchestration.dbt_sources"
    )
    assert dbt_sources.DOCS_FILE.read_text(encoding="utf-8") == dbt_sources.render_docs()


def test_every_interface_field_described_in_english_and_chinese():
    text = dbt_sources.SOURCES_FILE.read_text(encoding="utf-8")
    for fields in interface.PARTS.values():
        for field in fields:
            assert field.name in dbt_sources.FIELD_DESCRIPTIONS
            assert field.label in text


# --- staging rules --------------------------------------------------------------------------------


def test_rows_per_status_month_and_part(built):
    settings, _ = built
    for month, parts in EXPECTED.items():
        for part, expected in parts.items():
            counts = dict(query(
                settings.warehouse,
                "select row_status, count(*) from staging.stg_row_status where data_month = ? and part = ? group by 1",
                [month, part],
            ))
            got = (counts.get("staged", 0), counts.get("superseded", 0), counts.get("quarantined", 0))
            assert got == expected, (month, part)
            assert query(settings.warehouse, f"select count(*) from staging.stg_{part} where data_month = ?",
                         [month])[0][0] == expected[0]


def test_latest_upload_wins_and_children_follow(built):
    settings, _ = built
    header = query(settings.warehouse,
                   "select dcla_time, _landing_month, data_month from staging.stg_setlinfo where setl_id = 'S1'")
    assert [(str(d), lm, m) for d, lm, m in header] == [("2024-04-02 09:00:00", APRIL, MARCH)]
    diagnoses = query(settings.warehouse,
                      "select diag_code, dcla_time from staging.stg_diseinfo where setl_id = 'S1' order by diag_srt_no")
    assert [code for code, _ in diagnoses] == ["I21.1", "E11.9", "I10"]  # the corrected upload's, none of the first
    assert {str(d) for _, d in diagnoses} == {"2024-04-02 09:00:00"}
    superseded = query(settings.warehouse,
                       "select part, _landing_month from staging.stg_row_status where setl_id = 'S1' and row_status = "
                       "'superseded' order by part")
    assert superseded == [("diseinfo", MARCH), ("diseinfo", MARCH), ("iteminfo", MARCH), ("iteminfo", MARCH),
                          ("oprninfo", MARCH), ("setlinfo", MARCH)]


def test_faulty_upload_replaced_by_a_good_one_is_superseded_not_quarantined(built):
    settings, _ = built
    status = query(settings.warehouse, "select part, _landing_month, row_status, reason_code from staging.stg_row_status "
                   "where setl_id = 'S10' and part in ('setlinfo', 'diseinfo') order by part, _landing_month, _row_number")
    assert status == [("diseinfo", MARCH, "superseded", None), ("diseinfo", MARCH, "superseded", None),
                      ("diseinfo", APRIL, "staged", None), ("diseinfo", APRIL, "staged", None),
                      ("setlinfo", MARCH, "superseded", None), ("setlinfo", APRIL, "staged", None)]


def test_faulty_re_upload_does_not_replace_a_good_list(built):
    settings, _ = built
    assert query(settings.warehouse, "select _landing_month, age from staging.stg_setlinfo where setl_id = 'S11'") == [
        (MARCH, 44)
    ]
    [(field, reason, message, month)] = quarantined(settings.warehouse, "setlinfo", "S11")
    assert (field, reason, month) == ("age", "UNPARSEABLE_NUMBER", MARCH)
    assert "'4x'" in message and "whole number" in message
    assert {r for _, r, _, _ in quarantined(settings.warehouse, "diseinfo", "S11")} == {"ORPHAN_CHILD"}


def test_late_upload_lands_in_its_discharge_month(built):
    settings, _ = built
    for part in interface.PARTS:
        months = query(settings.warehouse,
                       f"select distinct data_month, _landing_month from staging.stg_{part} where setl_id = 'S2'")
        assert months == [(MARCH, APRIL)], part


def test_typed_per_interface(built):
    settings, _ = built
    sql_types = {"varchar": "VARCHAR", "integer": "INTEGER", "decimal": "DECIMAL(18,2)", "date": "DATE",
                 "timestamp": "TIMESTAMP"}
    for part, fields in interface.PARTS.items():
        columns = dict(query(settings.warehouse,
                             "select column_name, data_type from information_schema.columns "
                             "where table_schema = 'staging' and table_name = ?", [f"stg_{part}"]))
        for field in fields:
            assert columns[dbt_sources.raw_column_name(field)] == sql_types[field.type], (part, field.name)
        assert columns["data_month"] == "VARCHAR"
    amount = query(settings.warehouse, "select medfee_sumamt from staging.stg_setlinfo where setl_id = 'S5'")
    assert amount == [(Decimal("1234.50"),)]


def test_unparseable_date_quarantined_with_field_named(built):
    settings, _ = built
    [(field, reason, message, month)] = quarantined(settings.warehouse, "setlinfo", "S3")
    assert (field, reason, month) == ("adm_time", "UNPARSEABLE_DATE", MARCH)
    assert f"{MARCH}/{HOSPITAL_A}/setlinfo.csv, row 2" in message
    assert "adm_time" in message and "'2024-02-30 08:00:00'" in message
    # its lines cannot be staged without it
    lines = quarantined(settings.warehouse, "diseinfo", "S3")
    assert {(f, r) for f, r, _, _ in lines} == {("setl_id", "ORPHAN_CHILD")}
    assert "was quarantined (UNPARSEABLE_DATE)" in lines[0][2]


def test_unreadable_discharge_month_stays_in_landing_month(built):
    settings, _ = built
    [(field, reason, message, month)] = quarantined(settings.warehouse, "setlinfo", "S8")
    assert (field, reason, month) == ("dscg_time", "UNPARSEABLE_DATE", MARCH)
    assert "'2024/03/20 10:00:00'" in message
    assert {m for *_, m in quarantined(settings.warehouse, "diseinfo", "S8")} == {MARCH}


def test_invalid_code_quarantined(built):
    settings, _ = built
    [(field, reason, message, _)] = quarantined(settings.warehouse, "setlinfo", "S4")
    assert (field, reason) == ("gend", "INVALID_VALUE")
    assert "'3'" in message and "allowed: 1, 2, 9" in message


def test_unknown_hospital(built):
    settings, _ = built
    for part in ("settlements", "setlinfo"):
        [(field, reason, message, _)] = quarantined(settings.warehouse, part, "S6")
        assert (field, reason) == ("fixmedins_code", "UNKNOWN_HOSPITAL")
        assert UNKNOWN_HOSPITAL in message
    assert query(settings.warehouse, "select count(*) from staging.stg_setlinfo where setl_id = 'S6'") == [(0,)]


def test_orphan_child(built):
    settings, _ = built
    [(field, reason, message, month)] = quarantined(settings.warehouse, "diseinfo", "S9")
    assert (field, reason, month) == ("setl_id", "ORPHAN_CHILD", MARCH)
    assert "no settlement-list header" in message and "S9" in message


def test_duplicate_row(built):
    settings, _ = built
    [(_, reason, message, _)] = quarantined(settings.warehouse, "iteminfo", "S5")
    assert reason == "DUPLICATE_ROW"
    assert "exact copy of" in message
    assert query(settings.warehouse, "select med_chrgitm, amt from staging.stg_iteminfo where setl_id = 'S5' "
                 "order by 1") == [("01", Decimal("234.50")), ("09", Decimal("1000.00"))]


def test_quarantine_reason_codes_are_documented(built):
    settings, _ = built
    codes = {c for (c,) in query(settings.warehouse, "select distinct reason_code from staging.stg_quarantine")}
    assert codes and codes <= set(REASONS)
    described = query(settings.warehouse,
                      "select count(*) from staging.stg_quarantine where reason_description is null")
    assert described == [(0,)]


def test_no_personal_value_in_staging(built):
    settings, _ = built
    tables = [t for (t,) in query(settings.warehouse,
                                  "select table_name from information_schema.tables where table_schema = 'staging'")]
    for table in tables:
        text = query(settings.warehouse, f"select string_agg(cast(t as varchar), '|') from staging.{table} t")[0][0]
        assert "370303198001011234" not in (text or "") and "张三" not in (text or ""), table


# --- Dagster: checks, idempotency, partitions -----------------------------------------------------


def _check_results(result) -> dict[AssetCheckKey, object]:
    return {evaluation.asset_check_key: evaluation for evaluation in result.get_asset_check_evaluations()}


def test_dbt_tests_and_row_accounting_are_asset_checks_that_pass(built):
    _, results = built
    for month, result in results.items():
        checks = _check_results(result)
        accounting = [key for key in checks if key.name == "row_accounting"]
        assert len(accounting) == len(interface.PARTS), month
        dbt_checks = [key for key in checks if key.name != "row_accounting"]
        assert len(dbt_checks) > 30  # not_null, unique, accepted_values, relationships...
        failed = {str(key): e.description for key, e in checks.items() if not e.passed}
        assert not failed, (month, failed)


def test_rematerialising_a_month_leaves_identical_tables(built, tmp_path):
    settings, _ = built
    copy = load_settings().with_paths(tmp_path)
    copy_warehouse(settings.warehouse, copy.warehouse)

    def snapshot() -> dict[str, list[tuple]]:
        return {t: query(copy.warehouse, f"select * from staging.{t} order by all") for t in
                ("stg_settlements", "stg_setlinfo", "stg_diseinfo", "stg_oprninfo", "stg_iteminfo",
                 "stg_row_status", "stg_quarantine")}

    before = snapshot()
    build_month(copy, MARCH)
    assert snapshot() == before


def test_a_month_whose_rows_all_disappear_ends_empty(built, tmp_path):
    settings, _ = built
    copy = load_settings().with_paths(tmp_path)
    copy_warehouse(settings.warehouse, copy.warehouse)
    with duckdb.connect(str(copy.warehouse)) as con:
        for part in interface.PARTS:
            con.execute(f"delete from raw.{part} where setl_id = 'S7'")
    build_month(copy, APRIL)
    for table in ("stg_settlements", "stg_setlinfo", "stg_diseinfo", "stg_row_status"):
        assert query(copy.warehouse, f"select count(*) from staging.{table} where data_month = ?", [APRIL]) == [(0,)]
    # March untouched
    assert query(copy.warehouse, "select count(*) from staging.stg_setlinfo where data_month = ?", [MARCH]) == [(5,)]


def test_row_accounting_fails_when_a_staged_row_vanishes(built, tmp_path):
    settings, _ = built
    copy = load_settings().with_paths(tmp_path)
    copy_warehouse(settings.warehouse, copy.warehouse)
    with duckdb.connect(str(copy.warehouse)) as con:
        assert row_accounting(con, "diseinfo", MARCH)["problems"] == []
        con.execute("delete from staging.stg_diseinfo where setl_id = 'S5' and diag_srt_no = 2")
        problems = row_accounting(con, "diseinfo", MARCH)["problems"]
    assert problems and "stg_diseinfo holds 10 rows but 11 are staged" in problems[0]
    assert "2024-03 (1)" in problems[0]  # the month that does not add up is named

    # The same through Dagster, without rebuilding: the warehouse-wide checks run alone.
    result = materialize(
        [per_run_models, monthly_models, *ROW_ACCOUNTING_CHECKS],
        resources=dagster_resources(copy),
        selection=AssetSelection.checks(*[c.check_key for c in ROW_ACCOUNTING_CHECKS]),
        raise_on_error=False,
    )
    checks = _check_results(result)
    failed = {key.asset_key for key, e in checks.items() if not e.passed}
    assert failed == {AssetKey(["staging", "stg_diseinfo"])}
    [evaluation] = [e for key, e in checks.items() if not e.passed]
    assert evaluation.severity.value == "ERROR"


def test_row_accounting_names_a_late_upload_nobody_restaged(built, tmp_path):
    """The run model's old blind spot: a list for March delivered in May, ingested by a run that
    stages only May, is in no staging table. The warehouse-wide accounting says so and names March;
    a run over March..May (what the CLI and a UI backfill launch) stages it."""
    settings, _ = built
    copy = load_settings().with_paths(tmp_path)
    copy_warehouse(settings.warehouse, copy.warehouse)
    may = "2024-05"
    for part, rows in make_list("S12", dscg="2024-03-25 10:00:00", dcla="2024-05-03 09:00:00").items():
        write_raw_file(copy.warehouse, part, rows, landing_month=may, hospital=HOSPITAL_A)
    result = build_month(copy, may, raise_on_error=False)
    checks = _check_results(result)
    failed = {key.asset_key.path[-1]: e.description for key, e in checks.items()
              if key.name == "row_accounting" and not e.passed}
    assert set(failed) == {f"stg_{part}" for part in interface.PARTS}
    assert "have no staging status" in failed["stg_setlinfo"] and "2024-03 (1)" in failed["stg_setlinfo"]

    result = build_month(copy, MARCH, last=may)
    assert all(e.passed for key, e in _check_results(result).items() if key.name == "row_accounting")
    assert query(copy.warehouse, "select data_month, _landing_month from staging.stg_setlinfo where setl_id = 'S12'") \
        == [(MARCH, may)]


def test_dagster_wiring():
    specs = {spec.key: spec for spec in monthly_models.specs}
    stg = specs[AssetKey(["staging", "stg_setlinfo"])]
    assert stg.group_name == "staging"
    # the routing tables and the views have no partition: rebuilt whole in the run that selects them
    per_run = {spec.key: spec for spec in per_run_models.specs}
    base = per_run[AssetKey(["staging", "base_raw__setlinfo"])]
    assert RAW_ASSET_KEY in {dep.asset_key for dep in base.deps} and base.partitions_def is None
    assert AssetKey(["intermediate", "int_payment__parameters"]) in per_run
    # a staged month reads the routing tables, which read every landing month (late uploads and
    # corrections of a month arrive in later folders)
    assert {dep.asset_key for dep in stg.deps} == {AssetKey(["staging", "base_raw__setlinfo"])}
    assert monthly_models.partitions_def is not None and reference_seeds.partitions_def is None
    # payment partitions exist only for the payment year
    assert payment_models.partitions_def.get_partition_keys()[0] == f"{load_settings().payment_year}-01"
    assert {spec.group_name for spec in reference_seeds.specs} == {"reference"}
    assert not any(key.path[-1] in {"hospitals", "fee_categories"} for key in specs)
    assert MANIFEST.exists()


# --- a generated region through ingestion and staging ---------------------------------------------


def test_generated_region_through_ingestion_and_staging(tiny_region, reference_warehouse, tmp_path):
    """Landing files → raw_settlement_lists (every landing month) → staging, in ONE run, in-process.
    Checked against the generator's ground truth: what it broke is quarantined with the field named,
    what it corrected or delivered late is staged from the later folder, and every row adds up."""
    import csv
    import shutil

    from orchestration.assets.ingestion import raw_settlement_lists

    settings = tiny_region.with_paths(tmp_path)  # a copy of the region's landing, a fresh warehouse
    shutil.copytree(tiny_region.landing_dir, settings.landing_dir)
    copy_warehouse(reference_warehouse, settings.warehouse)
    assets = [raw_settlement_lists, per_run_models, monthly_models, *ROW_ACCOUNTING_CHECKS]
    resources = dagster_resources(settings)
    # one run over the region's months, as `drgdip materialize --months 2024-02..2024-04` and a UI
    # backfill launch it: every landing month is ingested before any discharge month is staged, so the
    # warehouse-wide row accounting passes (February's late lists arrive in March's folder)
    result = materialize(assets, tags=range_tags("2024-02", APRIL), resources=resources,
                         selection=AssetSelection.assets(RAW_ASSET_KEY) | STAGING)
    checks = _check_results(result)
    assert sum(key.name == "row_accounting" for key in checks) == len(interface.PARTS)
    failed = {str(key): e.description for key, e in checks.items()
              if not e.passed and e.severity.value == "ERROR"}
    assert not failed

    with open(tiny_region.data_dir / "manifest" / "defects.csv", encoding="utf-8") as fh:
        defects = [d for d in csv.DictReader(fh) if d["data_month"] == MARCH]
    in_raw = {
        (part, setl_id, landing)
        for part in interface.PARTS
        for setl_id, landing in query(settings.warehouse, f"select distinct setl_id, _landing_month from raw.{part}")
    }
    staged = dict(query(settings.warehouse, "select setl_id, _landing_month from staging.stg_setlinfo"))
    status = {}
    for part, setl_id, landing, row_status, reason, field in query(
        settings.warehouse,
        "select part, setl_id, _landing_month, row_status, reason_code, field from staging.stg_row_status",
    ):
        status.setdefault((part, setl_id, landing), []).append((row_status, reason, field))

    seen = set()
    for d in defects:
        key = (d["part"], d["setl_id"], d["landing_month"])
        kind = d["defect_kind"]
        if key not in in_raw or d["landing_month"] not in (MARCH, APRIL):
            continue  # its file was refused at ingestion (file-level quarantine), or not ingested here
        if kind in ("missing_required", "unparseable_value") and d["landing_month"] == MARCH:
            assert any(s == "quarantined" and f == d["field"] for s, _, f in status[key]), d
        elif kind == "duplicate_row" and d["landing_month"] == MARCH:
            assert ("quarantined", "DUPLICATE_ROW", None) in status[key], d
        elif kind == "superseded_version":
            assert {s for s, _, _ in status[key]} == {"superseded"}, d  # the fault lives only in raw
        elif kind in ("late_upload", "re_upload") and d["part"] == "setlinfo":
            assert staged.get(d["setl_id"]) == d["landing_month"], d  # staged in March from its folder
        else:
            continue
        seen.add(kind)
    assert {"missing_required", "unparseable_value", "duplicate_row"} <= seen  # late uploads: hand-built tests
