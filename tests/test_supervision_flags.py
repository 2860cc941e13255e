"""Supervision flags (marts/supervision/mart_supervision__flags, issue 8 item 2), their review and
the path to money, on hand-built histories whose expected numbers are computed by hand below.

One copy of the session's `reference_warehouse` (seeds loaded) per module: the two supervision
intermediates are written by hand with the contract's column types, the confirmations seed is
replaced by hand-written decisions, then ONE real `dbt build` of 2024-03 builds the five flag
models, the mart, the review view and int_payment__hospital_adjustments (with their dbt tests).
Parameters are the 2024 seeds': window 3 months (2024-01..03), 20 cases at least, upcoding z ≥ 3
and O/E ≥ 1.3, split ≥ 1 pair, cost shifting O/E ≥ 1.5, low multiples O/E ≥ 2, stay index ≤ 0.7,
high weight RW ≥ 2, shirking ratio ≤ 0.5.

Each scenario lives in its own tier (peers = the other hospitals of the tier), with a subject S
that must fire, a twin T that must not (peer-like: its peers include S, which only moves it away
from firing) and two identical peers P1, P2:

tier 1 upcoding, 2024-03, 20 cases in each of ADRGs AA1 and BB1 per hospital. MCC/CC cases:
    peers and T 4 in AA1 (p = 0.2) and 10 in BB1 (p = 0.5), all by E11.9; S 12 and 16, of which
    8 and 6 by E87.1. S: O = 28, E = 20·0.2 + 20·0.5 = 14, V = 20·0.16 + 20·0.25 = 8.2,
    z = 14 / sqrt(8.2) = 4.889, O/E = 2 → fires; evidence E87.1: 14 cases, hospital share 0.5,
    peer share 0, excess 14 (E11.9: 14 cases = E × peer share 1, no excess). T: its peers' rates
    are 20/60 and 36/60, E = 18.67 > O = 14 → does not fire.
tier 2 split admissions, 25 cases each in 2024-03. S 3 suspected pairs, T 2 readmissions that are
    not suspected (an unrelated illness; a related one after 20 days), P1 1 suspected pair, P2 none.
    S: peers' rate p = 1/75, z = (3 − 25/75) / sqrt(25 · 1/75 · 74/75) = 4.650 → fires and lists
    its 3 pairs; T: 0 pairs → does not; P1 fires too (every suspected pair goes to review).
tier 3 cost shifting, per hospital 10 cases of CC13 at 10000 and 10 of DD13 at 5000; out of pocket
    peers and T 1000 (10 %) and 250 (5 %); S 2000 and 1000. S: O = 30000, E = 100000·0.1 +
    50000·0.05 = 12500, O/E = 2.4 → fires; evidence CC13 (excess 10000) then DD13 (7500).
tier 4 under-service, 20 cases of EE13 per hospital, DRG-paid except P_DIP (DIP-paid). Low
    multiples: peers and T 1 (5 %), P_DIP 10, S 6; stays 10 days, S 5. S: low-multiple peers are
    the DRG-paid T, P1, P2 only (3 / 60 → E = 1, P_DIP's deviation classes are another rule):
    O/E = 6 → fires; stay index 100 / 200 = 0.5 → fires. T: 1 low vs 20 · 8/60, index 200 / 175: neither.
tier 5 patient shirking: RW 3.0 (HW13) and 1.0 (LW13). 2024-01 and 2024-02: 2 HW13 + 8 LW13 per
    hospital and month; 2024-03: peers and T the same, S 1 HW13 + 39 LW13. S: r_h = (1/40) / (4/20)
    = 0.125, peers r_p = 1 → score 0.125 ≤ 0.5, and E = 40 · 0.2 · 1 = 8 high-weight cases expected,
    z = (1 − 8) / sqrt(8 · 0.8) = −2.77 ≤ −2.5 → fires. T: r_p = (5/60) / 0.2 = 0.4167, score 2.4.
tier 6: two hospitals of 5 cases (below 20: not evaluated); tier 7: one hospital alone (no peer).

Confirmations: S upcoding confirmed with 5000.00, S cost shifting dismissed, S split pending (no
decision), and a confirmation of T's upcoding flag, which did not fire: it must not reach money
(and the dbt test flags_confirmations_match_fired_flags warns about it).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import copy_warehouse, create_supervision_intermediates, dbt, fetch

from orchestration.cli import main as drgdip

MONTH = "2024-03"
FLAG_MODELS = ("int_supervision__flag_upcoding", "int_supervision__flag_split_admission",
               "int_supervision__flag_cost_shifting", "int_supervision__flag_under_service",
               "int_supervision__flag_patient_shirking", "mart_supervision__flags", "mart_supervision__flag_reviews")
MONEY_MODELS = ("int_payment__hospital_adjustments",)
SINGULAR_TESTS = ("flags_confirmations_valid", "flags_confirmations_match_fired_flags")
DEMO_PENALTY = ("H37030300002", Decimal("30000.00"))  # seeds/payment_penalties.csv, left as it is


CONFIRMATION_COLUMNS = ("flag_id", "fixmedins_code", "period", "flag_kind", "decision", "penalty_amount", "officer",
                        "decided_on", "decision_ref", "note")


@dataclass
class Case:
    hospital: str
    tier: int
    month: str
    drg: str
    severity_diag: str | None = None  # set: an MCC/CC case made so by this secondary diagnosis
    rw: str = "1.0"
    cost: str = "10000"
    out_of_pocket: str = "1000"
    multiple_type: str = "normal"
    los: int = 10
    method: str = "DRG"
    principal: str = "K35.8"

    def row(self, number: int) -> tuple:
        setl_id = f"{self.hospital}-{self.month}-{number:03d}"
        high = self.severity_diag is not None
        cost, oop = Decimal(self.cost), Decimal(self.out_of_pocket)
        return (
            setl_id, self.hospital, f"Hospital {self.hospital}", self.tier, self.method, self.method, self.month,
            int(self.month[:4]), f"person-{setl_id}", f"{self.month}-02 08:00:00", f"{self.month}-12 10:00:00",
            self.los, False, self.principal, self.principal[:3], "MDC" + self.drg[0], self.drg[:3], self.drg,
            f"group {self.drg}", "grouped", "CC" if high else "none", high, self.severity_diag, Decimal(self.rw),
            cost, cost, cost - oop, oop, self.multiple_type, Decimal(100), False, None,
        )


def cases(hospital: str, tier: int, n: int, month: str = MONTH, **kwargs) -> list[Case]:
    return [Case(hospital, tier, month, **kwargs) for _ in range(n)]


def upcoding_hospital(code: str, aa: list[tuple[int, str]], bb: list[tuple[int, str]]) -> list[Case]:
    """20 cases in ADRG AA1 and 20 in BB1; (count, diagnosis) of the MCC/CC ones per ADRG."""
    out = []
    for drg, high in (("AA13", aa), ("BB13", bb)):
        for count, diag in high:
            out += cases(code, 1, count, drg=drg, severity_diag=diag)
        out += cases(code, 1, 20 - sum(c for c, _ in high), drg=drg)
    return out


def cost_hospital(code: str, cc_oop: str, dd_oop: str) -> list[Case]:
    return (cases(code, 3, 10, drg="CC13", cost="10000", out_of_pocket=cc_oop)
            + cases(code, 3, 10, drg="DD13", cost="5000", out_of_pocket=dd_oop))


def under_service_hospital(code: str, low: int, los: int, method: str = "DRG") -> list[Case]:
    return (cases(code, 4, low, drg="EE13", multiple_type="low", los=los, method=method)
            + cases(code, 4, 20 - low, drg="EE13", los=los, method=method))


def shirking_hospital(code: str, march_high: int, march_low: int) -> list[Case]:
    out = []
    for month, high, low in (("2024-01", 2, 8), ("2024-02", 2, 8), (MONTH, march_high, march_low)):
        out += cases(code, 5, high, month=month, drg="HW13", rw="3.0") + cases(code, 5, low, month=month, drg="LW13")
    return out


CASES = [
    # tier 1: upcoding
    *upcoding_hospital("S_UPCODE", [(4, "E11.9"), (8, "E87.1")], [(10, "E11.9"), (6, "E87.1")]),
    *(c for code in ("T_UPCODE", "P1_UPCODE", "P2_UPCODE") for c in upcoding_hospital(code, [(4, "E11.9")], [(10, "E11.9")])),
    # tier 2: split admissions (pairs below)
    *(c for code in ("S_SPLIT", "T_SPLIT", "P1_SPLIT", "P2_SPLIT") for c in cases(code, 2, 25, drg="GG13")),
    # tier 3: cost shifting
    *cost_hospital("S_COST", "2000", "1000"),
    *(c for code in ("T_COST", "P1_COST", "P2_COST") for c in cost_hospital(code, "1000", "250")),
    # tier 4: under-service
    *under_service_hospital("S_UNDER", 6, 5),
    *(c for code in ("T_UNDER", "P1_UNDER", "P2_UNDER") for c in under_service_hospital(code, 1, 10)),
    *under_service_hospital("P_DIP_UNDER", 10, 10, method="DIP"),
    # tier 5: patient shirking
    *shirking_hospital("S_SHIRK", 1, 39),
    *(c for code in ("T_SHIRK", "P1_SHIRK", "P2_SHIRK") for c in shirking_hospital(code, 2, 8)),
    # tier 6: too few cases; tier 7: no peer
    *cases("SMALL_A", 6, 5, drg="AA13", severity_diag="E87.1"), *cases("SMALL_B", 6, 5, drg="AA13"),
    *cases("ALONE", 7, 30, drg="AA13", severity_diag="E87.1", out_of_pocket="9000"),
]


def setl(hospital: str, number: int) -> str:
    return f"{hospital}-{MONTH}-{number:03d}"


PAIRS = [  # hospital, first, second, gap days, principal diagnoses, related, within 15 days
    ("S_SPLIT", 1, 2, 3, ("K35.8", "K35.8"), True, True),
    ("S_SPLIT", 3, 4, 7, ("I21.0", "I21.1"), True, True),
    ("S_SPLIT", 5, 6, 14, ("K80.0", "K80.0"), True, True),
    ("T_SPLIT", 1, 2, 5, ("K35.8", "S72.0"), False, True),  # another illness
    ("T_SPLIT", 3, 4, 20, ("K35.8", "K35.8"), True, False),  # after the window
    ("P1_SPLIT", 1, 2, 10, ("J18.9", "J18.9"), True, True),
]

HOSPITAL_CONFIRMATIONS = [  # hospital, kind, decision, penalty
    ("S_UPCODE", "upcoding", "confirmed", "5000.00"),
    ("S_COST", "cost_shifting", "dismissed", None),
    ("T_UPCODE", "upcoding", "confirmed", "999.00"),  # T's flag did not fire: no money
]


def flag_id(hospital: str, kind: str, measure: str | None = None, period: str = MONTH) -> str:
    return hashlib.md5("|".join([hospital, period, kind] + ([measure] if measure else [])).encode()).hexdigest()


def write_inputs(warehouse: Path) -> None:
    """The two supervision intermediates as the lead's models make them, and the decisions."""
    with duckdb.connect(str(warehouse)) as con:
        create_supervision_intermediates(con)
        numbers: dict[tuple[str, str], int] = {}
        rows = []
        for case in CASES:
            key = (case.hospital, case.month)
            numbers[key] = numbers.get(key, 0) + 1
            rows.append(case.row(numbers[key]))
        con.executemany(f"insert into intermediate.int_supervision__cases values ({', '.join('?' * len(rows[0]))})",
                        rows)
        for hospital, first, second, gap, (diag1, diag2), related, within in PAIRS:
            con.execute(
                "insert into intermediate.int_supervision__readmission_pairs values "
                "(?, ?, ?, ?, 'p', null, ?, ?, ?, ?, 'GG13', 'GG13', 'GG1', 'GG1', ?, ?, ?, ?)",
                [hospital, MONTH, setl(hospital, first), setl(hospital, second), f"{MONTH}-{first + gap:02d} 08:00:00",
                 gap, diag1, diag2, diag1 == diag2, related, within, related and within])
        con.execute("delete from reference.supervision_confirmations")
        for hospital, kind, decision, penalty in HOSPITAL_CONFIRMATIONS:
            values = (flag_id(hospital, kind), hospital, MONTH, kind, decision, penalty, "officer", "2024-04-20",
                      f"ref-{hospital}", "test")
            con.execute(f"insert into reference.supervision_confirmations ({', '.join(CONFIRMATION_COLUMNS)}) "
                        f"values ({', '.join('?' * len(values))})", list(values))


