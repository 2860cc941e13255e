"""Supervision indicator marts (marts/supervision/mart_supervision__hospital_month*, issue 8 item 1)
on a hand-built history, every expected number computed by hand below.

One copy of the session's `reference_warehouse` (seeds loaded) per module: the two supervision
intermediates are written by hand with the contract's column types, then the three marts are
built by real dbt, 2024-02 first (creates the tables) and 2024-03 (incremental: the month appended
next to February, with the models' dbt tests).

Three DRGs (rw): GE19 (MDCG, 1.0), FR29 (MDCF, 2.0), DT19 (MDCD, 0.5). Hospitals, all tier 1:
HA and HB paid by DRG, HC by DIP; HD only has history.

2024-03 cases (cost, stay, fund, out-of-pocket, severity, case type, points):
    HA  a1 GE19 1000 5d  700  300 none normal 100
        a2 GE19 3000 9d 2000  500 MCC  high   150   died, insured elsewhere
        a3 FR29 4000 10d 3000 1000 CC  normal 200   readmitted 10 days after an earlier stay
        a4 ungroupable (no MDC) 2000 2d 1300 700, other, no points   readmitted after 20 days
    HB  b1 GE19 2000 6d 1500 500 none normal 100
        b2 FR29 2000 6d 1500 500 MCC  low    120    died
        b3 DT19 1000 3d  800 200 none normal  50
    HC  c1 GE19 2000 4d 1400 600 none normal  80    DIP disease K35.8|47.09
        c2 GE19 2000 4d 1400 600 CC   high   120    DIP disease K35.8|47.09
        c3 FR29 2000 8d 1200 800 none other  —      no DIP disease
History: 2024-02 HA two GE19 cases at 1000 and 3000; HC one DT19 case at 3000, died (and
readmitted: a February pair). 2024-01 HD 120 GE19 cases, none died. 2023-12 HD 5 GE19 cases, all died.

Regional means of 2024-03 (all hospitals' grouped cases): GE19 cost 10000/5 = 2000, stay 28/5 = 5.6;
FR29 8000/3, 24/3 = 8; DT19 1000, 3.
Low-risk groups, window 3 months, threshold mortality < 0.01: in 2024-03 (window 2024-01..03)
GE19 has 1 death in 5 + 2 + 120 = 127 cases (0.0079) → low-risk; FR29 1/3 and DT19 (the February
death) 1/2 are not. In 2024-02 (window 2023-12..02) GE19 has the 5 December deaths in 127 → not.

HA 2024-03: cmi (1+1+2)/3 = 4/3; cost_index (1000+3000+4000)/(2000+2000+8000/3) = 1.2;
time_index (5+9+10)/(5.6+5.6+8) = 1.25; mean stay 26/4 = 6.5; mean cost 10000/4 = 2500, +25 % on
February's 2000; fund share 7000/10000, out-of-pocket 2500/10000; low-risk a1, a2: 1 death in 2;
readmissions 1 within 15 days, 2 within 31, of 4 cases; high severity 2/3 grouped; high multiple
1/3 group-paid; cross-region 1/4; points 450.
HB: cmi 3.5/3; cost_index 5000/(2000+8000/3+1000) = 15/17; time_index 15/16.6; no February →
growth NULL; one low-risk case (b1), no low-risk death (b2 died in FR29); low multiple 1/3.
HC: cmi 4/3; cost_index 6000/(20000/3) = 0.9; time_index 16/19.2; mean cost 2000 vs 3000 → −1/3.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import copy_warehouse, create_supervision_intermediates, dbt, fetch

MONTH = "2024-03"
MARTS = ("mart_supervision__hospital_month", "mart_supervision__hospital_month_mdc",
         "mart_supervision__hospital_month_dip")
SINGULAR_TESTS = ("indicators_hospital_month_reconciles", "indicators_mdc_reconciles",
                  "indicators_dip_reconciles", "indicators_ranges")
HOSPITALS = {  # code: (name, tier, payment method)
    "HA": ("H37030300001", "淄博市东岳人民医院", 1, "DRG"),
    "HB": ("H37030300002", "淄博市齐都中心医院", 1, "DRG"),
    "HC": ("H37030300003", "淄博市岐黄中医医院", 1, "DIP"),
    "HD": ("H37030500001", "临淄区齐盛医院", 1, "DRG"),
}
DRGS = {"GE19": ("MDCG", "GE1", "1.0"), "FR29": ("MDCF", "FR2", "2.0"), "DT19": ("MDCD", "DT1", "0.5")}


@dataclass
class Case:
    setl_id: str
    hospital: str  # key of HOSPITALS
    month: str
    drg: str | None  # None: ungroupable before the MDC (DRG 0000)
    cost: str
    los: int
    fund: str = "0"
    out_of_pocket: str = "0"
    severity: str = "none"
    multiple_type: str = "normal"
    points: str | None = "100"
    died: bool = False
    cross_region: bool = False
    dip_disease: str | None = None

    def row(self) -> tuple:
        code, name, tier, method = HOSPITALS[self.hospital]
        grouped = self.drg is not None
        mdc, adrg, rw = DRGS[self.drg] if grouped else (None, None, None)
        return (
            self.setl_id, code, name, tier, method, method, self.month, int(self.month[:4]),
            f"person-{self.setl_id}", f"{self.month}-01 08:00:00", f"{self.month}-20 10:00:00", self.los,
            self.died, "K35.8", "K35", mdc, adrg, self.drg or "0000", self.drg, "grouped" if grouped else "ungroupable",
            self.severity if grouped else None, grouped and self.severity in ("MCC", "CC"), None,
            Decimal(rw) if rw else None, None, Decimal(self.cost), Decimal(self.fund), Decimal(self.out_of_pocket),
            self.multiple_type, Decimal(self.points) if self.points else None, self.cross_region, self.dip_disease,
        )


CASES = [
    Case("a1", "HA", MONTH, "GE19", "1000", 5, "700", "300", points="100"),
    Case("a2", "HA", MONTH, "GE19", "3000", 9, "2000", "500", "MCC", "high", "150", died=True, cross_region=True),
    Case("a3", "HA", MONTH, "FR29", "4000", 10, "3000", "1000", "CC", points="200"),
    Case("a4", "HA", MONTH, None, "2000", 2, "1300", "700", multiple_type="other", points=None),
    Case("b1", "HB", MONTH, "GE19", "2000", 6, "1500", "500", points="100"),
    Case("b2", "HB", MONTH, "FR29", "2000", 6, "1500", "500", "MCC", "low", "120", died=True),
    Case("b3", "HB", MONTH, "DT19", "1000", 3, "800", "200", points="50"),
    Case("c1", "HC", MONTH, "GE19", "2000", 4, "1400", "600", points="80", dip_disease="K35.8|47.09"),
    Case("c2", "HC", MONTH, "GE19", "2000", 4, "1400", "600", "CC", "high", "120", dip_disease="K35.8|47.09"),
    Case("c3", "HC", MONTH, "FR29", "2000", 8, "1200", "800", multiple_type="other", points=None),
]
HISTORY = [
    Case("a_feb1", "HA", "2024-02", "GE19", "1000", 5),
    Case("a_feb2", "HA", "2024-02", "GE19", "3000", 5),
    Case("c_feb1", "HC", "2024-02", "DT19", "3000", 5, died=True, dip_disease="DT"),
    *(Case(f"d_jan{i}", "HD", "2024-01", "GE19", "2000", 5) for i in range(120)),
    *(Case(f"d_dec{i}", "HD", "2023-12", "GE19", "2000", 5, died=True) for i in range(5)),
]
PAIRS = [  # (hospital, month, first, second, gap_days, within 15 days)
    ("HA", MONTH, "a_feb1", "a3", 10, True),
    ("HA", MONTH, "a_feb2", "a4", 20, False),
    ("HC", "2024-02", "c_jan", "c_feb1", 3, True),
]


def write_intermediates(warehouse: Path) -> None:
    """int_supervision__cases and int_supervision__readmission_pairs as the lead's models make them."""
    with duckdb.connect(str(warehouse)) as con:
        create_supervision_intermediates(con)
        rows = [c.row() for c in CASES + HISTORY]
        con.executemany(f"insert into intermediate.int_supervision__cases values ({', '.join('?' * len(rows[0]))})",
                        rows)
        for hospital, month, first, second, gap, within in PAIRS:
            con.execute(
                "insert into intermediate.int_supervision__readmission_pairs values "
                "(?, ?, ?, ?, 'p', null, null, ?, 'K35.8', 'K35.8', null, null, null, null, true, true, ?, ?)",
                [HOSPITALS[hospital][0], month, first, second, gap, within, within])


