"""Coverage of the assembled cycle on a small generated region, against the generator's manifest.

The session's `built_region` (tests/conftest.py: 4 hospitals of both payment methods, 2024-02..2024-03,
every row-level defect kind at 3%) ran through the real Dagster jobs in-process, as `drgdip demo`
runs them: `reference_data`, `monthly_cycle` per month, `annual_reference` for 2024 (no history
year in the warehouse: the weights and the DIP library fall back to 2024's own cases),
`monthly_payment` and `monthly_supervision` per month, `annual_clearing`. Then every case the
generator delivered clean (its setl_id in no row of `manifest/defects.csv`) must come out grouped
and pointed, and every staged case must be pointed by exactly the method of its hospital.
"""

from __future__ import annotations

import csv

import pytest
from conftest import fetch

from orchestration.config import SEEDS_DIR

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def region(built_region):
    """The session's built region: (warehouse path, setl_ids with an injected defect)."""
    with (built_region.data_dir / "manifest" / "defects.csv").open(encoding="utf-8", newline="") as fh:
        defective = {row["setl_id"] for row in csv.DictReader(fh) if row["setl_id"]}
    return built_region.warehouse, defective


def payment_methods() -> dict[str, str]:
    with (SEEDS_DIR / "hospitals.csv").open(encoding="utf-8", newline="") as fh:
        return {row["fixmedins_code"]: row["payment_method"] for row in csv.DictReader(fh)}


def test_the_region_has_clean_cases_of_both_methods(region):
    warehouse, defective = region
    staged = fetch(warehouse, "select setl_id, fixmedins_code from staging.stg_setlinfo")
    methods = payment_methods()
    clean_methods = {methods[r["fixmedins_code"]] for r in staged if r["setl_id"] not in defective}
    assert clean_methods == {"DRG", "DIP"}
    assert {r["setl_id"] for r in staged} & defective, "the region should carry some defects"


def test_every_clean_case_is_grouped(region):
    warehouse, defective = region
    rows = fetch(warehouse, "select setl_id, fixmedins_code, drg, reason_code, trace_summary from marts.fct_drg_case")
    assert rows
    bad = [r for r in rows if r["setl_id"] not in defective and (r["reason_code"] != "00" or not r["drg"]
                                                                  or r["drg"] == "0000" or r["drg"].endswith("QY"))]
    assert bad == []


def test_every_clean_dip_case_has_a_disease_and_points(region):
    warehouse, defective = region
    rows = fetch(warehouse, """
        select s.setl_id, p.disease_code, p.points, p.reason_code
        from staging.stg_setlinfo as s
        inner join reference.hospitals as h on h.fixmedins_code = s.fixmedins_code and h.payment_method = 'DIP'
        left join marts.fct_dip_case_points as p on p.setl_id = s.setl_id""")
    clean = [r for r in rows if r["setl_id"] not in defective]
    assert clean
    assert [r for r in clean if r["disease_code"] is None or r["points"] is None] == []


def test_every_clean_drg_case_has_points(region):
    warehouse, defective = region
    rows = fetch(warehouse, """
        select s.setl_id, p.drg, p.case_type, p.points
        from staging.stg_setlinfo as s
        inner join reference.hospitals as h on h.fixmedins_code = s.fixmedins_code and h.payment_method = 'DRG'
        left join marts.fct_drg_case_points as p on p.setl_id = s.setl_id""")
    clean = [r for r in rows if r["setl_id"] not in defective]
    assert clean
    assert [r for r in clean if r["points"] is None] == []


def test_every_staged_case_is_pointed_once_by_its_hospitals_method(region):
    warehouse, _ = region
    rows = fetch(warehouse, """
        select s.setl_id, h.payment_method,
               (select count(*) from marts.fct_drg_case_points as d where d.setl_id = s.setl_id) as drg_rows,
               (select count(*) from marts.fct_dip_case_points as p where p.setl_id = s.setl_id) as dip_rows
        from staging.stg_setlinfo as s
        left join reference.hospitals as h on h.fixmedins_code = s.fixmedins_code""")
    assert rows
    expected = {"DRG": (1, 0), "DIP": (0, 1)}
    wrong = [r for r in rows if (r["drg_rows"], r["dip_rows"]) != expected.get(r["payment_method"])]
    assert wrong == []