@pytest.fixture(scope="module")
def built(reference_warehouse, tmp_path_factory) -> tuple[Path, Path]:
    """(warehouse, dbt work dir) after one dbt build of 2024-03."""
    work = tmp_path_factory.mktemp("supervision_flags")
    warehouse = copy_warehouse(reference_warehouse, work / "warehouse.duckdb")
    write_inputs(warehouse)
    # the hand-written intermediates are not rebuilt; cautious: no test of another model
    dbt(["build", "--select", *FLAG_MODELS, *MONEY_MODELS, *SINGULAR_TESTS, "--indirect-selection", "cautious",
         "--vars", json.dumps({"month": MONTH})], warehouse, work)
    return warehouse, work


@pytest.fixture(scope="module")
def flags(built) -> dict[tuple[str, str], dict]:
    """(hospital, kind or under_service measure) → the flag row of 2024-03."""
    rows = fetch(built[0], "select * from marts.mart_supervision__flags where period = ?", [MONTH])
    return {(r["fixmedins_code"], r["measure_name"] if r["flag_kind"] == "under_service" else r["flag_kind"]): r
            for r in rows}


def approx(value):
    return pytest.approx(value, rel=1e-9)


# --- what fires --------------------------------------------------------------------------------------


def test_each_kind_fires_at_its_subject_and_not_at_its_twin(flags):
    for subject, twin, kind in (("S_UPCODE", "T_UPCODE", "upcoding"), ("S_SPLIT", "T_SPLIT", "split_admission"),
                                ("S_COST", "T_COST", "cost_shifting"), ("S_UNDER", "T_UNDER", "low_multiple_ratio"),
                                ("S_UNDER", "T_UNDER", "stay_index"), ("S_SHIRK", "T_SHIRK", "patient_shirking")):
        assert flags[subject, kind]["fired"] is True, (subject, kind)
        assert flags[twin, kind]["fired"] is False, (twin, kind)