@pytest.fixture(scope="module")
def built(reference_warehouse, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("supervision_indicators")
    warehouse = copy_warehouse(reference_warehouse, work / "warehouse.duckdb")
    write_intermediates(warehouse)
    # only the marts (the intermediates are hand-written); cautious: no test of another model
    dbt(["run", "--select", *MARTS, "--vars", json.dumps({"month": "2024-02"})], warehouse, work)
    dbt(["build", "--select", *MARTS, *SINGULAR_TESTS, "--indirect-selection", "cautious",
         "--vars", json.dumps({"month": MONTH})], warehouse, work)
    return warehouse


@pytest.fixture(scope="module")
def hospital(built) -> dict[tuple[str, str], dict]:
    code = {v[0]: k for k, v in HOSPITALS.items()}
    return {(code[r["fixmedins_code"]], r["data_month"]): r
            for r in fetch(built, "select * from marts.mart_supervision__hospital_month")}


@pytest.fixture(scope="module")
def mdc(built) -> dict[tuple[str, str], dict]:
    return {(r["fixmedins_code"], r["mdc"]): r for r in fetch(
        built, "select * from marts.mart_supervision__hospital_month_mdc where data_month = ?", [MONTH])}


def approx(value):
    return pytest.approx(value, rel=1e-12)


# --- hospital × month -----------------------------------------------------------------------------


def test_one_row_per_hospital_and_built_month(hospital):
    # HD has history only: no row; February stays next to March after the incremental run
    assert sorted(hospital) == [("HA", "2024-02"), ("HA", "2024-03"), ("HB", "2024-03"),
                                ("HC", "2024-02"), ("HC", "2024-03")]
    ha = hospital["HA", MONTH]
    assert (ha["fixmedins_name"], ha["level_tier"], ha["payment_method"], ha["year"]) == ("淄博市东岳人民医院", 1, "DRG", 2024)


def test_case_counts(hospital):
    got = {k: (r["cases"], r["grouped_cases"], r["weighted_cases"]) for k, r in hospital.items() if k[1] == MONTH}
    assert got == {("HA", MONTH): (4, 3, 3), ("HB", MONTH): (3, 3, 3), ("HC", MONTH): (3, 3, 3)}


@pytest.mark.parametrize(("key", "weight", "cmi"), [
    ("HA", "4.0000", 4 / 3), ("HB", "3.5000", 3.5 / 3), ("HC", "4.0000", 4 / 3)])
def test_total_weight_and_cmi(hospital, key, weight, cmi):
    row = hospital[key, MONTH]
    assert row["total_weight"] == Decimal(weight)
    assert row["cmi"] == approx(cmi)


@pytest.mark.parametrize(("key", "cost_index", "time_index"), [
    ("HA", 8000 / (2000 + 2000 + 8000 / 3), 24 / 19.2),  # 1.2, 1.25
    ("HB", 5000 / (2000 + 8000 / 3 + 1000), 15 / 16.6),  # 15/17
    ("HC", 6000 / (2000 + 2000 + 8000 / 3), 16 / 19.2),  # 0.9
])
def test_cost_and_time_index_against_the_regional_mean_of_the_drg(hospital, key, cost_index, time_index):
    row = hospital[key, MONTH]
    assert (row["cost_index"], row["time_index"]) == (approx(cost_index), approx(time_index))


def test_cost_stay_money_and_shares(hospital):
    ha = hospital["HA", MONTH]
    assert (ha["total_cost"], ha["fund_amount"], ha["out_of_pocket"]) == (
        Decimal("10000.00"), Decimal("7000.00"), Decimal("2500.00"))
    assert (ha["mean_cost"], ha["mean_los"]) == (2500.0, 6.5)
    assert (ha["fund_share"], ha["out_of_pocket_share"]) == (approx(0.7), approx(0.25))
    assert ha["points"] == Decimal("450.0000")
    hb = hospital["HB", MONTH]
    assert (hb["total_cost"], hb["mean_cost"], hb["mean_los"]) == (Decimal("5000.00"), approx(5000 / 3), 5.0)
    assert (hb["fund_share"], hb["out_of_pocket_share"]) == (approx(0.76), approx(0.24))


def test_mean_cost_growth_against_the_previous_month(hospital):
    assert hospital["HA", MONTH]["mean_cost_growth"] == approx(0.25)  # 2500 / 2000 − 1
    assert hospital["HB", MONTH]["mean_cost_growth"] is None  # no February case
    assert hospital["HC", MONTH]["mean_cost_growth"] == approx(-1 / 3)  # 2000 / 3000 − 1
    assert hospital["HA", "2024-02"]["mean_cost_growth"] is None  # nothing in January


def test_low_risk_mortality_over_the_trailing_window(hospital):
    got = {k: (r["low_risk_cases"], r["low_risk_deaths"], r["low_risk_mortality"]) for k, r in hospital.items()}
    assert got[("HA", MONTH)] == (2, 1, 0.5)  # GE19: 1 death in 127 cases of 2024-01..03
    assert got[("HB", MONTH)] == (1, 0, 0.0)  # b2 died in FR29 (1/3): not a low-risk group
    assert got[("HC", MONTH)] == (2, 0, 0.0)
    # February's window 2023-12..02 holds the 5 December deaths: GE19 is not low-risk then
    assert got[("HA", "2024-02")] == (0, 0, None)


def test_readmission_rates(hospital):
    got = {k: (r["readmissions_15d"], r["readmission_rate_15d"], r["readmissions_31d"], r["readmission_rate_31d"])
           for k, r in hospital.items()}
    assert got[("HA", MONTH)] == (1, 0.25, 2, 0.5)
    assert got[("HB", MONTH)] == (0, 0.0, 0, 0.0)
    assert got[("HC", MONTH)] == (0, 0.0, 0, 0.0)  # its pair is February's
    assert got[("HC", "2024-02")] == (1, 1.0, 1, 1.0)


def test_severity_multiple_and_cross_region_shares(hospital):
    ha, hb, hc = (hospital[h, MONTH] for h in ("HA", "HB", "HC"))
    assert (ha["high_severity_cases"], ha["high_severity_share"]) == (2, approx(2 / 3))
    assert (ha["group_paid_cases"], ha["high_multiple_cases"], ha["high_multiple_share"],
            ha["low_multiple_cases"], ha["low_multiple_share"]) == (3, 1, approx(1 / 3), 0, 0.0)
    assert (ha["cross_region_cases"], ha["cross_region_share"]) == (1, 0.25)
    assert (hb["low_multiple_cases"], hb["low_multiple_share"], hb["high_severity_share"]) == (
        1, approx(1 / 3), approx(1 / 3))
    assert (hc["group_paid_cases"], hc["high_multiple_share"], hc["high_severity_share"]) == (2, 0.5, approx(1 / 3))


def test_money_is_decimal_and_ratios_double(built):
    types = {r["column_name"]: r["data_type"] for r in fetch(
        built, "select column_name, data_type from information_schema.columns "
               "where table_schema = 'marts' and table_name = 'mart_supervision__hospital_month'")}
    assert {types[c] for c in ("total_cost", "fund_amount", "out_of_pocket")} == {"DECIMAL(18,2)"}
    assert {types[c] for c in ("cmi", "cost_index", "time_index", "fund_share", "readmission_rate_15d")} == {"DOUBLE"}
    assert types["points"] == "DECIMAL(18,4)"


def test_reconciliation_tests_catch_a_mart_that_does_not_add_up(built, tmp_path):
    """The singular reconciliation tests are not vacuous: one case too many in a hospital-month of
    the hospital mart, and a point too many in one MDC row, each fail their test."""
    warehouse = copy_warehouse(built, tmp_path / "warehouse.duckdb")
    code = HOSPITALS["HA"][0]
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.mart_supervision__hospital_month set cases = cases + 1 "
                    "where fixmedins_code = ? and data_month = ?", [code, MONTH])
        con.execute("update marts.mart_supervision__hospital_month_mdc set points = points + 1 "
                    "where fixmedins_code = ? and data_month = ? and mdc = 'MDCG'", [code, MONTH])
    done = dbt(["--no-use-colors", "test", "--select", "indicators_hospital_month_reconciles",
                "indicators_mdc_reconciles", "--vars", json.dumps({"month": MONTH})], warehouse, tmp_path, check=False)
    assert done.returncode == 1, done.stdout[-3000:]
    for test in ("indicators_hospital_month_reconciles", "indicators_mdc_reconciles"):
        assert f"Failure in test {test}" in done.stdout
    assert done.stdout.count("Got 1 result") == 2  # one hospital-month each


