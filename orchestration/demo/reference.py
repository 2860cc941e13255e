"""What the generator draws from: the registry (hospitals, insured regions), the code catalogues'
names and flags, policy deadlines and trauma body regions from `seeds/`, and the clinical profiles
of `casemix.csv` split by patient sex (`build_profiles`). Also the codes the generator writes beyond
the profiles' (complications, external-cause principals), whose flags `load_reference` needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from orchestration.config import SEEDS_DIR

CASEMIX_CSV = Path(__file__).with_name("casemix.csv")

# MCC/CC-type complications coded as secondary diagnoses (sex-neutral, may be secondary):
# respiratory failure, acute kidney injury, sepsis, heart failure, hyponatraemia, acute
# posthaemorrhagic anaemia, hypokalaemia, shock, pulmonary oedema, shock, pneumonia, UTI.
COMPLICATIONS = ("J96.0", "N17.9", "A41.9", "I50.0", "E87.1", "D62", "E87.6", "R57.9", "J81",
                 "J18.9", "N39.0", "E86", "I26.9", "K92.2")
# External-cause codes: exist, but may not be principal (chapter XX).
INVALID_PRINCIPAL_CODES = ("X59.9", "V89.2", "V43.5", "V47.5", "X59.0")


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


def lookup(mapping: dict[str, str], codes) -> np.ndarray:
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