def test_nothing_else_fires(flags):
    fired = sorted(k for k, r in flags.items() if r["fired"])
    assert fired == [("P1_SPLIT", "split_admission"), ("S_COST", "cost_shifting"), ("S_SHIRK", "patient_shirking"),
                     ("S_SPLIT", "split_admission"), ("S_UNDER", "low_multiple_ratio"), ("S_UNDER", "stay_index"),
                     ("S_UPCODE", "upcoding")]


def test_not_evaluated_below_min_cases_or_without_peers(flags):
    hospitals = {h for h, _ in flags}
    assert not hospitals & {"SMALL_A", "SMALL_B", "ALONE"}
    # kinds with no spread or no expectation are not evaluated: no MCC/CC in the split tier (V = 0),
    # no earlier months outside tier 5, no low multiple among DRG-paid peers of the DIP hospital
    assert ("S_SPLIT", "upcoding") not in flags
    assert ("S_UPCODE", "patient_shirking") not in flags
    assert ("P_DIP_UNDER", "low_multiple_ratio") not in flags
    assert ("P_DIP_UNDER", "stay_index") in flags


# --- scores by hand ----------------------------------------------------------------------------------


def test_upcoding_binomial_z_by_hand(flags):
    f = flags["S_UPCODE", "upcoding"]
    assert (f["measure_name"], f["cases"], f["peers"], f["level_tier"]) == ("high_severity_rate", 40, 3, 1)
    assert f["measure"] == approx(28 / 40)
    assert f["peer_value"] == approx(14 / 40)
    assert f["score"] == approx(14 / math.sqrt(8.2))  # 4.889
    assert f["threshold"] == 3.0
    assert (f["window_from"], f["window_to"], f["year"]) == ("2024-01", MONTH, 2024)
    twin = flags["T_UPCODE", "upcoding"]
    expected = 20 * 20 / 60 + 20 * 36 / 60
    variance = 20 * (1 / 3) * (2 / 3) + 20 * 0.6 * 0.4
    assert twin["score"] == approx((14 - expected) / math.sqrt(variance))