# --- hospital × month × MDC ----------------------------------------------------------------------


def test_mdc_rows_split_the_hospital_month(mdc):
    ha = {k[1]: r for k, r in mdc.items() if k[0] == HOSPITALS["HA"][0]}
    assert sorted(ha) == ["MDCF", "MDCG", "NONE"]
    assert sum(r["cases"] for r in ha.values()) == 4


def test_mdc_indicators(mdc):
    code = HOSPITALS["HA"][0]
    g, f, none = mdc[code, "MDCG"], mdc[code, "MDCF"], mdc[code, "NONE"]
    # MDCG: a1, a2 (GE19, regional mean 2000 / 5.6 days); a2 died in a low-risk group
    assert (g["cases"], g["cmi"], g["cost_index"], g["time_index"]) == (2, 1.0, 1.0, approx(14 / 11.2))
    assert (g["low_risk_cases"], g["low_risk_deaths"], g["mean_cost_growth"]) == (2, 1, 0.0)  # Feb MDCG mean 2000
    assert (g["high_severity_share"], g["high_multiple_share"], g["cross_region_share"]) == (0.5, 0.5, 0.5)
    assert g["points"] == Decimal("250.0000")
    # MDCF: a3 (FR29, 8000/3, 8 days), readmitted within 15 days; no February case of the MDC
    assert (f["cmi"], f["cost_index"], f["time_index"]) == (2.0, approx(1.5), 1.25)
    assert (f["readmissions_15d"], f["readmission_rate_15d"], f["mean_cost_growth"]) == (1, 1.0, None)
    # NONE: the ungroupable a4: no weight, no index, no shares of grouped or group-paid cases
    assert (none["cases"], none["grouped_cases"], none["total_weight"], none["cmi"], none["cost_index"]) == (
        1, 0, Decimal("0.0000"), None, None)
    assert (none["high_severity_share"], none["high_multiple_share"], none["points"]) == (None, None, None)
    assert (none["readmissions_15d"], none["readmissions_31d"], none["readmission_rate_31d"]) == (0, 1, 1.0)


