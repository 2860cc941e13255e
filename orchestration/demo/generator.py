"""The demo region: a deterministic, clinically coherent city of hospitals with injected defects.

`generate_region(out_dir, seed=...)` writes what the national platform would deliver
(`landing/<YYYY-MM>/<fixmedins_code>/…`, exactly per `orchestration.interface`) and, beside it,
the ground truth (`manifest/`, never read by the pipeline) that tests compare the pipeline with.

How a hospital-month is made (one at a time, vectorised, so memory stays bounded):
1. case count: the region's `cases_per_year` shared over hospitals by tier size, with a winter peak;
2. clinical profile per case from `casemix.csv` (191 profiles over all 26 MDCs; lower tiers see
   fewer complex profiles), then sex/age fitting the profile's codes, principal and secondary
   diagnoses (comorbidities; MCC/CC-type complications), procedures (main one `oprn_oprt_type` 1);
3. stay and cost log-normal by profile, higher at higher tiers (tier 1 most expensive); fee
   categories (14 `med_chrgitm`) in integer cents summing exactly to the total;
4. readmissions within 15 days (same person, same hospital, same month), some split admissions;
5. upload: each settlement gets zero, one or two list versions (late uploads and corrections land
   in a later month's folder); row-level defects are applied to the text rows; file-level defects
   (a truncated file, a GBK file named `.csv`) are chosen up front.

Every random draw comes from `numpy.random.default_rng([seed, hospital, year, month, stream])`, so a
month does not depend on the others and the same arguments give byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration import interface
from orchestration.config import SEEDS_DIR, Settings, load_settings

CASEMIX_CSV = Path(__file__).with_name("casemix.csv")

# Relative size of a hospital (inpatient volume) by level tier 1..7 (policy/002: seven tiers).
TIER_SIZE = {1: 10.0, 2: 6.0, 3: 4.0, 4: 2.5, 5: 1.0, 6: 0.8, 7: 0.5}
# Cost and stay multipliers by tier: tier 1 (三级综合甲等) is the most expensive.
TIER_COST = {1: 1.45, 2: 1.25, 3: 1.0, 4: 0.88, 5: 0.62, 6: 0.56, 7: 0.5}
TIER_LOS = {1: 1.05, 2: 1.0, 3: 1.0, 4: 0.97, 5: 0.92, 6: 0.9, 7: 0.88}
# Weight multiplier of a profile by its complexity (1 basic, 2 secondary care, 3 tertiary) and tier.
COMPLEXITY_BY_TIER = {
    1: (1.0, 1.0, 1.0), 2: (1.0, 1.0, 0.7), 3: (1.0, 0.8, 0.15), 4: (1.0, 0.6, 0.05),
    5: (1.0, 0.15, 0.0), 6: (1.0, 0.1, 0.0), 7: (1.0, 0.05, 0.0),
}
# Deductible (起付线, yuan) and pooled-fund share by tier group and insurance type (310/390).
DEDUCTIBLE = {1: 1000, 2: 1000, 3: 600, 4: 600, 5: 300, 6: 200, 7: 200}
FUND_RATE = {"310": {1: 0.85, 2: 0.86, 3: 0.88, 4: 0.88, 5: 0.9, 6: 0.9, 7: 0.9},
             "390": {1: 0.6, 2: 0.62, 3: 0.7, 4: 0.7, 5: 0.8, 6: 0.85, 7: 0.85}}

# MCC/CC-type complications coded as secondary diagnoses (sex-neutral, may be secondary):
# respiratory failure, acute kidney injury, sepsis, heart failure, hyponatraemia, acute
# posthaemorrhagic anaemia, hypokalaemia, shock, pulmonary oedema, shock, pneumonia, UTI.
COMPLICATIONS = ("J96.0", "N17.9", "A41.9", "I50.0", "E87.1", "D62", "E87.6", "R57.9", "J81",
                 "J18.9", "N39.0", "E86", "I26.9", "K92.2")
COMPLICATION_RATE = 0.10  # share of adult cases with at least one coded complication
UPCODING_FACTOR = 5.0  # upcoding hospitals code this many times more complications (no extra cost);
# typical comorbidities (E11.9, J44.9, ...) already make ~45% of cases CC, so a weaker factor would
# hide the upcoders in sampling noise at a hospital's monthly volume
READMISSION_RATE = 0.03  # share of eligible cases followed by a readmission within 15 days
SPLIT_SHARE = 0.45  # share of readmissions that are split admissions (splitting hospitals: 0.9)
CROSS_REGION_RATE = 0.08

# Plausible-looking codes that exist in neither catalogue (verified against the GNU Health data).
UNKNOWN_DIAG_CODES = ("J18.5", "I50.5", "K35.6", "N39.5", "I63.7", "K80.9", "J44.5", "M17.6", "C34.4")
UNKNOWN_OPRN_CODES = ("47.15", "51.29", "36.08", "13.49", "74.5", "68.42")
# External-cause codes: exist, but may not be principal (chapter XX).
INVALID_PRINCIPAL_CODES = ("X59.9", "V89.2", "V43.5", "V47.5", "X59.0")

SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢")
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰建国红梅志强海燕文博子涵浩然雨欣宇轩晨阳佳怡淑珍凤英德明")

FEE_CODES = tuple(f"{i:02d}" for i in range(1, 15))
# Dirichlet concentration of the 14 fee categories by profile kind (01 bed … 14 other).
FEE_SHARES = {
    "surgical": (4, 1, 8, 10, 7, 15, 3, 24, 22, 0.5, 2, 0.5, 0, 3),
    "non_or": (4, 1, 8, 10, 10, 6, 3, 30, 22, 0.5, 2, 0.5, 0, 3),
    "medical": (8, 2, 12, 16, 10, 0, 5, 6, 33, 2, 4, 0.5, 0, 1.5),
}
FEE_CONCENTRATION = 60.0

DAY = np.timedelta64(1, "D")
SECOND = np.timedelta64(1, "s")


@dataclass(frozen=True)
class DefectRates:
    """Rates of injected defects; row rates are shares of settled episodes (lists).

    Defaults give a realistic but visible mess: most lists are clean; every kind occurs in the
    default region. At most one row-level defect per list, so each is attributable.
    """

    upload_rate_min: float = 0.85  # per-hospital list upload share drawn from [min, 1]; settlements
    upload_rate_full_share: float = 0.2  # ... and this share of hospitals uploads every list
    late_upload: float = 0.02  # list uploaded after the deadline, lands in a later month's folder
    correction: float = 0.02  # faulty list re-uploaded corrected in a later month's folder
    unknown_diag_code: float = 0.004  # a diagnosis code in no catalogue
    unknown_oprn_code: float = 0.003  # a procedure code in no catalogue (cases with procedures)
    invalid_principal_diag: float = 0.003  # principal diagnosis that may not be principal (V-Y)
    reversed_dates: float = 0.002  # dscg_time before adm_time
    fee_sum_mismatch: float = 0.004  # fee categories do not sum to medfee_sumamt
    missing_required: float = 0.003  # a required field left empty
    unparseable_value: float = 0.003  # a date or number that cannot be parsed
    sex_code_conflict: float = 0.002  # gend contradicts a sex-specific principal code
    duplicate_row: float = 0.002  # an exact duplicate row in a file
    truncated_file: float = 0.004  # share of hospital-months with one list file cut mid-row (≥1)
    mislabelled_encoding: float = 0.004  # share of hospital-months whose setlinfo.csv is GBK (≥1)

    @classmethod
    def dense(cls) -> DefectRates:
        """Rates high enough that a test region of a few hundred cases shows every kind."""
        return cls(upload_rate_min=0.8, upload_rate_full_share=0.0, late_upload=0.04, correction=0.04,
                   **{k: 0.03 for k in ROW_DEFECTS}, truncated_file=0.05, mislabelled_encoding=0.05)

    @classmethod
    def none(cls) -> DefectRates:
        """No defects at all: every settlement has one clean on-time list."""
        return cls(**{f.name: 0.0 for f in fields(cls)} | {"upload_rate_min": 1.0, "upload_rate_full_share": 1.0})


ROW_DEFECTS = ("unknown_diag_code", "unknown_oprn_code", "invalid_principal_diag", "reversed_dates",
               "fee_sum_mismatch", "missing_required", "unparseable_value", "sex_code_conflict",
               "duplicate_row")
CORRECTABLE = ("unknown_diag_code", "fee_sum_mismatch", "missing_required", "invalid_principal_diag")
DEFECT_COLUMNS = ("setl_id", "part", "fixmedins_code", "data_month", "landing_month", "defect_kind",
                  "field", "detail")


# --------------------------------------------------------------------------------------------
# Reference data
# --------------------------------------------------------------------------------------------
@dataclass
class Reference:
    hospitals: pd.DataFrame
    regions: pd.DataFrame
    diag_name: dict[str, str]
    diag_sex: dict[str, str]
    diag_principal: dict[str, bool]
    oprn_name: dict[str, str]
    deadline_days: dict[int, int]
    profiles: pd.DataFrame
    catalogue_source: str
    # significant-trauma code prefix -> body region (seeds/drg_trauma_regions.csv): the required
    # secondaries of a multiple-trauma profile come from another region than the principal's
    trauma_regions: dict[str, str] = field(default_factory=dict)

    def trauma_region(self, code: str) -> str | None:
        """Body region of a significant-trauma code (longest listed prefix), else None."""
        for n in range(len(code), 0, -1):
            region = self.trauma_regions.get(code[:n])
            if region:
                return region
        return None


def _lookup(mapping: dict[str, str], codes) -> np.ndarray:
    """Vectorised dict lookup with '' for unknown codes (Series.map rebuilds the dict each call)."""
    key = id(mapping)
    if _LOOKUP_CACHE.get(key, (None,))[0] is not mapping:
        _LOOKUP_CACHE[key] = (mapping, pd.Index(list(mapping)),
                              np.array(list(mapping.values()) + [""], dtype=object))
    _, index, values = _LOOKUP_CACHE[key]
    return values[index.get_indexer(np.asarray(codes, dtype=object))]


_LOOKUP_CACHE: dict[int, tuple] = {}


def _split(cell) -> list[str]:
    return [c for c in str(cell or "").split(";") if c]


def load_reference(seeds_dir: Path = SEEDS_DIR) -> Reference:
    seeds_dir = Path(seeds_dir)
    hospitals = pd.read_csv(seeds_dir / "hospitals.csv", dtype=str, keep_default_na=False)
    regions = pd.read_csv(seeds_dir / "insured_regions.csv", dtype=str, keep_default_na=False)
    profiles = pd.read_csv(CASEMIX_CSV, dtype=str, keep_default_na=False)
    codes = {c for col in ("principal_codes", "required_secondary_codes", "secondary_codes")
             for cell in profiles[col] for c in _split(cell)}
    codes |= set(COMPLICATIONS) | set(INVALID_PRINCIPAL_CODES)
    diag_path = seeds_dir / "icd10_diagnoses.csv"
    if diag_path.exists():
        diag = pd.read_csv(diag_path, dtype=str, keep_default_na=False)
        diag_name = dict(zip(diag.diag_code, diag.diag_name))
        diag_sex = dict(zip(diag.diag_code, diag.sex_restriction))
        diag_principal = dict(zip(diag.diag_code, diag.may_be_principal.isin(["1", "true", "True"])))
        source = str(diag_path)
    else:  # catalogues not built yet: derive the flags by the same documented rules, no names
        from orchestration.reference import rules

        diag_name = {}
        diag_sex = {c: rules.sex_restriction(c) for c in codes}
        diag_principal = {c: not rules.principal_restriction(c, True) for c in codes}
        source = "orchestration.reference.rules (seeds/icd10_diagnoses.csv absent: names empty)"
    proc_path = seeds_dir / "icd9_procedures.csv"
    oprn_name = {}
    if proc_path.exists():
        proc = pd.read_csv(proc_path, dtype=str, keep_default_na=False)
        oprn_name = dict(zip(proc.oprn_code, proc.oprn_name))
    deadline = {}
    params_path = seeds_dir / "policy_parameters.csv"
    if params_path.exists():
        params = pd.read_csv(params_path, dtype=str, keep_default_na=False)
        for row in params[params.parameter == "upload_deadline_days"].itertuples():
            deadline[int(row.year)] = int(float(row.value))
    trauma_regions = {}
    trauma_path = seeds_dir / "drg_trauma_regions.csv"
    if trauma_path.exists():
        trauma = pd.read_csv(trauma_path, dtype=str, keep_default_na=False)
        trauma_regions = dict(zip(trauma.diag_code, trauma.body_region))
    return Reference(hospitals, regions, diag_name, diag_sex, diag_principal, oprn_name, deadline,
                     profiles, source, trauma_regions)


@dataclass
class Profile:
    """One clinical profile of `casemix.csv`, with its code lists split by patient sex."""

    index: int
    row: dict
    principal: dict[str, list[str]]  # sex ('1' male, '2' female) -> principal codes that fit
    required: dict[str, list[str]]
    secondary: dict[str, list[str]]
    procedures: list[str]
    extra_procedures: list[str]

    @property
    def sex_specific(self) -> bool:
        return self.row["sex"] in ("M", "F")


def _fits(code: str, sex: str, ref: Reference) -> bool:
    restriction = ref.diag_sex.get(code, "")
    return not restriction or restriction == ("M" if sex == "1" else "F")


def build_profiles(ref: Reference) -> list[Profile]:
    """Split each profile's codes by patient sex; with a built catalogue, keep only codes it holds
    (so clean lists stay clean if an agency's catalogue drops a code)."""
    has_diag = bool(ref.diag_name)
    has_proc = bool(ref.oprn_name)

    def known_diag(codes):
        return [c for c in codes if not has_diag or c in ref.diag_sex]

    def known_proc(codes):
        return [c for c in codes if not has_proc or c in ref.oprn_name]

    out = []
    for i, row in enumerate(ref.profiles.to_dict("records")):
        principal = [c for c in known_diag(_split(row["principal_codes"])) if ref.diag_principal.get(c, True)]
        if not principal:
            raise ValueError(f"casemix.csv profile {row['profile_id']}: no principal code is in the "
                             f"catalogue and may be principal ({ref.catalogue_source})")
        by_sex = {}
        for key, codes in (("principal", principal), ("required", known_diag(_split(row["required_secondary_codes"]))),
                           ("secondary", known_diag(_split(row["secondary_codes"])))):
            by_sex[key] = {s: [c for c in codes if _fits(c, s, ref)] for s in ("1", "2")}
        procedures = known_proc(_split(row["procedure_codes"]))
        if _split(row["procedure_codes"]) and not procedures:
            raise ValueError(f"casemix.csv profile {row['profile_id']}: no procedure code is in the catalogue")
        out.append(Profile(i, row, by_sex["principal"], by_sex["required"], by_sex["secondary"],
                           procedures, known_proc(_split(row["secondary_procedure_codes"]))))
    return out


# --------------------------------------------------------------------------------------------
# Region plan: hospitals, their traits, file formats, file-level defects
# --------------------------------------------------------------------------------------------
@dataclass
class Plan:
    seed: int
    hospitals: pd.DataFrame  # registry rows plus traits
    months: list[str]
    cases_per_year: int
    rates: DefectRates
    formats: dict[tuple[str, str], str]
    file_defects: dict[tuple[str, str], tuple[str, str]]  # (code, month) -> (kind, part)


def _month_list(years, months) -> list[str]:
    all_months = [f"{y}-{m:02d}" for y in years for m in range(1, 13)]
    if months:
        unknown = sorted(set(months) - set(all_months))
        if unknown:
            raise ValueError(f"months {unknown} are outside the years {list(years)}")
        return [m for m in all_months if m in set(months)]
    return all_months


def make_plan(ref: Reference, seed: int, hospitals, years, months, cases_per_year: int,
              rates: DefectRates) -> Plan:
    reg = ref.hospitals.copy()
    if hospitals is not None:
        if isinstance(hospitals, int):
            reg = reg.head(hospitals)
        else:
            reg = reg[reg.fixmedins_code.isin(list(hospitals))]
    if reg.empty:
        raise ValueError("no hospitals selected from seeds/hospitals.csv")
    reg = reg.reset_index(drop=True)
    reg["tier"] = reg.level_tier.astype(int)
    rng = np.random.default_rng([seed, 7, len(ref.hospitals)])
    n = len(ref.hospitals)  # traits drawn for the whole registry, so a subset keeps its traits
    size = rng.lognormal(0.0, 0.25, n)
    full = rng.random(n) < rates.upload_rate_full_share
    upload = np.where(full, 1.0, rng.uniform(rates.upload_rate_min, 1.0, n))
    base_format = rng.permutation(np.arange(n) % len(interface.FORMATS))
    pos = {c: i for i, c in enumerate(ref.hospitals.fixmedins_code)}
    idx = reg.fixmedins_code.map(pos).to_numpy()
    reg["registry_index"] = idx
    reg["size"] = [TIER_SIZE[t] for t in reg.tier] * size[idx]
    reg["upload_rate"] = upload[idx]
    reg["base_format"] = [interface.FORMATS[f] for f in base_format[idx]]
    reg["upcoding"] = _pick_upcoders(reg, rng)
    reg["splitting"] = False
    if len(reg) >= 4:  # one hospital splits stays far more often (a true positive for supervision)
        candidates = reg.index[~reg.upcoding & (reg.tier <= 4)]
        if len(candidates):
            reg.loc[candidates[int(rng.integers(len(candidates)))], "splitting"] = True
    month_list = _month_list(years, months)
    formats = {}
    for h in reg.itertuples():
        for m in month_list:
            r = np.random.default_rng([seed, int(h.registry_index), int(m[:4]), int(m[5:]), 1])
            fmt = h.base_format
            if r.random() < 0.15:  # hospitals occasionally change their export
                fmt = interface.FORMATS[int(r.integers(len(interface.FORMATS)))]
            formats[(h.fixmedins_code, m)] = fmt
    file_defects = _pick_file_defects(seed, reg, month_list, formats, rates)
    return Plan(seed, reg, month_list, cases_per_year, rates, formats, file_defects)


def _pick_upcoders(reg: pd.DataFrame, rng) -> np.ndarray:
    """2-3 hospitals (1 in a tiny region) in tiers that have peers code more complications."""
    flags = np.zeros(len(reg), bool)
    peers = reg.groupby("tier").tier.transform("size").to_numpy()
    eligible = np.flatnonzero(peers >= 2)
    if len(eligible) == 0:
        return flags
    k = 1 if len(reg) < 12 else int(rng.integers(2, 4))
    order = rng.permutation(eligible)
    chosen = []
    for i in order:  # at most one per tier, so each has clean peers
        if all(reg.tier[i] != reg.tier[j] for j in chosen):
            chosen.append(i)
        if len(chosen) == k:
            break
    flags[chosen] = True
    return flags


def _pick_file_defects(seed, reg, months, formats, rates) -> dict:
    keys = [(h, m) for h in reg.fixmedins_code for m in months]
    rng = np.random.default_rng([seed, 11, len(keys)])
    out = {}
    for kind, rate in (("mislabelled_encoding", rates.mislabelled_encoding),
                       ("truncated_file", rates.truncated_file)):
        if rate <= 0 or len(keys) < 2:
            continue
        n = max(1, round(rate * len(keys)))
        free = [k for k in keys if k not in out]
        for i in rng.choice(len(free), size=min(n, len(free)), replace=False):
            key = free[int(i)]
            if kind == "mislabelled_encoding":
                formats[key] = "csv"  # the other parts stay proper UTF-8; setlinfo.csv is GBK
                out[key] = (kind, "setlinfo")
            else:
                if formats[key] not in ("csv", "gbk.csv"):
                    formats[key] = "gbk.csv" if rng.random() < 0.5 else "csv"
                out[key] = (kind, ("setlinfo", "diseinfo", "iteminfo")[int(rng.integers(3))])
    return out


# --------------------------------------------------------------------------------------------
# Small vectorised helpers
# --------------------------------------------------------------------------------------------
def _cents_str(cents) -> np.ndarray:
    """Integer cents as exact two-decimal text (no float rounding)."""
    return np.array([f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}"
                     for c in np.asarray(cents, dtype=np.int64).tolist()], dtype=object)


