"""The region plan, drawn once per region before any case: which hospitals, their traits (relative
size, upload rate, usual file format, upcoding, split admissions), each hospital-month's file
format and the hospital-months that get a file-level defect."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration import interface
from orchestration.demo.defects import DefectRates
from orchestration.demo.reference import Reference

# Relative size of a hospital (inpatient volume) by level tier 1..7 (policy/002: seven tiers).
TIER_SIZE = {1: 10.0, 2: 6.0, 3: 4.0, 4: 2.5, 5: 1.0, 6: 0.8, 7: 0.5}


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