# --- DIP hospitals × month × disease ---------------------------------------------------------------


def test_dip_disease_rows(built):
    rows = {r["dip_disease_code"]: r for r in fetch(
        built, "select * from marts.mart_supervision__hospital_month_dip where data_month = ?", [MONTH])}
    assert sorted(rows) == ["K35.8|47.09", "NONE"]  # HC only: HA and HB are paid by DRG
    k = rows["K35.8|47.09"]
    assert (k["cases"], k["total_cost"], k["mean_cost"], k["mean_los"], k["points"], k["mean_points"]) == (
        2, Decimal("4000.00"), 2000.0, 4.0, Decimal("200.0000"), 100.0)
    assert (k["group_paid_cases"], k["high_multiple_share"], k["low_multiple_share"]) == (2, 0.5, 0.0)
    none = rows["NONE"]
    assert (none["cases"], none["points"], none["mean_points"], none["high_multiple_share"]) == (1, None, None, None)


# --- the demo region ------------------------------------------------------------------------------


@pytest.mark.slow
def test_built_region_counts_every_staged_case_once(built_region):
    """Per hospital-month: staged settlement lists = supervision cases = the hospital mart's cases =
    Σ its MDC rows = (DIP hospitals) Σ its disease rows."""
    rows = fetch(built_region.warehouse, """
        with staged as (select data_month, fixmedins_code, count(*) as n from staging.stg_setlinfo group by all),
        base as (select data_month, fixmedins_code, any_value(payment_method) as payment_method, count(*) as n
                 from intermediate.int_supervision__cases group by all),
        mdc as (select data_month, fixmedins_code, sum(cases) as n
                from marts.mart_supervision__hospital_month_mdc group by all),
        dip as (select data_month, fixmedins_code, sum(cases) as n
                from marts.mart_supervision__hospital_month_dip group by all)
        select s.data_month, s.fixmedins_code, b.payment_method, s.n as staged, b.n as base, h.cases as hospital,
            m.n as mdc, d.n as dip
        from staged as s
        full outer join base as b using (data_month, fixmedins_code)
        full outer join marts.mart_supervision__hospital_month as h using (data_month, fixmedins_code)
        left join mdc as m using (data_month, fixmedins_code)
        left join dip as d using (data_month, fixmedins_code)
        order by 1, 2""")
    assert {r["data_month"] for r in rows} == {"2024-02", "2024-03"}
    assert any(r["payment_method"] == "DIP" for r in rows)
    for r in rows:
        assert r["staged"] == r["base"] == r["hospital"] == r["mdc"], r
        assert r["dip"] == (r["hospital"] if r["payment_method"] == "DIP" else None), r