def _ts_str(ts: np.ndarray) -> np.ndarray:
    return np.char.replace(np.datetime_as_string(ts.astype("datetime64[s]"), unit="s").astype(str), "T", " ")


def _date_str(ts: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(ts.astype("datetime64[D]"), unit="D").astype(str)


def _month_of(ts: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(ts.astype("datetime64[M]"), unit="M").astype(str)


def _choice_rows(rng, options: list[str], n: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), n)]


def _certno(region: np.ndarray, brdy: np.ndarray, sex: np.ndarray, rng) -> np.ndarray:
    """18-digit resident-ID-like numbers: region + birth date + sequence (odd = male) + ISO 7064 check."""
    n = len(region)
    seq = rng.integers(0, 50, n) * 2 + np.where(sex == "1", 1, 0)
    body = (pd.Series(region).astype(str) + pd.Series(np.char.replace(_date_str(brdy), "-", ""))
            + pd.Series(rng.integers(0, 10, n)).astype(str) + pd.Series(seq).astype(str).str.zfill(2)).to_numpy()
    digits = np.array([list(b) for b in body], dtype=np.int64) if n else np.zeros((0, 17), np.int64)
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    check = np.array(list("10X98765432"))[(digits @ weights) % 11] if n else np.array([], str)
    return (pd.Series(body, dtype=object) + check).to_numpy()


