"""The demo-region generator: determinism, formats, clinical coherence, defects against the manifest."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from orchestration import interface
from orchestration.demo.generator import (
    CORRECTABLE,
    ROW_DEFECTS,
    DefectRates,
    generate_region,
    load_reference,
)

MONTHS = ["2024-01", "2024-02", "2024-03"]
# Elevated rates so a few hundred cases show every kind often enough to test.
HIGH = DefectRates.dense()


@pytest.fixture(scope="module")
def ref():
    return load_reference()


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    out = tmp_path_factory.mktemp("region")
    summary = generate_region(out, seed=7, hospitals=6, months=MONTHS, cases_per_year=4000, defect_rates=HIGH)
    return out, summary


def _tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _is_file_defect(path: Path, fmt: str) -> bool:
    """A truncated file (no final newline) or a GBK file named as UTF-8."""
    data = path.read_bytes()
    if fmt in ("csv", "gbk.csv") and not data.endswith(b"\n"):
        return True
    if fmt == "csv":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return True
    return False


@functools.lru_cache(maxsize=512)
def read_folder(folder: Path) -> dict[str, pd.DataFrame]:
    """Read one hospital-month in whatever format it has; file-level defects read as None."""
    names = {p.name for p in folder.iterdir()}
    out = {}
    if interface.JSON_FILE in names:
        doc = json.loads((folder / interface.JSON_FILE).read_text(encoding="utf-8"))
        assert doc["infno"] == interface.JSON_INFNO and doc["fixmedins_code"] == folder.name
        out["setlinfo"] = pd.DataFrame([e["setlinfo"] for e in doc["input"]],
                                       columns=interface.field_names("setlinfo"))
        for part in ("diseinfo", "oprninfo", "iteminfo"):
            out[part] = pd.DataFrame([r for e in doc["input"] for r in e[part]], columns=interface.field_names(part))
        out["settlements"] = pd.read_csv(folder / "settlements.csv", dtype=str, keep_default_na=False)
        return out
    for part in interface.PARTS:
        if f"{part}.parquet" in names:
            table = pq.read_table(folder / f"{part}.parquet")
            assert all(str(t) == "string" for t in table.schema.types)
            out[part] = table.to_pandas().astype(object)
        else:
            fmt = "gbk.csv" if f"{part}.gbk.csv" in names else "csv"
            path = folder / f"{part}.{fmt}"
            if _is_file_defect(path, fmt):
                out[part] = None
                continue
            enc = "gbk" if fmt == "gbk.csv" else "utf-8"
            out[part] = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=enc)
        assert out[part] is None or list(out[part].columns) == interface.field_names(part)
    return out


@functools.lru_cache(maxsize=4)
def read_all(root: Path) -> dict[str, pd.DataFrame]:
    """Every readable file of the region, by part (cached: the module's region is read once)."""
    frames = {p: [] for p in interface.PARTS}
    for folder in sorted((root / "landing").glob("*/*")):
        for part, df in read_folder(folder).items():
            if df is not None:
                frames[part].append(df.assign(_landing=folder.parent.name, _hospital=folder.name))
    return {p: pd.concat(f, ignore_index=True) for p, f in frames.items()}


def manifest(root: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(root / "manifest" / name, dtype=str, keep_default_na=False)


def defect_ids(defects: pd.DataFrame, *kinds: str) -> set[str]:
    return set(defects.setl_id[defects.defect_kind.isin(kinds)])


def test_same_seed_same_bytes_and_other_seed_differs(tmp_path):
    args = {"hospitals": 5, "months": ["2024-02", "2024-03"], "cases_per_year": 1500}
    generate_region(tmp_path / "a", seed=3, **args)
    generate_region(tmp_path / "b", seed=3, **args)
    generate_region(tmp_path / "c", seed=4, **args)
    a, b, c = (_tree_digest(tmp_path / x) for x in "abc")
    assert a == b
    assert a != c
    with pytest.raises(FileExistsError):
        generate_region(tmp_path / "a", seed=3, **args)
    # months are independent: March's settlements do not depend on February being generated
    generate_region(tmp_path / "d", seed=3, hospitals=5, months=["2024-03"], cases_per_year=1500)
    march = {k: v for k, v in a.items() if k.startswith("landing/2024-03") and "settlements" in k}
    assert march and all(_tree_digest(tmp_path / "d")[k] == v for k, v in march.items())


def test_no_defects_gives_a_clean_region(tmp_path):
    summary = generate_region(tmp_path, seed=5, hospitals=4, months=["2024-06"], cases_per_year=2000,
                              defect_rates=DefectRates.none())
    assert summary.defects == {}
    rates = manifest(tmp_path, "upload_rates.csv")
    assert (rates.rate == "1.000000").all()
    data = read_all(tmp_path)
    assert len(data["setlinfo"]) == len(data["settlements"]) == summary.cases


def test_every_format_written_and_readable(region):
    root, summary = region
    suffixes = {p.name.split(".", 1)[1] for p in (root / "landing").rglob("*") if p.is_file()}
    assert {"csv", "gbk.csv", "parquet", "json"} <= suffixes
    gbk = next((root / "landing").rglob("setlinfo.gbk.csv"))
    text = gbk.read_bytes().decode("gbk")
    assert "医院" in text or "院" in text
    with pytest.raises(UnicodeDecodeError):
        gbk.read_bytes().decode("utf-8")
    data = read_all(root)
    assert len(data["settlements"]) == summary.cases
    assert set(data) == set(interface.PARTS)
    for part in interface.LIST_PARTS[1:]:  # child rows carry their list's setl_id and dcla_time
        assert {"setl_id", "dcla_time"} <= set(data[part].columns)


def test_sex_fits_codes_except_manifest_conflicts(region, ref):
    root, _ = region
    data, defects = read_all(root), manifest(root, "defects.csv")
    d = data["diseinfo"].merge(data["setlinfo"][["setl_id", "dcla_time", "gend"]].drop_duplicates(),
                               on=["setl_id", "dcla_time"])
    restriction = d.diag_code.map(ref.diag_sex).fillna("")
    clash = ((restriction == "F") & (d.gend == "1")) | ((restriction == "M") & (d.gend == "2"))
    assert len(d) > 0
    assert set(d.setl_id[clash]) <= defect_ids(defects, "sex_code_conflict")
    assert defect_ids(defects, "sex_code_conflict")
    dirty = set(defects.setl_id[defects.defect_kind != "no_list"])
    deliveries = d[d.diag_code.str.startswith("O") & ~d.setl_id.isin(dirty)]
    assert len(deliveries) and (deliveries.gend == "2").all()
    ages = data["setlinfo"].merge(deliveries[["setl_id"]].drop_duplicates()).age
    ages = pd.to_numeric(ages, errors="coerce").dropna()
    assert ages.between(15, 50).all()


def test_fee_categories_sum_to_total_except_manifest_defects(region):
    root, _ = region
    data, defects = read_all(root), manifest(root, "defects.csv")
    items = data["iteminfo"]
    amt = pd.to_numeric(items.amt, errors="coerce")
    sums = (amt * 100).round().groupby([items.setl_id, items.dcla_time, items._landing]).sum().rename("sum")
    heads = data["setlinfo"].drop_duplicates(["setl_id", "dcla_time", "_landing"])
    heads = heads.join(sums, on=["setl_id", "dcla_time", "_landing"])
    total = (pd.to_numeric(heads.medfee_sumamt, errors="coerce") * 100).round()
    bad = heads[total != heads["sum"]]
    allowed = defect_ids(defects, "fee_sum_mismatch", "superseded_version", "duplicate_row", "unparseable_value",
                         "truncated_file", "mislabelled_encoding")
    assert len(heads) > 100
    assert set(bad.setl_id) <= allowed
    # payments are consistent on every list
    s = data["setlinfo"]
    money = {c: (pd.to_numeric(s[c], errors="coerce") * 100).round() for c in
             ("medfee_sumamt", "hifp_pay", "psn_cashpay", "psn_selfpay", "psn_ownpay")}
    assert (money["hifp_pay"] + money["psn_cashpay"] == money["medfee_sumamt"]).all()
    assert (money["psn_cashpay"] >= money["psn_selfpay"] + money["psn_ownpay"]).all()


def test_clean_lists_are_clean(region, ref):
    root, _ = region
    data, defects = read_all(root), manifest(root, "defects.csv")
    dirty = set(defects.setl_id[defects.defect_kind != "no_list"])
    s = data["setlinfo"][~data["setlinfo"].setl_id.isin(dirty)]
    adm, dscg = pd.to_datetime(s.adm_time), pd.to_datetime(s.dscg_time)
    assert (dscg >= adm).all()
    days = (dscg.dt.normalize() - adm.dt.normalize()).dt.days.clip(lower=1)
    assert (days == s.act_ipt_days.astype(int)).all()
    for col in ("medcasno", "gend", "brdy", "adm_time", "dscg_way", "insutype", "act_ipt_days", "age"):
        assert (s[col] != "").all(), col
    day_surgery = s[s.ipt_med_type == "2"]
    assert len(day_surgery) and (day_surgery.act_ipt_days == "1").all()
    d = data["diseinfo"][~data["diseinfo"].setl_id.isin(dirty)]
    assert d.diag_code.isin(set(ref.diag_sex)).all() if ref.catalogue_source.endswith("csv") else True
    main = d[d.maindiag_flag == "1"]
    assert main.diag_code.map(ref.diag_principal).fillna(True).all()
    assert (main.groupby(["setl_id", "dcla_time"]).size() == 1).all()
    o = data["oprninfo"][~data["oprninfo"].setl_id.isin(dirty)]
    assert (o.groupby(["setl_id", "dcla_time"]).oprn_oprt_type.apply(lambda t: (t == "1").sum()) == 1).all()
    # every MDC's profiles appear in a default-sized month: covered by the case-mix table itself
    mix = ref.profiles
    assert mix.mdc.nunique() == 26 and 120 <= len(mix) <= 200


def test_newborns_have_weights(region):
    root, _ = region
    s = read_all(root)["setlinfo"]
    nwb = s[(s.age == "0") & (s.nwb_age != "") & (pd.to_numeric(s.nwb_age, errors="coerce") <= 27)]
    assert len(nwb)
    assert (nwb.nwb_bir_wt != "").all() and (nwb.nwb_adm_wt != "").all()
    assert pd.to_numeric(nwb.nwb_bir_wt).between(500, 5000).all()


def test_defect_counts_match_rates(region):
    root, summary = region
    for kind in ROW_DEFECTS + ("late_upload", "correction"):
        rate, exposure = getattr(HIGH, kind), summary.exposure[kind]
        count = summary.defects.get("re_upload" if kind == "correction" else kind, 0)
        sd = np.sqrt(exposure * rate * (1 - rate))
        assert abs(count - rate * exposure) <= 4 * sd + 2, (kind, count, rate * exposure)
    defects = manifest(root, "defects.csv")
    assert set(defects.defect_kind) >= set(ROW_DEFECTS) | {"no_list", "late_upload", "re_upload",
                                                            "superseded_version", "truncated_file",
                                                            "mislabelled_encoding"}
    assert list(defects.columns) == ["setl_id", "part", "fixmedins_code", "data_month", "landing_month",
                                     "defect_kind", "field", "detail"]


def _raw_rows(root: Path, row, part: str) -> pd.DataFrame:
    df = read_folder(root / "landing" / row.landing_month / row.fixmedins_code).get(part)
    return df[df.setl_id == row.setl_id] if df is not None else None


def test_every_manifest_defect_is_visible_in_the_files(region, ref):
    root, _ = region
    defects = manifest(root, "defects.csv")
    settlements = read_all(root)["settlements"]
    all_heads = read_all(root)["setlinfo"]
    for row in defects.itertuples():
        kind = row.defect_kind
        folder = root / "landing" / row.landing_month / row.fixmedins_code
        if kind == "no_list":
            assert row.setl_id in set(settlements.setl_id)
            assert row.setl_id not in set(all_heads.setl_id)
            continue
        if kind in ("truncated_file", "mislabelled_encoding"):
            path = next(folder.glob(f"{row.part}.*"))
            assert _is_file_defect(path, "gbk.csv" if path.name.endswith(".gbk.csv") else "csv"), path
            continue
        rows = _raw_rows(root, row, row.part)
        if rows is None:  # landed in a file that is broken as a whole: recorded as such too
            assert row.setl_id in defect_ids(defects[defects.landing_month == row.landing_month],
                                             "truncated_file", "mislabelled_encoding")
            continue
        assert rows is not None and len(rows), (kind, row.setl_id)
        if kind == "unknown_diag_code":
            assert (~rows.diag_code.isin(set(ref.diag_sex))).any()
        elif kind == "unknown_oprn_code":
            assert (~rows.oprn_oprt_code.isin(set(ref.oprn_name) or {"x"})).any() or not ref.oprn_name
        elif kind == "invalid_principal_diag":
            assert rows[rows.maindiag_flag == "1"].diag_code.str.match(r"^[V-Y]").all()
        elif kind == "reversed_dates":
            assert (pd.to_datetime(rows.dscg_time) < pd.to_datetime(rows.adm_time)).all()
        elif kind == "missing_required":
            assert (rows[row.field] == "").any()
        elif kind == "unparseable_value":
            parsed = (pd.to_datetime(rows[row.field], format="%Y-%m-%d", errors="coerce") if row.field == "brdy"
                      else pd.to_datetime(rows[row.field], format="%Y-%m-%d %H:%M:%S", errors="coerce")
                      if row.field == "adm_time" else pd.to_numeric(rows[row.field], errors="coerce"))
            assert parsed.isna().any()
        elif kind == "duplicate_row":
            assert rows.duplicated().any()
        elif kind == "sex_code_conflict":
            principal = _raw_rows(root, row, "diseinfo").query("maindiag_flag == '1'").diag_code.iloc[0]
            assert ref.diag_sex[principal] != ("M" if rows.gend.iloc[0] == "1" else "F")
        elif kind in ("late_upload", "re_upload"):
            assert row.landing_month > row.data_month
            assert (pd.to_datetime(rows.dcla_time) >= pd.Timestamp(row.landing_month + "-01")).all()
        elif kind == "superseded_version":
            assert row.detail.split(":")[0] in CORRECTABLE
            later = defects[(defects.setl_id == row.setl_id) & (defects.defect_kind == "re_upload")]
            assert len(later) == 1 and later.landing_month.iloc[0] > row.landing_month


def test_upload_rates_match_the_files(region):
    root, _ = region
    data = read_all(root)
    deadline = pd.Timedelta(days=30)
    setl = data["settlements"].assign(setl_time=lambda d: pd.to_datetime(d.setl_time))
    heads = data["setlinfo"].assign(dcla_time=lambda d: pd.to_datetime(d.dcla_time))
    current = heads.groupby("setl_id").dcla_time.max()
    setl = setl.join(current, on="setl_id")
    setl["month"] = setl.setl_time.dt.strftime("%Y-%m")
    setl["on_time"] = setl.dcla_time.notna() & ((setl.dcla_time - setl.setl_time) <= deadline)
    got = setl.groupby(["fixmedins_code", "month"]).agg(
        settlements=("setl_id", "size"), lists=("dcla_time", "count"), on_time_lists=("on_time", "sum"))
    expected = manifest(root, "upload_rates.csv").set_index(["fixmedins_code", "month"])
    for col in ("settlements", "lists", "on_time_lists"):
        assert (got[col].astype(int) == expected[col].astype(int).reindex(got.index)).all(), col
    rate = expected.rate.astype(float)
    assert rate.between(0, 1).all() and (rate < 1).any()


def test_readmissions_and_upcoding_in_manifest(region):
    root, summary = region
    pairs = manifest(root, "split_admissions.csv")
    heads = read_all(root)["setlinfo"].drop_duplicates("setl_id").set_index("setl_id")
    assert len(pairs) and (pairs.split_admission == "1").any()
    known = pairs[pairs.first_setl_id.isin(heads.index) & pairs.second_setl_id.isin(heads.index)]
    first, second = heads.loc[known.first_setl_id], heads.loc[known.second_setl_id]
    assert (first.psn_no.to_numpy() == second.psn_no.to_numpy()).all()
    assert (first.certno.to_numpy() == second.certno.to_numpy()).all()
    assert known.gap_days.astype(int).between(0, 15).all()
    split = pairs[pairs.split_admission == "1"]
    assert (split.first_principal_diag == split.second_principal_diag).all()
    profiles = manifest(root, "hospital_profiles.csv")
    assert profiles.upcoding.astype(int).sum() >= 1
    assert set(summary.upcoding_hospitals) == set(profiles.fixmedins_code[profiles.upcoding == "1"])
    meta = json.loads((root / "manifest" / "summary.json").read_text())
    assert meta["args"]["seed"] == 7 and (root / "manifest" / "README.md").exists()


def test_cli_generate(tmp_path, capsys):
    from orchestration.cli import main

    code = main(["generate", "--out", str(tmp_path), "--seed", "2", "--hospitals", "3",
                 "--cases-per-year", "600", "--months", "2024-05"])
    out = capsys.readouterr().out
    assert code == 0
    assert "2024-05" in out and "rows per part" in out
    assert (tmp_path / "manifest" / "summary.json").exists()
    assert main(["generate", "--out", str(tmp_path), "--months", "2024-05"]) == 1
