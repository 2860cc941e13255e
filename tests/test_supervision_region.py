"""Supervision on the small built region, against the generator's ground truth (issue 8, item 3).

`built_region` (tests/conftest.py): the first 4 hospitals of the registry, all tier 1, about 200
cases a month over 2024-02..2024-03, run through every job. The generator made one hospital code
complications it does not treat (`manifest/hospital_profiles.csv`, upcoding = 1) and injected
readmissions (`manifest/split_admissions.csv`): split ones repeat the first stay's principal
diagnosis, the others are an unrelated illness in another MDC.
"""

from __future__ import annotations

import csv

import duckdb
import pytest

pytestmark = pytest.mark.slow


def fetch(warehouse, sql: str, params=None) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def manifest(settings, name: str) -> list[dict]:
    with (settings.data_dir / "manifest" / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def clean_readmissions(built_region):
    """The injected readmission pairs whose two stays reached the warehouse with their person."""
    cases = {r["setl_id"] for r in fetch(built_region.warehouse,
                                          "select setl_id from intermediate.int_supervision__cases "
                                          "where person_key is not null")}
    defective = {r["setl_id"] for r in manifest(built_region, "defects.csv") if r["setl_id"]}
    pairs = [r for r in manifest(built_region, "split_admissions.csv")
             if r["first_setl_id"] in cases and r["second_setl_id"] in cases
             and not {r["first_setl_id"], r["second_setl_id"]} & defective]
    assert pairs, "the region should hold readmissions of both kinds"
    return pairs


def test_every_injected_split_admission_is_a_suspected_pair(built_region, clean_readmissions):
    found = {(r["first_setl_id"], r["second_setl_id"]): r for r in fetch(
        built_region.warehouse, "select * from intermediate.int_supervision__readmission_pairs")}
    split = [p for p in clean_readmissions if p["split_admission"] == "1"]
    assert split
    missing = [p for p in split if not found.get((p["first_setl_id"], p["second_setl_id"]), {}).get("suspected_split")]
    assert not missing, missing[:5]


def test_unrelated_readmissions_are_counted_but_not_suspected(built_region, clean_readmissions):
    found = {(r["first_setl_id"], r["second_setl_id"]): r for r in fetch(
        built_region.warehouse, "select * from intermediate.int_supervision__readmission_pairs")}
    unrelated = [p for p in clean_readmissions if p["split_admission"] == "0"]
    assert unrelated
    for p in unrelated:
        pair = found.get((p["first_setl_id"], p["second_setl_id"]))
        assert pair is not None, p  # a readmission within 31 days all the same
        assert not pair["suspected_split"], pair