def test_split_binomial_z_by_hand(flags):
    f = flags["S_SPLIT", "split_admission"]
    p = 1 / 75
    assert (f["measure"], f["peer_value"], f["cases"], f["peers"]) == (approx(3 / 25), approx(p), 25, 3)
    assert f["score"] == approx((3 - 25 * p) / math.sqrt(25 * p * (1 - p)))  # 4.650
    assert (f["threshold"], f["window_from"]) == (1.0, MONTH)
    assert flags["T_SPLIT", "split_admission"]["measure"] == 0


def test_cost_shifting_ratio_by_hand(flags):
    f = flags["S_COST", "cost_shifting"]
    assert (f["measure"], f["peer_value"], f["score"], f["threshold"]) == (
        approx(30000 / 150000), approx(12500 / 150000), approx(2.4), 1.5)


def test_under_service_by_hand(flags):
    low = flags["S_UNDER", "low_multiple_ratio"]
    # the DIP hospital's low deviation classes are not its peers' low multiples: E = 20 × 3/60
    assert (low["measure"], low["peer_value"], low["score"], low["peers"]) == (
        approx(6 / 20), approx(1 / 20), approx(6.0), 3)
    stay = flags["S_UNDER", "stay_index"]
    assert (stay["measure"], stay["peer_value"], stay["score"], stay["threshold"], stay["peers"]) == (
        5.0, 10.0, 0.5, 0.7, 4)
    assert flags["T_UNDER", "stay_index"]["score"] == approx(200 / (20 * 700 / 80))  # peers S, P1, P2, P_DIP: 1.14


