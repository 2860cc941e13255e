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

The steps live in one module each, called in that order for every hospital-month by
`generate_region` here: `reference` (seeds and clinical profiles), `plan` (hospitals and their
traits, formats, file-level defects), `casemix` (the cases), `rows` (their text rows), `uploads`
(list versions, with `defects` applied), `formats` (the files) and `manifest` (the ground truth).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration import interface
from orchestration.config import SEEDS_DIR, Settings, load_settings
from orchestration.demo.casemix import SPLIT_SHARE, generate_cases
from orchestration.demo.defects import CORRECTABLE, DEFAULT_RATES, ROW_DEFECTS, DefectRates
from orchestration.demo.formats import write_hospital_month
from orchestration.demo.manifest import Summary, open_tables, write_hospital_profiles, write_summary
from orchestration.demo.plan import make_plan
from orchestration.demo.reference import build_profiles, load_reference
from orchestration.demo.rows import text_frames
from orchestration.demo.uploads import no_list_records, plan_versions, upload_status, version_frames

# what importers have used from this module since it held the whole generator
__all__ = ["CORRECTABLE", "ROW_DEFECTS", "SPLIT_SHARE", "DefectRates", "Summary", "generate_region",
           "load_reference"]


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
                    cases_per_year: int = 60000, defect_rates: DefectRates = DEFAULT_RATES,
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
    writers, handles = open_tables(manifest)
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
                    frames, recs = version_frames(base, versions, sel, rng, ref,
                                                  plan.formats[(h.fixmedins_code, lm)], h.fixmedins_code, month, lm)
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
                no_list = no_list_records(mc, versions, h.fixmedins_code, month)
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
    write_hospital_profiles(manifest / "hospital_profiles.csv", plan)
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
    write_summary(manifest, summary, args)
    return summary