# --------------------------------------------------------------------------------------------
# One hospital-month of cases
# --------------------------------------------------------------------------------------------
@dataclass
class MonthCases:
    setl: pd.DataFrame  # one row per settled episode, all typed values (internal)
    diag: pd.DataFrame  # case, srt, code, main
    oprn: pd.DataFrame  # case, srt, code, type, date
    items: pd.DataFrame  # case, chrgitm, amt, claa, clab, own, oth (cents)
    readmissions: pd.DataFrame


def _expected_cases(plan: Plan, h, month: str) -> float:
    share = h.size / plan.hospitals["size"].sum()
    m = int(month[5:])
    season = 1.0 + 0.12 * np.cos(2 * np.pi * (m - 1) / 12)  # winter peak of respiratory disease
    return plan.cases_per_year / 12.0 * share * season


def generate_cases(plan: Plan, ref: Reference, profiles: list[Profile], h, month: str) -> MonthCases:
    rng = np.random.default_rng([plan.seed, int(h.registry_index), int(month[:4]), int(month[5:]), 2])
    tier = int(h.tier)
    n = int(rng.poisson(_expected_cases(plan, h, month)))
    freq = ref.profiles.frequency.astype(float).to_numpy()
    cx = ref.profiles.complexity.astype(int).to_numpy()
    weight = freq * np.array(COMPLEXITY_BY_TIER[tier])[cx - 1]
    prof = rng.choice(len(profiles), size=n, p=weight / weight.sum())
    prof = _add_readmissions(rng, prof, profiles, h)
    n = len(prof.idx)
    p = prof.idx
    rows = ref.profiles
    kind = rows.kind.to_numpy()[p]

    # sex and age fit the profile
    psex = rows.sex.to_numpy()[p]
    sex = np.where(psex == "M", "1", np.where(psex == "F", "2", np.where(rng.random(n) < 0.5, "1", "2")))
    amin, amode, amax = (rows[c].astype(float).to_numpy()[p] for c in ("age_min", "age_mode", "age_max"))
    tri = rng.triangular(np.zeros(n), np.where(amax > amin, (amode - amin) / np.maximum(amax - amin, 1e-9), 0),
                         np.ones(n))
    age = np.floor(amin + tri * (amax - amin + 0.999)).astype(int)
    newborn = rows.mdc.to_numpy()[p] == "MDCP"
    age[newborn] = 0
    nwb_age = np.where(newborn, np.minimum(rng.geometric(0.35, n) - 1, 27), rng.integers(29, 365, n))

    # discharge time within the month, stay, admission
    start = np.datetime64(f"{month}-01T00:00:00")
    days_in_month = int((np.datetime64(month, "M") + 1 - np.datetime64(month, "M")) / np.timedelta64(1, "D")) \
        if False else int(((np.datetime64(month, "M") + 1).astype("datetime64[D]")
                           - np.datetime64(month, "M").astype("datetime64[D]")) / DAY)
    dscg_day = rng.integers(0, days_in_month, n)
    dscg_day[prof.is_index] = rng.integers(0, 12, prof.is_index.sum())
    dscg = start + dscg_day * DAY + rng.integers(8 * 3600, 18 * 3600, n) * SECOND
    los_med = rows.los_median.astype(float).to_numpy()[p] * TIER_LOS[tier]
    z_los = rng.standard_normal(n)
    los_sigma = rows.los_sigma.astype(float).to_numpy()[p]

    # complications: real ones lengthen and cost; an upcoding hospital codes extra ones only
    adult = age >= 15
    p_comp = COMPLICATION_RATE * np.clip(age / 60.0, 0.3, 1.6) * adult
    real_comp = rng.random(n) < p_comp
    extra = rng.random(n) < p_comp * (UPCODING_FACTOR - 1.0) if h.upcoding else np.zeros(n, bool)
    coded_comp = real_comp | extra

    vent_min = pd.to_numeric(rows.vent_hours, errors="coerce").to_numpy()[p]
    vent = np.where(np.isnan(vent_min), np.nan, np.floor(vent_min * (1 + rng.exponential(0.5, n))))
    dscg_way = np.full(n, "1", dtype=object)
    death_rate = rows.death_rate.astype(float).to_numpy()[p] * np.where(real_comp, 2.0, 1.0)
    u = rng.random(n)
    dscg_way[u < 0.015] = "2"
    dscg_way[(u >= 0.015) & (u < 0.03)] = "4"
    dscg_way[(u >= 0.03) & (u < 0.035)] = "3"
    dscg_way[rng.random(n) < death_rate] = "5"

    los = np.maximum(1, np.round(los_med * np.exp(los_sigma * z_los) * np.where(real_comp, 1.3, 1.0)
                                 * np.where(np.isin(dscg_way, ["2", "4", "5"]), 0.7, 1.0))).astype(int)
    day_surgery = (rng.random(n) < rows.day_surgery_share.astype(float).to_numpy()[p]) & (dscg_way == "1")
    los = np.where(day_surgery, 0, los)
    # readmissions: admitted 1-14 days (split: 1-7) after the index discharge, inside the month
    adm = dscg - los * DAY - rng.integers(0, 6 * 3600, n) * SECOND
    adm = np.where(day_surgery, dscg.astype("datetime64[D]") + rng.integers(7 * 3600, 9 * 3600, n) * SECOND, adm)
    dscg = np.where(day_surgery, np.maximum(dscg, adm + 4 * 3600 * SECOND), dscg)
    if len(prof.pairs):
        first, second, gap = prof.pairs[:, 0], prof.pairs[:, 1], prof.gap
        adm[second] = dscg[first] + gap * DAY + rng.integers(0, 4 * 3600, len(second)) * SECOND
        month_end = start + days_in_month * DAY - 3600 * SECOND
        stay = np.minimum(los[second], np.maximum(1, ((month_end - adm[second]) / DAY).astype(int)))
        dscg[second] = np.minimum(adm[second] + stay * DAY + rng.integers(0, 3 * 3600, len(second)) * SECOND,
                                  month_end)
        day_surgery[second] = False
    act_days = np.maximum(1, ((dscg.astype("datetime64[D]") - adm.astype("datetime64[D]")) / DAY).astype(int))
    ipt_med_type = np.where(day_surgery, "2", "1")
    vent = np.minimum(vent, act_days * 24.0)  # never ventilated longer than the stay

    # person: psn_no unique per person (readmissions reuse the index person)
    key = (np.int64(h.registry_index) * 1000 + (int(month[:4]) - 2000) * 12 + int(month[5:])) * 10**6 \
        + np.arange(n)
    person = key.copy()
    if len(prof.pairs):
        person[prof.pairs[:, 1]] = person[prof.pairs[:, 0]]
        sex[prof.pairs[:, 1]] = sex[prof.pairs[:, 0]]
        age[prof.pairs[:, 1]] = age[prof.pairs[:, 0]]
    psn_no = (pd.Series((person * 7919 + 12345) % 10**14).astype(str).str.zfill(14).radd("370300")).to_numpy()
    offset_days = rng.integers(0, 365, n)
    if len(prof.pairs):
        offset_days[prof.pairs[:, 1]] = offset_days[prof.pairs[:, 0]]
        nwb_age[prof.pairs[:, 1]] = nwb_age[prof.pairs[:, 0]]
    adm_day = adm.astype("datetime64[D]")
    brdy = np.where(age == 0, adm_day - nwb_age * DAY,
                    (adm_day.astype("datetime64[Y]") - age * np.timedelta64(1, "Y")).astype("datetime64[D]")
                    - offset_days * DAY)
    brdy = np.minimum(brdy, adm_day)
    age = _age_at(brdy, adm_day)
    nwb = np.where(age == 0, ((adm_day - brdy) / DAY).astype(int), -1)
    if len(prof.pairs):  # the second stay's birth date is the person's
        brdy[prof.pairs[:, 1]] = brdy[prof.pairs[:, 0]]
        age = _age_at(brdy, adm_day)
        nwb = np.where(age == 0, ((adm_day - brdy) / DAY).astype(int), -1)
    local = ref.regions[ref.regions.is_local == "1"].insu_admdvs.to_numpy()
    remote = ref.regions[ref.regions.is_local != "1"].insu_admdvs.to_numpy()
    cross = rng.random(n) < CROSS_REGION_RATE
    region = np.where(cross, remote[rng.integers(0, len(remote), n)],
                      np.where(rng.random(n) < 0.6, h.admdvs, local[rng.integers(0, len(local), n)]))
    insutype = np.where((age >= 18) & (age < 65) & (rng.random(n) < 0.55), "310", "390")
    names = (pd.Series(_choice_rows(rng, SURNAMES, n)) + _choice_rows(rng, GIVEN, n)
             + np.where(rng.random(n) < 0.6, _choice_rows(rng, GIVEN, n), "")).to_numpy()
    certno = _certno(region, brdy, sex, rng)
    region, insutype, names, certno = (np.array(a, dtype=object) for a in (region, insutype, names, certno))
    if len(prof.pairs):
        s, f = prof.pairs[:, 1], prof.pairs[:, 0]
        for arr in (region, insutype, names, certno):
            arr[s] = arr[f]

    # newborn weights
    bw_lo = pd.to_numeric(rows.birth_weight_min, errors="coerce").to_numpy()[p]
    bw_hi = pd.to_numeric(rows.birth_weight_max, errors="coerce").to_numpy()[p]
    bir_wt = np.where(newborn, np.round((bw_lo + rng.random(n) * (bw_hi - bw_lo)) / 10) * 10, np.nan)
    adm_wt = np.where(newborn, bir_wt + np.round(rng.normal(0, 40, n) / 10) * 10, np.nan)

    # cost in integer cents, correlated with the stay
    cost_med = rows.cost_median.astype(float).to_numpy()[p] * TIER_COST[tier]
    z_cost = 0.7 * z_los + 0.71 * rng.standard_normal(n)
    cost = cost_med * np.exp(rows.cost_sigma.astype(float).to_numpy()[p] * z_cost) \
        * np.where(real_comp, 1.45, 1.0) * np.where(day_surgery, 0.85, 1.0)
    total = np.maximum(30000, np.round(cost * 100)).astype(np.int64)

    diag = _diagnoses(rng, profiles, p, sex, coded_comp, adult, prof, ref)
    oprn = _procedures(rng, profiles, p, kind, adm, act_days)
    items, own, clab = _fee_items(rng, kind, total)
    # payments: fund pays a tier/insurance rate of the covered amount above the deductible
    selfpay = np.round(clab * 0.1).astype(np.int64)
    ded = np.array([DEDUCTIBLE[tier]] * n, dtype=np.int64) * 100
    rate = np.where(insutype == "310", FUND_RATE["310"][tier], FUND_RATE["390"][tier])
    hifp = np.maximum(0, np.floor((total - own - selfpay - ded) * rate)).astype(np.int64)
    cash = total - hifp

    code_digits = h.fixmedins_code[1:]
    seq = np.arange(1, n + 1)
    yyyymm = month.replace("-", "")
    setl_time = dscg + rng.integers(600, 4 * 3600, n) * SECOND
    end_of_day = dscg.astype("datetime64[D]") + DAY - SECOND
    setl_time = np.minimum(setl_time, end_of_day)  # settled the day of discharge
    setl = pd.DataFrame({
        "setl_id": [f"S{code_digits}{yyyymm}{i:06d}" for i in seq],
        "mdtrt_id": [f"M{code_digits}{yyyymm}{i:06d}" for i in seq],
        "medcasno": [f"{yyyymm}{i:06d}" for i in seq],
        "psn_no": psn_no, "psn_name": names, "certno": certno, "gend": sex, "brdy": brdy, "age": age,
        "nwb_age": nwb, "nwb_bir_wt": bir_wt, "nwb_adm_wt": adm_wt, "insutype": insutype,
        "insu_admdvs": region, "ipt_med_type": ipt_med_type, "adm_time": adm, "dscg_time": dscg,
        "act_ipt_days": act_days, "dscg_way": dscg_way, "vent_used_dura": vent,
        "days_rinp_flag_31": np.where(prof.planned, "2", "1"),
        "medfee_sumamt": total, "hifp_pay": hifp, "psn_selfpay": selfpay, "psn_ownpay": own,
        "psn_cashpay": cash, "setl_time": setl_time, "profile": rows.profile_id.to_numpy()[p],
        "mdc": rows.mdc.to_numpy()[p], "coded_complication": coded_comp, "extra_complication": extra,
    })
    readm = pd.DataFrame()
    if len(prof.pairs):
        f, s = prof.pairs[:, 0], prof.pairs[:, 1]
        main = diag[diag.main].set_index("case").code
        readm = pd.DataFrame({
            "first_setl_id": setl.setl_id.to_numpy()[f], "second_setl_id": setl.setl_id.to_numpy()[s],
            "psn_no": psn_no[f], "fixmedins_code": h.fixmedins_code,
            "first_dscg_time": _ts_str(dscg[f]), "second_adm_time": _ts_str(adm[s]),
            "gap_days": ((adm[s].astype("datetime64[D]") - dscg[f].astype("datetime64[D]")) / DAY).astype(int),
            "first_principal_diag": main.reindex(f).to_numpy(), "second_principal_diag": main.reindex(s).to_numpy(),
            "split_admission": prof.split.astype(int),
        })
    return MonthCases(setl, diag, oprn, items, readm)