def test_patient_shirking_by_hand(flags):
    f = flags["S_SHIRK", "patient_shirking"]
    assert (f["measure"], f["peer_value"], f["score"], f["cases"], f["peers"]) == (
        approx((1 / 40) / 0.2), approx(1.0), approx((1 / 40) / 0.2), 60, 3)
    assert "z -2.77" in f["evidence_summary"]
    twin = flags["T_SHIRK", "patient_shirking"]
    assert twin["score"] == approx(1 / ((5 / 60) / 0.2))


# --- evidence ---------------------------------------------------------------------------------------


def test_upcoding_evidence_names_the_secondary_diagnoses_in_excess(flags):
    f = flags["S_UPCODE", "upcoding"]
    assert json.loads(f["evidence"]) == [{"diag_code": "E87.1", "cases": 14, "hospital_share": 0.5, "peer_share": 0.0,
                                          "expected_cases": 0.0, "excess_cases": 14.0}]
    summary = f["evidence_summary"]
    for text in ("28 of 40", "14 expected", "O/E 2", "z 4.89", "E87.1 (14 cases"):
        assert text in summary, (text, summary)


def test_split_evidence_lists_every_suspected_pair(flags):
    pairs = json.loads(flags["S_SPLIT", "split_admission"]["evidence"])
    assert [(p["first_setl_id"], p["second_setl_id"], p["gap_days"]) for p in pairs] == [
        (setl("S_SPLIT", 1), setl("S_SPLIT", 2), 3), (setl("S_SPLIT", 3), setl("S_SPLIT", 4), 7),
        (setl("S_SPLIT", 5), setl("S_SPLIT", 6), 14)]
    assert (pairs[1]["first_principal_diag"], pairs[1]["second_principal_diag"]) == ("I21.0", "I21.1")
    assert flags["T_SPLIT", "split_admission"]["evidence"] == "[]"
    assert "3 suspected split admission pair(s)" in flags["S_SPLIT", "split_admission"]["evidence_summary"]


def test_other_evidence_names_the_groups(flags):
    cost = json.loads(flags["S_COST", "cost_shifting"]["evidence"])
    assert [(d["drg"], d["excess"]) for d in cost] == [("CC13", 10000.0), ("DD13", 7500.0)]
    low = json.loads(flags["S_UNDER", "low_multiple_ratio"]["evidence"])
    assert low == [{"drg": "EE13", "cases": 20, "low_multiple_cases": 6, "expected": 1.0, "peer_rate": 0.05}]
    stay = json.loads(flags["S_UNDER", "stay_index"]["evidence"])
    assert stay == [{"drg": "EE13", "cases": 20, "mean_los": 5.0, "peer_mean_los": 10.0, "days_short": 100.0}]
    shirk = json.loads(flags["S_SHIRK", "patient_shirking"]["evidence"])
    assert [(d["drg"], d["month_cases"], d["earlier_cases"]) for d in shirk] == [("HW13", 1, 4)]
    for row in flags.values():
        assert row["evidence_summary"].endswith(".")
        json.loads(row["evidence"])


