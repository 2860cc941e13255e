"""A hospital-month's cases as the interface delivers them: every value as text, one frame per part
(settlements and the four list parts), a helper column `case` tying rows to their episode."""

from __future__ import annotations

import numpy as np
import pandas as pd

from orchestration.demo.casemix import MonthCases
from orchestration.demo.reference import Reference, lookup
from orchestration.demo.values import cents_str, date_str, ts_str


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
        "insutype": s.insutype, "insu_admdvs": s.insu_admdvs, "setl_time": ts_str(s.setl_time.to_numpy()),
        "medfee_sumamt": cents_str(s.medfee_sumamt), "hifp_pay": cents_str(s.hifp_pay),
        "psn_cash_pay": cents_str(s.psn_cashpay),
    })
    setlinfo = _text_df(n, {
        "setl_id": s.setl_id, "mdtrt_id": s.mdtrt_id, "psn_no": s.psn_no, "fixmedins_code": h.fixmedins_code,
        "fixmedins_name": h.fixmedins_name, "medcasno": s.medcasno, "psn_name": s.psn_name, "certno": s.certno,
        "gend": s.gend, "brdy": date_str(s.brdy.to_numpy()), "age": s.age.astype(str),
        "nwb_age": _num_str(s.nwb_age, empty_if_negative=True), "nwb_bir_wt": _num_str(s.nwb_bir_wt),
        "nwb_adm_wt": _num_str(s.nwb_adm_wt), "insutype": s.insutype, "insu_admdvs": s.insu_admdvs,
        "ipt_med_type": s.ipt_med_type, "adm_time": ts_str(s.adm_time.to_numpy()),
        "dscg_time": ts_str(s.dscg_time.to_numpy()), "act_ipt_days": s.act_ipt_days.astype(str),
        "dscg_way": s.dscg_way, "vent_used_dura": _num_str(s.vent_used_dura),
        "days_rinp_flag_31": s.days_rinp_flag_31, "hi_paymtd": h.payment_method,
        "medfee_sumamt": cents_str(s.medfee_sumamt), "hifp_pay": cents_str(s.hifp_pay),
        "psn_selfpay": cents_str(s.psn_selfpay), "psn_ownpay": cents_str(s.psn_ownpay),
        "psn_cashpay": cents_str(s.psn_cashpay), "dcla_time": "",
    }, case=np.arange(n))
    d = mc.diag
    diseinfo = _text_df(len(d), {
        "setl_id": s.setl_id.to_numpy()[d.case], "dcla_time": "", "diag_srt_no": d.srt.astype(str),
        "diag_code": d.code, "diag_name": lookup(ref.diag_name, d.code),
        "maindiag_flag": np.where(d.main, "1", "0"),
        "adm_cond_type": np.where(d.main, "1", np.where(d.srt.to_numpy() % 3 == 0, "4", "1")),
    }, case=d.case.to_numpy())
    o = mc.oprn
    oprninfo = _text_df(len(o), {
        "setl_id": s.setl_id.to_numpy()[o.case.astype(int)], "dcla_time": "",
        "oprn_srt_no": o.srt.astype(str), "oprn_oprt_code": o.code,
        "oprn_oprt_name": lookup(ref.oprn_name, o.code),
        "oprn_oprt_type": o.type, "oprn_oprt_date": date_str(o.date.to_numpy()) if len(o) else [],
    }, case=o.case.to_numpy().astype(int))
    it = mc.items
    iteminfo = _text_df(len(it), {
        "setl_id": s.setl_id.to_numpy()[it.case], "dcla_time": "", "med_chrgitm": it.chrgitm,
        "amt": cents_str(it.amt), "claa_sumfee": cents_str(it.claa), "clab_amt": cents_str(it.clab),
        "fulamt_ownpay_amt": cents_str(it.own), "oth_amt": "0.00",
    }, case=it.case.to_numpy())
    return {"settlements": settlements, "setlinfo": setlinfo, "diseinfo": diseinfo, "oprninfo": oprninfo,
            "iteminfo": iteminfo}
