"""How settlement lists are uploaded: per settlement none, one or two list versions (on time, late,
or a faulty upload corrected later), the landing month of each, the row defect each carries; the
rows of the versions landing in a folder with those defects applied; the manifest's upload status
and its records of late uploads, corrections and settlements without a list."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from orchestration import interface
from orchestration.demo.casemix import MonthCases
from orchestration.demo.defects import CORRECTABLE, ROW_DEFECTS, apply_defect, defect_record
from orchestration.demo.plan import Plan
from orchestration.demo.reference import Reference
from orchestration.demo.values import DAY, SECOND, month_of, ts_str


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
    late &= np.isin(month_of(late_dcla), list(months))
    kind[late] = "late_upload"
    exposure["late_upload"] = exposure.get("late_upload", 0) + int(listed.sum())

    first_dcla = setl_time + rng.integers(3600, 10 * 86400, n) * SECOND
    second_dcla = np.maximum(first_dcla + DAY, next_month + rng.integers(3600, 25 * 86400, n) * SECOND)
    corr = listed & (kind == "") & (u[:, 1] < rates.correction) & rows_allowed
    corr &= np.isin(month_of(second_dcla), list(months))
    corr_fault = np.asarray(CORRECTABLE, dtype=object)[rng.integers(0, len(CORRECTABLE), n)]
    kind[corr] = "correction"
    exposure["correction"] = exposure.get("correction", 0) + int(listed.sum())

    has_oprn = np.zeros(n, bool)
    has_oprn[mc.oprn.case.astype(int).to_numpy()] = True
    principal = mc.diag[mc.diag.main].sort_values("case").code.to_numpy()
    sex_specific = np.array([bool(ref.diag_sex.get(c, "")) for c in principal])
    same_month = month_of(s.adm_time.to_numpy()) == month
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
    landing = np.concatenate([np.full(int(on.sum()), month, dtype=object), month_of(late_dcla[late]),
                              np.full(int(corr.sum()), month, dtype=object), month_of(second_dcla[corr])])
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


def version_frames(base: dict, v: Versions, sel: np.ndarray, rng, ref: Reference, fmt: str, code: str,
                   month: str, landing: str) -> tuple[dict, list[dict]]:
    """The list rows of the versions landing in one folder, with dcla_time set and defects applied."""
    cases, dcla, defect, role = v.case[sel], v.dcla[sel], v.defect[sel], v.role[sel]
    dcla_s = pd.Series(ts_str(dcla), index=cases)
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
                    records.append(defect_record(sid, part, code, month, landing, "superseded_version",
                                                 field_, f"{kind}: {detail}; corrected by a later re-upload"))
                else:
                    records.append(defect_record(sid, part, code, month, landing, kind, field_, detail))
        if r == "late":
            records.append(defect_record(sid, "setlinfo", code, month, landing, "late_upload", "dcla_time",
                                         f"dcla_time {dcla_s[c]} after the upload deadline"))
        elif r == "re_upload":
            records.append(defect_record(sid, "setlinfo", code, month, landing, "re_upload", "dcla_time",
                                         f"corrected list re-uploaded at {dcla_s[c]}, replaces the earlier upload"))
    # rows appear in setl_id order within a folder, children after their header's order
    return frames, records


def no_list_records(mc: MonthCases, v: Versions, code: str, month: str) -> list[dict]:
    listed = np.zeros(len(mc.setl), bool)
    listed[v.case] = True
    return [defect_record(sid, "settlements", code, month, month, "no_list", "",
                          "settled episode without any settlement list")
            for sid in mc.setl.setl_id.to_numpy()[~listed]]