def test_flag_ids_are_stable_hashes(flags):
    assert flags["S_UPCODE", "upcoding"]["flag_id"] == flag_id("S_UPCODE", "upcoding")
    assert flags["S_UNDER", "stay_index"]["flag_id"] == flag_id("S_UNDER", "under_service", "stay_index")
    assert len({r["flag_id"] for r in flags.values()}) == len(flags)


# --- review and money ----------------------------------------------------------------------------------


def test_reviews_list_fired_flags_with_their_decision(built):
    rows = {(r["fixmedins_code"], r["flag_kind"], r["measure_name"]): r
            for r in fetch(built[0], "select * from marts.mart_supervision__flag_reviews")}
    assert len(rows) == 7  # the fired flags only
    assert ("T_UPCODE", "upcoding", "high_severity_rate") not in rows
    up = rows["S_UPCODE", "upcoding", "high_severity_rate"]
    assert (up["status"], up["penalty_amount"], up["decision_ref"]) == ("confirmed", Decimal("5000.00"), "ref-S_UPCODE")
    cost = rows["S_COST", "cost_shifting", "out_of_pocket_share"]
    assert (cost["status"], cost["penalty_amount"]) == ("dismissed", None)
    assert rows["S_SPLIT", "split_admission", "suspected_split_rate"]["status"] == "pending"


def test_only_confirmed_fired_flags_reach_the_clearing_penalties(built):
    rows = {r["fixmedins_code"]: r for r in fetch(
        built[0], "select * from intermediate.int_payment__hospital_adjustments where year = 2024")}
    assert (rows["S_UPCODE"]["penalties"], rows["S_UPCODE"]["penalty_items"]) == (Decimal("5000.00"), 1)
    assert "T_UPCODE" not in rows  # confirmed, but its flag did not fire
    assert "S_COST" not in rows and "S_SPLIT" not in rows  # dismissed, pending
    code, amount = DEMO_PENALTY
    assert (rows[code]["penalties"], rows[code]["penalty_items"]) == (amount, 1)


def test_a_confirmation_of_a_flag_that_did_not_fire_is_reported(built):
    results = json.loads((built[1] / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    status = {r["unique_id"].split(".")[2]: (r["status"], r.get("failures")) for r in results}
    assert status["flags_confirmations_match_fired_flags"] == ("warn", 1)
    assert status["flags_confirmations_valid"] == ("pass", 0)


# --- the CLI -------------------------------------------------------------------------------------------


def test_cli_prints_the_fired_flags(built, monkeypatch, capsys):
    monkeypatch.setenv("DRGDIP_PATHS_WAREHOUSE", str(built[0]))
    assert drgdip(["flags", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    assert "7 flags that fired" in out
    for text in ("S_UPCODE", "upcoding", "high_severity_rate", "4.89", "confirmed, penalty 5,000.00", "S_SPLIT",
                 "pending", "dismissed", "28 of 40 grouped cases"):
        assert text in out, text
    assert "T_UPCODE" not in out

    assert drgdip(["flags", "--year", "2024", "--all", "--kind", "upcoding", "--month", MONTH]) == 0
    out = capsys.readouterr().out
    assert "T_UPCODE" in out and "S_COST" not in out and "(1 fired)" in out

    assert drgdip(["flags", "--year", "2024", "--hospital", "S_UNDER"]) == 0
    out = capsys.readouterr().out
    assert "low_multiple_ratio" in out and "stay_index" in out and "S_UPCODE" not in out


def test_cli_says_when_the_flags_are_not_built(reference_warehouse, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DRGDIP_PATHS_WAREHOUSE", str(copy_warehouse(reference_warehouse, tmp_path / "w.duckdb")))
    assert drgdip(["flags", "--year", "2024"]) == 1
    assert "not built yet" in capsys.readouterr().err