def _age_at(brdy: np.ndarray, day: np.ndarray) -> np.ndarray:
    b = pd.DatetimeIndex(brdy.astype("datetime64[s]"))
    d = pd.DatetimeIndex(day.astype("datetime64[s]"))
    before = (d.month < b.month) | ((d.month == b.month) & (d.day < b.day))
    return np.asarray(d.year - b.year - before.astype(int))


@dataclass
class ProfilePick:
    idx: np.ndarray
    pairs: np.ndarray  # (k, 2) first and second case indices
    gap: np.ndarray
    split: np.ndarray
    is_index: np.ndarray
    planned: np.ndarray


READMIT_PROFILES = ("E_PNEUMONIA", "F_HEART_FAILURE", "L_URINARY_INFECTION", "G_GASTROENTERITIS",
                    "K_DIABETES", "B_CEREBRAL_INFARCTION", "J_CELLULITIS", "S_SEPSIS")


def _add_readmissions(rng, prof: np.ndarray, profiles: list[Profile], h) -> ProfilePick:
    """Append readmission cases: split ones repeat the profile; the others are unrelated illnesses."""
    n = len(prof)
    mdc = np.array([pr.row["mdc"] for pr in profiles])
    eligible = ~np.isin(mdc[prof], ["MDCO", "MDCP", "MDCA"]) & \
        (np.array([float(pr.row["age_min"]) for pr in profiles])[prof] >= 15)
    pick = np.flatnonzero(eligible & (rng.random(n) < READMISSION_RATE))
    split = rng.random(len(pick)) < (0.9 if h.splitting else SPLIT_SHARE)
    ids = {pr.row["profile_id"]: pr.index for pr in profiles}
    other = np.array([ids[r] for r in READMIT_PROFILES])
    second_prof = np.where(split, prof[pick], other[rng.integers(0, len(other), len(pick))])
    clash = (~split) & (mdc[second_prof] == mdc[prof[pick]])  # unrelated means another MDC
    second_prof[clash] = ids["J_CELLULITIS"] if True else second_prof[clash]
    clash = (~split) & (mdc[second_prof] == mdc[prof[pick]])
    second_prof[clash] = ids["E_PNEUMONIA"]
    idx = np.concatenate([prof, second_prof])
    second = np.arange(n, n + len(pick))
    gap = np.where(split, rng.integers(1, 8, len(pick)), rng.integers(1, 15, len(pick)))
    is_index = np.zeros(len(idx), bool)
    is_index[pick] = True
    planned = np.zeros(len(idx), bool)
    return ProfilePick(idx, np.stack([pick, second], axis=1).reshape(-1, 2), gap, split, is_index, planned)


def _pick_from(rng, options_by_case: list[list[str]]) -> np.ndarray:
    return np.array([o[int(rng.integers(len(o)))] if o else "" for o in options_by_case], dtype=object)


def _other_region_codes(ref: Reference, principal: np.ndarray, options: list[str], pick: np.ndarray) -> np.ndarray:
    """For each case, the option at `pick` (uniform in [0, 1)) among `options` whose trauma body
    region differs from its principal's (all options if none differs: the seed lists decide)."""
    out = np.empty(len(principal), dtype=object)
    for code in np.unique(principal):
        rows = np.flatnonzero(principal == code)
        region = ref.trauma_region(code)
        allowed = [c for c in options if ref.trauma_region(c) not in (None, region)] or options
        out[rows] = np.asarray(allowed, dtype=object)[(pick[rows] * len(allowed)).astype(int)]
    return out


def _diagnoses(rng, profiles, p, sex, coded_comp, adult, prof: ProfilePick, ref: Reference) -> pd.DataFrame:
    """Principal, required and typical secondary diagnoses, then coded complications (long form)."""
    n = len(p)
    principal = np.empty(n, dtype=object)
    parts_case, parts_code = [], []
    for pi in np.unique(p):
        pr = profiles[pi]
        for s in ("1", "2"):
            sel = np.flatnonzero((p == pi) & (sex == s))
            if not len(sel):
                continue
            opts = pr.principal[s] or pr.principal["1"] or pr.principal["2"]
            principal[sel] = np.asarray(opts, dtype=object)[rng.integers(0, len(opts), len(sel))]
            req = pr.required[s]
            if req and pr.row["mdc"] == "MDCZ":
                # multiple significant trauma (MDCZ) needs injuries in >= 2 body regions: two
                # required secondaries, each from a region other than the principal's
                for j in range(2):
                    pick = rng.random(len(sel))
                    parts_case.append(sel)
                    parts_code.append(_other_region_codes(ref, principal[sel], req, pick))
            elif req:
                parts_case.append(sel)
                parts_code.append(np.asarray(req, dtype=object)[rng.integers(0, len(req), len(sel))])
            sec = pr.secondary[s]
            if sec:
                count = np.minimum(rng.poisson(0.4 + 1.2 * (adult[sel] * 1.0), len(sel)), len(sec))
                order = np.argsort(rng.random((len(sel), len(sec))), axis=1)
                for j in range(len(sec)):
                    has = count > j
                    parts_case.append(sel[has])
                    parts_code.append(np.asarray(sec, dtype=object)[order[has, j]])
    if len(prof.pairs):  # a split admission repeats the first stay's principal diagnosis
        split_pairs = prof.pairs[prof.split]
        principal[split_pairs[:, 1]] = principal[split_pairs[:, 0]]
    comp_cases = np.flatnonzero(coded_comp)
    ncomp = 1 + (rng.random(len(comp_cases)) < 0.3)
    for j in range(2):
        sel = comp_cases[ncomp > j]
        parts_case.append(sel)
        parts_code.append(np.asarray(COMPLICATIONS, dtype=object)[rng.integers(0, len(COMPLICATIONS), len(sel))])
    sec = pd.DataFrame({"case": np.concatenate(parts_case) if parts_case else np.array([], int),
                        "code": np.concatenate(parts_code) if parts_code else np.array([], object)})
    sec = sec[sec.code.to_numpy() != principal[sec.case.to_numpy()]].drop_duplicates(["case", "code"])
    main = pd.DataFrame({"case": np.arange(n), "code": principal})
    out = pd.concat([main.assign(main=True), sec.assign(main=False)], ignore_index=True)
    out = out.sort_values(["case", "main"], ascending=[True, False], kind="stable").reset_index(drop=True)
    out["srt"] = out.groupby("case").cumcount() + 1
    return out


