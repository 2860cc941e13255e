"""The ground truth beside `landing/`: `manifest/` (never read by the pipeline) with the summary, the
defect, upload-rate and split-admission tables, the hospital profiles and the README that defines
them all (`MANIFEST_README`)."""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.demo.casemix import SPLIT_SHARE, UPCODING_FACTOR
from orchestration.demo.defects import DEFECT_COLUMNS
from orchestration.demo.plan import Plan

# The tables written row by row while the region is generated, with their columns.
TABLES = {
    "defects.csv": DEFECT_COLUMNS,
    "upload_rates.csv": ("fixmedins_code", "month", "settlements", "lists", "on_time_lists", "rate"),
    "split_admissions.csv": ("first_setl_id", "second_setl_id", "psn_no", "fixmedins_code", "first_dscg_time",
                             "second_adm_time", "gap_days", "first_principal_diag", "second_principal_diag",
                             "split_admission"),
}


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


def open_tables(manifest: Path) -> tuple[dict[str, csv.DictWriter], list]:
    """A `csv.DictWriter` per table of `TABLES` (header written) by file name, and the files to close."""
    writers = {}
    handles = []
    for name, cols in TABLES.items():
        fh = (manifest / name).open("w", encoding="utf-8", newline="")
        handles.append(fh)
        w = csv.DictWriter(fh, fieldnames=list(cols), lineterminator="\n")
        w.writeheader()
        writers[name] = w
    return writers, handles


def write_summary(manifest: Path, summary: Summary, args: dict) -> None:
    """summary.json (the summary with the call's arguments) and README.md."""
    doc = json.loads(summary.to_json()) | {"args": args}
    doc.pop("seconds")  # the manifest stays byte-identical between runs
    doc.pop("out_dir")
    (manifest / "summary.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                           encoding="utf-8")
    (manifest / "README.md").write_text(MANIFEST_README, encoding="utf-8")


def write_hospital_profiles(path: Path, plan: Plan) -> None:
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
