"""One hospital-month of clinically coherent cases (typed values, not yet text): case count, clinical
profile, patient, stay, complications (and an upcoding hospital's extra ones), diagnoses,
procedures, cost split into fee categories, payments, and readmissions (split admissions)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration.demo.plan import Plan
from orchestration.demo.reference import COMPLICATIONS, Profile, Reference
from orchestration.demo.values import DAY, SECOND, date_str, ts_str

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

COMPLICATION_RATE = 0.10  # share of adult cases with at least one coded complication
UPCODING_FACTOR = 5.0  # upcoding hospitals code this many times more complications (no extra cost);
# typical comorbidities (E11.9, J44.9, ...) already make ~45% of cases CC, so a weaker factor would
# hide the upcoders in sampling noise at a hospital's monthly volume
READMISSION_RATE = 0.03  # share of eligible cases followed by a readmission within 15 days
SPLIT_SHARE = 0.45  # share of readmissions that are split admissions (splitting hospitals: 0.9)
CROSS_REGION_RATE = 0.08

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


@dataclass
class MonthCases:
    setl: pd.DataFrame  # one row per settled episode, all typed values (internal)
    diag: pd.DataFrame  # case, srt, code, main
    oprn: pd.DataFrame  # case, srt, code, type, date
    items: pd.DataFrame  # case, chrgitm, amt, claa, clab, own, oth (cents)
    readmissions: pd.DataFrame


def expected_cases(plan: Plan, h, month: str) -> float:
    share = h.size / plan.hospitals["size"].sum()
    m = int(month[5:])
    season = 1.0 + 0.12 * np.cos(2 * np.pi * (m - 1) / 12)  # winter peak of respiratory disease
    return plan.cases_per_year / 12.0 * share * season


def generate_cases(plan: Plan, ref: Reference, profiles: list[Profile], h, month: str) -> MonthCases:
    rng = np.random.default_rng([plan.seed, int(h.registry_index), int(month[:4]), int(month[5:]), 2])
    tier = int(h.tier)
    n = int(rng.poisson(expected_cases(plan, h, month)))
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
            "first_dscg_time": ts_str(dscg[f]), "second_adm_time": ts_str(adm[s]),
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


def _choice_rows(rng, options: list[str], n: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(0, len(options), n)]


def _certno(region: np.ndarray, brdy: np.ndarray, sex: np.ndarray, rng) -> np.ndarray:
    """18-digit resident-ID-like numbers: region + birth date + sequence (odd = male) + ISO 7064 check."""
    n = len(region)
    seq = rng.integers(0, 50, n) * 2 + np.where(sex == "1", 1, 0)
    body = (pd.Series(region).astype(str) + pd.Series(np.char.replace(date_str(brdy), "-", ""))
            + pd.Series(rng.integers(0, 10, n)).astype(str) + pd.Series(seq).astype(str).str.zfill(2)).to_numpy()
    digits = np.array([list(b) for b in body], dtype=np.int64) if n else np.zeros((0, 17), np.int64)
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    check = np.array(list("10X98765432"))[(digits @ weights) % 11] if n else np.array([], str)
    return (pd.Series(body, dtype=object) + check).to_numpy()