def _procedures(rng, profiles, p, kind, adm, act_days) -> pd.DataFrame:
    cases, codes, types = [], [], []
    for pi in np.unique(p):
        pr = profiles[pi]
        if not pr.procedures:
            continue
        sel = np.flatnonzero(p == pi)
        cases.append(sel)
        codes.append(np.asarray(pr.procedures, dtype=object)[rng.integers(0, len(pr.procedures), len(sel))])
        types.append(np.full(len(sel), "1", dtype=object))
        for code in pr.extra_procedures:
            # ventilation codes (96.7x) are always recorded when the profile lists them (MDCA entry)
            has = sel[rng.random(len(sel)) < (1.0 if code.startswith("96.7") else 0.5)]
            cases.append(has)
            codes.append(np.full(len(has), code, dtype=object))
            types.append(np.full(len(has), "2", dtype=object))
    if not cases:
        return pd.DataFrame({"case": np.array([], int), "code": np.array([], object), "type": np.array([], object),
                             "srt": np.array([], int), "date": np.array([], "datetime64[s]")})
    case = np.concatenate(cases)
    code = np.concatenate(codes)
    typ = np.concatenate(types)
    order = np.lexsort((typ, case))
    case, code, typ = case[order], code[order], typ[order]
    keep = np.ones(len(case), bool)
    keep[1:] = (case[1:] != case[:-1]) | (code[1:] != code[:-1])
    case, code, typ = case[keep], code[keep], typ[keep]
    first = np.r_[True, case[1:] != case[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(len(case)), 0))
    srt = np.arange(len(case)) - start + 1
    day_offset = np.minimum(rng.integers(0, 3, len(case)), np.maximum(act_days[case] - 1, 0))
    date = adm[case].astype("datetime64[D]") + day_offset * DAY
    return pd.DataFrame({"case": case, "code": code, "type": typ, "srt": srt, "date": date})


def _fee_items(rng, kind: np.ndarray, total: np.ndarray):
    """14 fee categories in cents summing exactly to each total, with class A/B/self-funded splits."""
    n = len(total)
    alpha = np.array([FEE_SHARES[k] for k in kind], dtype=float).reshape(n, 14) * FEE_CONCENTRATION / 100.0
    g = np.where(alpha > 0, rng.gamma(np.maximum(alpha, 1e-9)), 0.0)
    share = g / g.sum(axis=1, keepdims=True)
    amt = np.floor(share * total[:, None]).astype(np.int64)
    largest = np.argmax(amt, axis=1)
    amt[np.arange(n), largest] += total - amt.sum(axis=1)  # the remainder makes the sum exact
    own = np.floor(amt * rng.uniform(0.0, 0.08, (n, 1))).astype(np.int64)
    clab = np.floor((amt - own) * rng.uniform(0.15, 0.4, (n, 1))).astype(np.int64)
    claa = amt - own - clab
    case, cat = np.nonzero(amt > 0)
    items = pd.DataFrame({"case": case, "chrgitm": np.asarray(FEE_CODES)[cat], "amt": amt[case, cat],
                          "claa": claa[case, cat], "clab": clab[case, cat], "own": own[case, cat]})
    return items, own.sum(axis=1), clab.sum(axis=1)


# --------------------------------------------------------------------------------------------
# Text rows, list versions and defects
# --------------------------------------------------------------------------------------------
def _num_str(values, empty_if_negative: bool = False) -> np.ndarray:
    v = pd.Series(values, dtype="float64")
    out = v.round().astype("Int64").astype(str).to_numpy(dtype=object)
    bad = v.isna().to_numpy() | ((v < 0).to_numpy() if empty_if_negative else False)
    out[bad] = ""
    return out


def _text_df(n: int, columns: dict, case=None) -> pd.DataFrame:
    """A frame of object (str) columns; scalars are broadcast. Avoids per-column string inference."""
    data = {}
    for name, value in columns.items():
        if isinstance(value, str):
            data[name] = np.full(n, value, dtype=object)
        else:
            arr = value.to_numpy() if isinstance(value, pd.Series) else np.asarray(value)
            data[name] = arr.astype(str).astype(object) if arr.dtype != object else arr
    frame = pd.DataFrame(data, dtype=object)
    if case is not None:
        frame.insert(0, "case", np.asarray(case, dtype=np.int64))
    return frame


def text_frames(mc: MonthCases, h, month: str, ref: Reference) -> dict[str, pd.DataFrame]:
    """All values as delivered text; a helper column `case` ties rows to their episode."""
    s = mc.setl
    n = len(s)
    settlements = _text_df(n, {
        "setl_id": s.setl_id, "mdtrt_id": s.mdtrt_id, "psn_no": s.psn_no, "fixmedins_code": h.fixmedins_code,
        "insutype": s.insutype, "insu_admdvs": s.insu_admdvs, "setl_time": _ts_str(s.setl_time.to_numpy()),
        "medfee_sumamt": _cents_str(s.medfee_sumamt), "hifp_pay": _cents_str(s.hifp_pay),
        "psn_cash_pay": _cents_str(s.psn_cashpay),
    })
    setlinfo = _text_df(n, {
        "setl_id": s.setl_id, "mdtrt_id": s.mdtrt_id, "psn_no": s.psn_no, "fixmedins_code": h.fixmedins_code,
        "fixmedins_name": h.fixmedins_name, "medcasno": s.medcasno, "psn_name": s.psn_name, "certno": s.certno,
        "gend": s.gend, "brdy": _date_str(s.brdy.to_numpy()), "age": s.age.astype(str),
        "nwb_age": _num_str(s.nwb_age, empty_if_negative=True), "nwb_bir_wt": _num_str(s.nwb_bir_wt),
        "nwb_adm_wt": _num_str(s.nwb_adm_wt), "insutype": s.insutype, "insu_admdvs": s.insu_admdvs,
        "ipt_med_type": s.ipt_med_type, "adm_time": _ts_str(s.adm_time.to_numpy()),
        "dscg_time": _ts_str(s.dscg_time.to_numpy()), "act_ipt_days": s.act_ipt_days.astype(str),
        "dscg_way": s.dscg_way, "vent_used_dura": _num_str(s.vent_used_dura),
        "days_rinp_flag_31": s.days_rinp_flag_31, "hi_paymtd": h.payment_method,
        "medfee_sumamt": _cents_str(s.medfee_sumamt), "hifp_pay": _cents_str(s.hifp_pay),
        "psn_selfpay": _cents_str(s.psn_selfpay), "psn_ownpay": _cents_str(s.psn_ownpay),
        "psn_cashpay": _cents_str(s.psn_cashpay), "dcla_time": "",
    }, case=np.arange(n))
    d = mc.diag
    diseinfo = _text_df(len(d), {
        "setl_id": s.setl_id.to_numpy()[d.case], "dcla_time": "", "diag_srt_no": d.srt.astype(str),
        "diag_code": d.code, "diag_name": _lookup(ref.diag_name, d.code),
        "maindiag_flag": np.where(d.main, "1", "0"),
        "adm_cond_type": np.where(d.main, "1", np.where(d.srt.to_numpy() % 3 == 0, "4", "1")),
    }, case=d.case.to_numpy())
    o = mc.oprn
    oprninfo = _text_df(len(o), {
        "setl_id": s.setl_id.to_numpy()[o.case.astype(int)], "dcla_time": "",
        "oprn_srt_no": o.srt.astype(str), "oprn_oprt_code": o.code,
        "oprn_oprt_name": _lookup(ref.oprn_name, o.code),
        "oprn_oprt_type": o.type, "oprn_oprt_date": _date_str(o.date.to_numpy()) if len(o) else [],
    }, case=o.case.to_numpy().astype(int))
    it = mc.items
    iteminfo = _text_df(len(it), {
        "setl_id": s.setl_id.to_numpy()[it.case], "dcla_time": "", "med_chrgitm": it.chrgitm,
        "amt": _cents_str(it.amt), "claa_sumfee": _cents_str(it.claa), "clab_amt": _cents_str(it.clab),
        "fulamt_ownpay_amt": _cents_str(it.own), "oth_amt": "0.00",
    }, case=it.case.to_numpy())
    return {"settlements": settlements, "setlinfo": setlinfo, "diseinfo": diseinfo, "oprninfo": oprninfo,
            "iteminfo": iteminfo}


@dataclass
class Versions:
    case: np.ndarray
    dcla: np.ndarray
    landing: np.ndarray
    defect: np.ndarray  # '' or a row-defect kind applied to this version
    role: np.ndarray  # on_time | late | superseded | re_upload


def plan_versions(rng, plan: Plan, h, month: str, mc: MonthCases, ref: Reference, exposure: dict):
    """Decide, per settlement, its list versions (none, one or two) and the defect of each."""
    s = mc.setl
    n = len(s)
    rates = plan.rates
    months = set(plan.months)
    rows_allowed = (h.fixmedins_code, month) not in plan.file_defects  # python bool
    setl_time = s.setl_time.to_numpy()
    listed = rng.random(n) < h.upload_rate
    kind = np.full(n, "", dtype=object)
    u = rng.random((n, 2 + len(ROW_DEFECTS)))
    next_month = (np.datetime64(month, "M") + 1).astype("datetime64[s]")

    late = listed & (u[:, 0] < rates.late_upload)
    late_dcla = np.maximum(setl_time + 30 * DAY + rng.integers(3600, 45 * 86400, n) * SECOND,
                           next_month + rng.integers(3600, 5 * 86400, n) * SECOND)
    late &= np.isin(_month_of(late_dcla), list(months))
    kind[late] = "late_upload"
    exposure["late_upload"] = exposure.get("late_upload", 0) + int(listed.sum())

    first_dcla = setl_time + rng.integers(3600, 10 * 86400, n) * SECOND
    second_dcla = np.maximum(first_dcla + DAY, next_month + rng.integers(3600, 25 * 86400, n) * SECOND)
    corr = listed & (kind == "") & (u[:, 1] < rates.correction) & rows_allowed
    corr &= np.isin(_month_of(second_dcla), list(months))
    corr_fault = np.asarray(CORRECTABLE, dtype=object)[rng.integers(0, len(CORRECTABLE), n)]
    kind[corr] = "correction"
    exposure["correction"] = exposure.get("correction", 0) + int(listed.sum())

    has_oprn = np.zeros(n, bool)
    has_oprn[mc.oprn.case.astype(int).to_numpy()] = True
    principal = mc.diag[mc.diag.main].sort_values("case").code.to_numpy()
    sex_specific = np.array([bool(ref.diag_sex.get(c, "")) for c in principal])
    same_month = _month_of(s.adm_time.to_numpy()) == month
    eligible = {"unknown_oprn_code": has_oprn, "sex_code_conflict": sex_specific, "reversed_dates": same_month}
    row_kind = np.full(n, "", dtype=object)
    for j, k in enumerate(ROW_DEFECTS):
        cand = listed & (kind == "") & (row_kind == "") & eligible.get(k, True) & rows_allowed
        exposure[k] = exposure.get(k, 0) + int((listed & eligible.get(k, True) & rows_allowed).sum())
        row_kind[cand & (u[:, 2 + j] < getattr(rates, k))] = k

    on = listed & ~late & ~corr
    cases = np.concatenate([np.flatnonzero(on), np.flatnonzero(late), np.flatnonzero(corr), np.flatnonzero(corr)])
    dcla = np.concatenate([setl_time[on] + rng.integers(3600, 25 * 86400, int(on.sum())) * SECOND,
                           late_dcla[late], first_dcla[corr], second_dcla[corr]])
    landing = np.concatenate([np.full(int(on.sum()), month, dtype=object), _month_of(late_dcla[late]),
                              np.full(int(corr.sum()), month, dtype=object), _month_of(second_dcla[corr])])
    defect = np.concatenate([row_kind[on], row_kind[late], corr_fault[corr],
                             np.full(int(corr.sum()), "", dtype=object)])
    role = np.concatenate([np.full(int(on.sum()), "on_time", dtype=object), np.full(int(late.sum()), "late", dtype=object),
                           np.full(int(corr.sum()), "superseded", dtype=object),
                           np.full(int(corr.sum()), "re_upload", dtype=object)])
    order = np.lexsort((dcla, cases))
    return Versions(cases[order], dcla[order], landing[order].astype(object), defect[order], role[order]), listed


