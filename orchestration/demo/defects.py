"""Defects injected into a list version's text rows: the rates of every kind (`DefectRates`), the
row-level kinds, how one is applied (`apply_defect`) and the manifest record that names it
(`defect_record`, the columns of `defects.csv`). Which version gets which defect is decided in
`uploads`; file-level defects are chosen in `plan` and applied in `formats`."""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from orchestration.demo.reference import INVALID_PRINCIPAL_CODES, Reference
from orchestration.demo.values import cents_str


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


DEFAULT_RATES = DefectRates()  # generate_region's default
ROW_DEFECTS = ("unknown_diag_code", "unknown_oprn_code", "invalid_principal_diag", "reversed_dates",
               "fee_sum_mismatch", "missing_required", "unparseable_value", "sex_code_conflict",
               "duplicate_row")
CORRECTABLE = ("unknown_diag_code", "fee_sum_mismatch", "missing_required", "invalid_principal_diag")
DEFECT_COLUMNS = ("setl_id", "part", "fixmedins_code", "data_month", "landing_month", "defect_kind",
                  "field", "detail")

# Plausible-looking codes that exist in neither catalogue (verified against the GNU Health data).
UNKNOWN_DIAG_CODES = ("J18.5", "I50.5", "K35.6", "N39.5", "I63.7", "K80.9", "J44.5", "M17.6", "C34.4")
UNKNOWN_OPRN_CODES = ("47.15", "51.29", "36.08", "13.49", "74.5", "68.42")


def defect_record(setl_id, part, code, data_month, landing, kind, field_, detail) -> dict:
    """One row of the manifest's defects.csv (`DEFECT_COLUMNS`)."""
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
        I.loc[r, ["amt", "claa_sumfee"]] = [cents_str([amt])[0], cents_str([claa])[0]]
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