def upload_status(plan: Plan, h, month: str, mc: MonthCases, v: Versions, deadline_days: int) -> dict:
    """The manifest's upload-rate row for the hospital-month (see the manifest README)."""
    n = len(mc.setl)
    quarantined = np.array([plan.file_defects.get((h.fixmedins_code, lm), ("", ""))[1] == "setlinfo"
                            for lm in v.landing], dtype=bool)
    ok = ~quarantined
    current = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    # versions are sorted by (case, dcla): the last loaded one of a case wins
    cur = pd.Series(v.dcla[ok]).groupby(v.case[ok]).max()
    current[cur.index.to_numpy()] = cur.to_numpy().astype("datetime64[s]")
    has = ~np.isnat(current)
    setl_time = mc.setl.setl_time.to_numpy().astype("datetime64[s]")
    on_time = has & ((current - setl_time) <= deadline_days * DAY)
    return {"fixmedins_code": h.fixmedins_code, "month": month, "settlements": n, "lists": int(has.sum()),
            "on_time_lists": int(on_time.sum()),
            "rate": f"{(on_time.sum() / n if n else 1.0):.6f}"}


def _record(setl_id, part, code, data_month, landing, kind, field_, detail) -> dict:
    return {"setl_id": setl_id, "part": part, "fixmedins_code": code, "data_month": data_month,
            "landing_month": landing, "defect_kind": kind, "field": field_, "detail": detail}


MISSING_FIELDS = (("setlinfo", "medcasno"), ("setlinfo", "gend"), ("setlinfo", "brdy"), ("setlinfo", "adm_time"),
                  ("setlinfo", "dscg_way"), ("setlinfo", "insutype"), ("setlinfo", "act_ipt_days"),
                  ("diseinfo", "diag_code"))
UNPARSEABLE = (("setlinfo", "brdy"), ("setlinfo", "adm_time"), ("setlinfo", "act_ipt_days"), ("setlinfo", "age"),
               ("iteminfo", "amt"))


def _bad_value(field_: str, value: str) -> str:
    if field_ == "brdy":
        return value[:5] + "02-30"  # no such day
    if field_ == "adm_time":
        return value[:10].replace("-", "/") + " " + value[11:16]  # wrong layout, no seconds
    if field_ == "act_ipt_days":
        return value + "天"
    if field_ == "age":
        return value + "岁"
    if field_ == "amt":
        whole, cents = value.split(".")
        return f"{int(whole):,}.{cents}" if int(whole) >= 1000 else "1,0" + value
    return "?"


def apply_defect(kind: str, case: int, frames: dict, rng, ref: Reference, fmt: str) -> list[tuple[str, str, str]]:
    """Corrupt one version's text rows in place; returns (part, field, detail) records."""
    L, D, O, I = (frames[p] for p in ("setlinfo", "diseinfo", "oprninfo", "iteminfo"))
    li = L.index[L.case == case][0]
    if kind == "unknown_diag_code":
        rows = D.index[(D.case == case)]
        sec = [r for r in rows if D.at[r, "maindiag_flag"] == "0"]
        r = sec[int(rng.integers(len(sec)))] if sec else rows[0]
        code = UNKNOWN_DIAG_CODES[int(rng.integers(len(UNKNOWN_DIAG_CODES)))]
        old = D.at[r, "diag_code"]
        D.loc[r, ["diag_code", "diag_name"]] = [code, ""]
        return [("diseinfo", "diag_code", f"diag_srt_no {D.at[r, 'diag_srt_no']}: {old} replaced by unknown {code}")]
    if kind == "unknown_oprn_code":
        r = O.index[(O.case == case) & (O.oprn_oprt_type == "1")][0]
        code = UNKNOWN_OPRN_CODES[int(rng.integers(len(UNKNOWN_OPRN_CODES)))]
        old = O.at[r, "oprn_oprt_code"]
        O.loc[r, ["oprn_oprt_code", "oprn_oprt_name"]] = [code, ""]
        return [("oprninfo", "oprn_oprt_code", f"main procedure {old} replaced by unknown {code}")]
    if kind == "invalid_principal_diag":
        # codes the catalogue holds and flags as not principal (an unknown code is another defect)
        options = [c for c in INVALID_PRINCIPAL_CODES if ref.diag_principal.get(c) is False] \
            or list(INVALID_PRINCIPAL_CODES)
        code = options[int(rng.integers(len(options)))]
        r = D.index[(D.case == case) & (D.maindiag_flag == "1")][0]
        old = D.at[r, "diag_code"]
        D.loc[r, ["diag_code", "diag_name"]] = [code, ref.diag_name.get(code, "")]
        return [("diseinfo", "diag_code", f"principal {old} replaced by {code}, which may not be principal")]
    if kind == "reversed_dates":
        a, d = L.at[li, "adm_time"], L.at[li, "dscg_time"]
        L.loc[li, ["adm_time", "dscg_time"]] = [d, a]
        return [("setlinfo", "dscg_time", f"adm_time {d} after dscg_time {a} (swapped)")]
    if kind == "fee_sum_mismatch":
        rows = I.index[I.case == case]
        r = rows[int(rng.integers(len(rows)))]
        delta = int(rng.integers(100, 50000))
        amt = round(float(I.at[r, "amt"]) * 100) + delta
        claa = round(float(I.at[r, "claa_sumfee"]) * 100) + delta
        I.loc[r, ["amt", "claa_sumfee"]] = [_cents_str([amt])[0], _cents_str([claa])[0]]
        detail = (f"med_chrgitm {I.at[r, 'med_chrgitm']} raised by {delta / 100:.2f}: "
                  f"categories exceed medfee_sumamt {L.at[li, 'medfee_sumamt']}")
        return [("iteminfo", "amt", detail)]
    if kind == "missing_required":
        part, field_ = MISSING_FIELDS[int(rng.integers(len(MISSING_FIELDS)))]
        if part == "setlinfo":
            L.at[li, field_] = ""
        else:
            D.loc[D.index[(D.case == case) & (D.maindiag_flag == "1")][0], field_] = ""
        return [(part, field_, f"required {field_} empty")]
    if kind == "unparseable_value":
        part, field_ = UNPARSEABLE[int(rng.integers(len(UNPARSEABLE)))]
        if part == "setlinfo":
            old = L.at[li, field_]
            L.at[li, field_] = _bad_value(field_, old)
            new = L.at[li, field_]
        else:
            r = I.index[I.case == case][0]
            old = I.at[r, field_]
            I.at[r, field_] = new = _bad_value(field_, old)
        return [(part, field_, f"{old!r} delivered as {new!r}")]
    if kind == "sex_code_conflict":
        principal = D.loc[(D.case == case) & (D.maindiag_flag == "1"), "diag_code"].iloc[0]
        new = "1" if ref.diag_sex.get(principal) == "F" else "2"
        L.at[li, "gend"] = new
        detail = f"gend {new} with principal {principal} restricted to {ref.diag_sex.get(principal)}"
        return [("setlinfo", "gend", detail)]
    if kind == "duplicate_row":
        parts = ["diseinfo", "iteminfo"] if fmt == "json" else ["setlinfo", "diseinfo", "iteminfo"]
        part = parts[int(rng.integers(len(parts)))]
        frame = frames[part]
        r = frame.index[frame.case == case][0]
        pos = frame.index.get_loc(r)
        frames[part] = pd.concat([frame.iloc[:pos + 1], frame.iloc[pos:]], ignore_index=True)
        return [(part, "", "row repeated verbatim on the next line")]
    raise ValueError(f"unknown defect kind {kind}")


# --------------------------------------------------------------------------------------------
# Writing files
# --------------------------------------------------------------------------------------------
def _csv_bytes(df: pd.DataFrame, part: str, encoding: str) -> bytes:
    text = df[interface.field_names(part)].to_csv(index=False, lineterminator="\n")
    return text.encode(encoding, errors="replace")


def _records(df: pd.DataFrame, cols: list[str]) -> list[dict]:
    return [dict(zip(cols, row)) for row in zip(*(df[c].tolist() for c in cols))]


def _json_bytes(frames: dict, code: str) -> bytes:
    """The 4101A shape: one entry per list version, its children nested (grouped by setl_id, dcla_time)."""
    cols = {p: interface.field_names(p) for p in interface.LIST_PARTS}
    children: dict[str, dict[tuple, list]] = {}
    for part in ("diseinfo", "oprninfo", "iteminfo"):
        groups: dict[tuple, list] = {}
        for rec in _records(frames[part], cols[part]):
            groups.setdefault((rec["setl_id"], rec["dcla_time"]), []).append(rec)
        children[part] = groups
    entries = []
    for rec in _records(frames["setlinfo"], cols["setlinfo"]):
        key = (rec["setl_id"], rec["dcla_time"])
        entries.append({"setlinfo": rec, **{p: children[p].get(key, []) for p in ("diseinfo", "oprninfo", "iteminfo")}})
    doc = {"infno": interface.JSON_INFNO, "fixmedins_code": code, "input": entries}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _parquet_bytes(df: pd.DataFrame, part: str) -> bytes:
    names = interface.field_names(part)
    table = pa.table({c: pa.array(df[c].astype(str).tolist() if len(df) else [], type=pa.string()) for c in names})
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def _truncate(data: bytes, rng) -> tuple[bytes, int, int]:
    """Cut inside a data row (never at a line end). Returns bytes, cut row number, rows kept whole."""
    lines = data.split(b"\n")
    rows = [i for i in range(1, len(lines)) if len(lines[i]) > 2]
    k = rows[int(rng.integers(len(rows)))] if len(rows) > 1 else rows[0]
    start = sum(len(x) + 1 for x in lines[:k])
    cut = start + int(rng.integers(1, len(lines[k]) - 1))
    return data[:cut], k, k - 1


def write_hospital_month(folder: Path, fmt: str, frames: dict, code: str, month: str, file_defect,
                         rng) -> tuple[list[dict], dict[str, int]]:
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    rows = {p: len(frames[p]) for p in interface.PARTS}
    payloads: dict[str, bytes] = {}
    if fmt == "json":
        payloads[interface.JSON_FILE] = _json_bytes(frames, code)
        payloads["settlements.csv"] = _csv_bytes(frames["settlements"], "settlements", "utf-8")
    else:
        for part in interface.PARTS:
            if fmt == "parquet":
                payloads[f"{part}.parquet"] = _parquet_bytes(frames[part], part)
            else:
                payloads[f"{part}.{fmt}"] = _csv_bytes(frames[part], part, "gbk" if fmt == "gbk.csv" else "utf-8")
    if file_defect:
        kind, part = file_defect
        name = f"{part}.{fmt}"
        ids = frames[part][["setl_id", "_data_month"]].drop_duplicates()
        if kind == "mislabelled_encoding":
            payloads[name] = _csv_bytes(frames[part], part, "gbk")
            detail = f"{name} is GBK-encoded but named as UTF-8 .csv"
            records += [_record(sid, part, code, dm, month, kind, "", detail)
                        for sid, dm in zip(ids["setl_id"], ids["_data_month"])]
        elif len(ids):
            cut, k, _ = _truncate(payloads[name], rng)
            total = len(payloads[name])
            payloads[name] = cut
            detail = f"{name} cut at byte {len(cut)} of {total}, inside data row {k}; whole file unusable"
            records += [_record(sid, part, code, dm, month, kind, "", detail)
                        for sid, dm in zip(ids["setl_id"], ids["_data_month"])]
    for name, data in payloads.items():
        (folder / name).write_bytes(data)
    return records, rows


# --------------------------------------------------------------------------------------------
# The region
# --------------------------------------------------------------------------------------------
@dataclass
class Summary:
    out_dir: str
    seed: int
    hospitals: int
    months: list[str]
    cases: int
    files: int
    rows: dict[str, int]
    rows_by_month: dict[str, dict[str, int]]
    cases_by_month: dict[str, int]
    defects: dict[str, int]
    exposure: dict[str, int]
    seconds: float
    rates: dict = field(default_factory=dict)
    upcoding_hospitals: list[str] = field(default_factory=list)
    catalogue_source: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True)


def _paths(target) -> tuple[Path, Path, Path]:
    if isinstance(target, Settings):
        return target.data_dir, target.landing_dir, target.data_dir / "manifest"
    root = Path(target)
    return root, root / "landing", root / "manifest"


def _prepare(landing: Path, manifest: Path, force: bool) -> None:
    import shutil

    for d in (landing, manifest):
        if d.exists() and any(d.iterdir()):
            if not force:
                raise FileExistsError(f"{d} is not empty: pass force=True (CLI --force) to regenerate")
            shutil.rmtree(d)
        d.mkdir(parents=True, exist_ok=True)


def generate_region(out_dir, *, seed: int | None = None, hospitals=None, years=(2023, 2024), months=None,
                    cases_per_year: int = 60000, defect_rates: DefectRates = DefectRates(),
                    progress: Callable[[str], None] | None = None, force: bool = False,
                    seeds_dir: Path = SEEDS_DIR) -> Summary:
    """Write the demo region's landing files and ground-truth manifest; return a summary.

    `out_dir` is a folder (landing/ and manifest/ go under it) or a `Settings` (its landing_dir and
    data_dir/manifest). `seed` defaults to the configured `[demo] seed`. `hospitals`: None for the
    whole registry, an int for the first N, or a list of codes. `months` restricts generation to a
    subset of `YYYY-MM` within `years` (tests). `progress(message)` gets one line per month.
    Same arguments, same bytes.
    """
    t0 = time.perf_counter()
    if seed is None:
        seed = (out_dir if isinstance(out_dir, Settings) else load_settings()).demo_seed
    root, landing, manifest = _paths(out_dir)
    _prepare(landing, manifest, force)
    ref = load_reference(seeds_dir)
    profiles = build_profiles(ref)
    plan = make_plan(ref, seed, hospitals, years, months, cases_per_year, defect_rates)
    pending: dict[tuple[str, str], list[dict]] = {}
    defect_counts: dict[str, int] = {}
    exposure: dict[str, int] = {}
    rows_by_month: dict[str, dict[str, int]] = {}
    cases_by_month: dict[str, int] = {}
    files = 0
    defects_path, rates_path, readm_path = (manifest / "defects.csv", manifest / "upload_rates.csv",
                                            manifest / "split_admissions.csv")
    writers = {}
    handles = []
    for path, cols in ((defects_path, DEFECT_COLUMNS),
                       (rates_path, ("fixmedins_code", "month", "settlements", "lists", "on_time_lists", "rate")),
                       (readm_path, ("first_setl_id", "second_setl_id", "psn_no", "fixmedins_code",
                                     "first_dscg_time", "second_adm_time", "gap_days", "first_principal_diag",
                                     "second_principal_diag", "split_admission"))):
        fh = path.open("w", encoding="utf-8", newline="")
        handles.append(fh)
        w = csv.DictWriter(fh, fieldnames=list(cols), lineterminator="\n")
        w.writeheader()
        writers[path.name] = w
    try:
        for month in plan.months:
            month_rows = {p: 0 for p in interface.PARTS}
            month_cases = 0
            for h in plan.hospitals.itertuples():
                key = (h.fixmedins_code, month)
                mc = generate_cases(plan, ref, profiles, h, month)
                month_cases += len(mc.setl)
                rng = np.random.default_rng([seed, int(h.registry_index), int(month[:4]), int(month[5:]), 3])
                versions, _ = plan_versions(rng, plan, h, month, mc, ref, exposure)
                deadline = ref.deadline_days.get(int(month[:4]), 30)
                writers["upload_rates.csv"].writerow(upload_status(plan, h, month, mc, versions, deadline))
                if len(mc.readmissions):
                    writers["split_admissions.csv"].writerows(mc.readmissions.to_dict("records"))
                base = text_frames(mc, h, month, ref)
                records = []
                for lm in pd.unique(versions.landing):
                    sel = versions.landing == lm
                    frames, recs = _version_frames(base, versions, sel, rng, ref, plan.formats[(h.fixmedins_code, lm)],
                                                   h.fixmedins_code, month, lm)
                    records += recs
                    frames["_data_month"] = month
                    pending.setdefault((h.fixmedins_code, lm), []).append(frames)
                # settlements: always complete, in the settlement month's folder
                settlements = base["settlements"].assign(_data_month=month)
                own = pending.pop(key, [])
                out = {"settlements": settlements}
                for part in interface.LIST_PARTS:
                    chunks = [f[part].assign(_data_month=f["_data_month"]) for f in own]
                    cols = interface.field_names(part) + ["_data_month"]
                    out[part] = pd.concat(chunks, ignore_index=True)[cols] if chunks else \
                        pd.DataFrame(columns=cols)
                frng = np.random.default_rng([seed, int(h.registry_index), int(month[:4]), int(month[5:]), 4])
                file_recs, rows = write_hospital_month(landing / month / h.fixmedins_code, plan.formats[key], out,
                                                       h.fixmedins_code, month, plan.file_defects.get(key), frng)
                records += file_recs
                files += 2 if plan.formats[key] == "json" else len(interface.PARTS)
                for p, c in rows.items():
                    month_rows[p] += c
                for r in records:
                    defect_counts[r["defect_kind"]] = defect_counts.get(r["defect_kind"], 0) + 1
                writers["defects.csv"].writerows(records)
                no_list = _no_list_records(mc, versions, h.fixmedins_code, month)
                for r in no_list:
                    defect_counts["no_list"] = defect_counts.get("no_list", 0) + 1
                writers["defects.csv"].writerows(no_list)
            rows_by_month[month] = month_rows
            cases_by_month[month] = month_cases
            if progress:
                progress(f"{month}: {month_cases:>7} cases at {len(plan.hospitals)} hospitals, "
                         f"lists {month_rows['setlinfo']:>7}, diagnoses {month_rows['diseinfo']:>8}, "
                         f"items {month_rows['iteminfo']:>8} ({time.perf_counter() - t0:.1f} s)")
    finally:
        for fh in handles:
            fh.close()
    _write_hospital_profiles(manifest / "hospital_profiles.csv", plan)
    totals = {p: sum(m[p] for m in rows_by_month.values()) for p in interface.PARTS}
    summary = Summary(
        out_dir=str(root), seed=seed, hospitals=len(plan.hospitals), months=plan.months,
        cases=sum(cases_by_month.values()), files=files, rows=totals, rows_by_month=rows_by_month,
        cases_by_month=cases_by_month, defects=dict(sorted(defect_counts.items())),
        exposure=dict(sorted(exposure.items())), seconds=round(time.perf_counter() - t0, 2),
        rates=asdict(defect_rates), upcoding_hospitals=list(plan.hospitals.fixmedins_code[plan.hospitals.upcoding]),
        catalogue_source=ref.catalogue_source,
    )
    args = {"seed": seed, "hospitals": hospitals if not isinstance(hospitals, tuple) else list(hospitals),
            "years": list(years), "months": list(months) if months else None, "cases_per_year": cases_per_year}
    doc = json.loads(summary.to_json()) | {"args": args}
    doc.pop("seconds")  # the manifest stays byte-identical between runs
    doc.pop("out_dir")
    (manifest / "summary.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                           encoding="utf-8")
    (manifest / "README.md").write_text(MANIFEST_README, encoding="utf-8")
    return summary


def _version_frames(base: dict, v: Versions, sel: np.ndarray, rng, ref: Reference, fmt: str, code: str,
                    month: str, landing: str) -> tuple[dict, list[dict]]:
    """The list rows of the versions landing in one folder, with dcla_time set and defects applied."""
    cases, dcla, defect, role = v.case[sel], v.dcla[sel], v.defect[sel], v.role[sel]
    dcla_s = pd.Series(_ts_str(dcla), index=cases)
    frames = {}
    for part in interface.LIST_PARTS:
        f = base[part]
        f = f[f.case.isin(cases)].copy()
        f["dcla_time"] = f.case.map(dcla_s).to_numpy()
        frames[part] = f.reset_index(drop=True)
    setl_ids = base["setlinfo"].setl_id.to_numpy()
    records = []
    for c, kind, r in zip(cases, defect, role):
        sid = setl_ids[c]
        if kind:
            for part, field_, detail in apply_defect(kind, int(c), frames, rng, ref, fmt):
                if r == "superseded":
                    records.append(_record(sid, part, code, month, landing, "superseded_version", field_,
                                           f"{kind}: {detail}; corrected by a later re-upload"))
                else:
                    records.append(_record(sid, part, code, month, landing, kind, field_, detail))
        if r == "late":
            records.append(_record(sid, "setlinfo", code, month, landing, "late_upload", "dcla_time",
                                   f"dcla_time {dcla_s[c]} after the upload deadline"))
        elif r == "re_upload":
            records.append(_record(sid, "setlinfo", code, month, landing, "re_upload", "dcla_time",
                                   f"corrected list re-uploaded at {dcla_s[c]}, replaces the earlier upload"))
    # rows appear in setl_id order within a folder, children after their header's order
    return frames, records


def _no_list_records(mc: MonthCases, v: Versions, code: str, month: str) -> list[dict]:
    listed = np.zeros(len(mc.setl), bool)
    listed[v.case] = True
    return [_record(sid, "settlements", code, month, month, "no_list", "",
                    "settled episode without any settlement list")
            for sid in mc.setl.setl_id.to_numpy()[~listed]]


def _write_hospital_profiles(path: Path, plan: Plan) -> None:
    h = plan.hospitals
    out = pd.DataFrame({
        "fixmedins_code": h.fixmedins_code, "fixmedins_name": h.fixmedins_name, "level_tier": h.tier,
        "payment_method": h.payment_method, "volume_weight": h["size"].round(4),
        "upload_rate_target": h.upload_rate.round(4), "base_format": h.base_format,
        "upcoding": h.upcoding.astype(int),
        "complication_factor": np.where(h.upcoding, UPCODING_FACTOR, 1.0),
        "split_admission_share": np.where(h.splitting, 0.9, SPLIT_SHARE),
    })
    out.to_csv(path, index=False, lineterminator="\n")


MANIFEST_README = """\
# Demo region manifest (ground truth; the pipeline never reads this folder)

Written by `drgdip generate` / `orchestration.demo.generator.generate_region` beside `landing/`.
Same seed and arguments give byte-identical files here and in `landing/`.

## summary.json
The arguments (`args`), the defect rates used (`rates`, the `DefectRates` dataclass), rows written
per landing month and part (`rows_by_month`, `rows`), settled episodes per month (`cases_by_month`,
`cases`), defect records per kind (`defects`), the number of lists each row-level kind could hit
(`exposure`: rate x exposure = expected count), the upcoding hospitals and where the diagnosis
flags came from (`catalogue_source`).

## defects.csv
One row per injected defect and affected list (`setl_id, part, fixmedins_code, data_month,
landing_month, defect_kind, field, detail`). `data_month` is the discharge month of the episode
(= settlement month), `landing_month` the folder the faulty rows are in, `part` the file part.
Kinds:

| defect_kind | what was done |
| --- | --- |
| no_list | a settlement (in settlements) with no settlement list anywhere |
| late_upload | list uploaded after the deadline: dcla_time - setl_time > upload_deadline_days; lands in a later folder |
| superseded_version | an earlier upload with a fault (detail names it: unknown_diag_code, fee_sum_mismatch, missing_required or invalid_principal_diag); a later upload of the same setl_id replaces it, so the fault lives only in raw |
| re_upload | the correcting upload (same setl_id, later dcla_time, later folder); its rows are clean |
| unknown_diag_code | a diagnosis code in no catalogue (principal if the list has no secondary) |
| unknown_oprn_code | the main procedure code is in no catalogue |
| invalid_principal_diag | principal diagnosis replaced by an external-cause code (V01-Y98) that may not be principal |
| reversed_dates | adm_time and dscg_time swapped (dscg before adm) |
| fee_sum_mismatch | one fee category raised: iteminfo amounts no longer sum to medfee_sumamt |
| missing_required | a required field left empty (field names it; diseinfo = the principal row's diag_code) |
| unparseable_value | a date or number that cannot be parsed (detail shows old and new text) |
| sex_code_conflict | gend contradicts the sex restriction of the principal diagnosis (e.g. a man with O80.0) |
| duplicate_row | one row of the part repeated verbatim on the next line (JSON: within the entry's array) |
| truncated_file | a CSV list file cut mid-row; every setl_id of the complete file is listed |
| mislabelled_encoding | setlinfo.csv written in GBK although named as UTF-8 `.csv`; every setl_id listed |

Everything not named here is clean: codes exist and fit sex and the principal rule, dates are
ordered, act_ipt_days = max(1, dscg date - adm date), fee categories sum to medfee_sumamt to
the cent, newborns (age 0, nwb_age <= 27 days) carry nwb_bir_wt and nwb_adm_wt, and
medfee_sumamt = hifp_pay + psn_cashpay with psn_cashpay >= psn_selfpay + psn_ownpay.
At most one row-level defect per list version. Hospital-months with a file-level defect get no
row-level defects.

## upload_rates.csv
One row per hospital and settlement month: `settlements` (rows in settlements, by the month of
setl_time), `lists` (settlements with a current list), `on_time_lists`, `rate` = on_time_lists /
settlements (6 decimals; 1 when there are no settlements). Definitions:
- a list version counts as uploaded when its setlinfo row is in a setlinfo file that loads; a
  setlinfo file quarantined as a whole (truncated_file, mislabelled_encoding with part setlinfo)
  uploads none of its lists. Row-level problems (unparseable values, missing fields, wrong codes)
  do not make a list "not uploaded": it arrived, its quality is measured separately.
- the current list of a settlement is its uploaded version with the latest dcla_time (any
  landing month);
- on time: current dcla_time - setl_time <= upload_deadline_days (policy_parameters.csv, year of
  setl_time; 30) x 24 h, compared as timestamps to the second.

## hospital_profiles.csv
Per hospital: tier, payment method, relative volume, the upload-rate target it was drawn with,
its usual file format, `upcoding` = 1 for the 2-3 hospitals (1 in a tiny region) that code
`complication_factor` times more MCC/CC-type complications than their tier peers without the
extra cost or stay (what supervision should find), `split_admission_share` (the share of its
readmissions that are split admissions; one hospital splits far more often).

## split_admissions.csv
Every readmission pair within 15 days (same person psn_no, same hospital, same month):
`first_setl_id, second_setl_id, psn_no, fixmedins_code, first_dscg_time, second_adm_time,
gap_days, first_principal_diag, second_principal_diag, split_admission`. `split_admission` = 1:
the same principal diagnosis readmitted 1-7 days later (分解住院); 0: an unrelated illness
(another MDC) 1-14 days later, which a correct flag should not raise.
"""


# --------------------------------------------------------------------------------------------
# CLI: drgdip generate
# --------------------------------------------------------------------------------------------
def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    target = Path(args.out) if args.out else settings
    years = tuple(int(y) for y in args.years.split(",")) if args.years else tuple(settings.years)
    months = [m.strip() for m in args.months.split(",")] if args.months else None

    def report(message: str) -> None:
        print(f"  {message}", flush=True)

    print(f"Generating the demo region (seed {args.seed if args.seed is not None else settings.demo_seed}) ...")
    try:
        summary = generate_region(
            target, seed=args.seed if args.seed is not None else settings.demo_seed,
            hospitals=args.hospitals if args.hospitals is not None else settings.demo_hospitals,
            years=years, months=months,
            cases_per_year=args.cases_per_year if args.cases_per_year is not None else settings.demo_cases_per_year,
            progress=report, force=args.force)
    except (FileExistsError, ValueError) as exc:
        print(f"drgdip generate: {exc}")
        return 1
    print(f"Done in {summary.seconds:.1f} s: {summary.hospitals} hospitals, {len(summary.months)} months, "
          f"{summary.cases} cases, {summary.files} files under {summary.out_dir}")
    print("  rows per part: " + ", ".join(f"{p} {n}" for p, n in summary.rows.items()))
    print("  defects: " + ", ".join(f"{k} {n}" for k, n in summary.defects.items()))
    print(f"  upcoding hospitals: {', '.join(summary.upcoding_hospitals) or 'none'}; ground truth in "
          f"{Path(summary.out_dir) / 'manifest'}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "generate", help="generate the demo region (landing files + ground-truth manifest)",
        description="Generate the deterministic demo region: landing/<YYYY-MM>/<hospital>/ files in "
                    "CSV, GBK CSV, JSON and Parquet with injected defects, and manifest/ (ground truth).")
    p.add_argument("--out", help="output folder (default: the configured data_dir)")
    p.add_argument("--seed", type=int, help="random seed (default: [demo] seed)")
    p.add_argument("--hospitals", type=int, help="first N hospitals of seeds/hospitals.csv (default: [demo] hospitals)")
    p.add_argument("--cases-per-year", type=int, help="region-wide cases per year (default: [demo] cases_per_year)")
    p.add_argument("--years", help="comma-separated years (default: the configured years)")
    p.add_argument("--months", help="comma-separated YYYY-MM subset of those years")
    p.add_argument("--force", action="store_true", help="replace an existing landing/ and manifest/")
    p.set_defaults(func=run)
