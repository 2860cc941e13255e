"""Raw ingestion: formats, file-level quarantine, lineage, idempotency, pseudonymisation, Dagster.

Fixture landing folders are written by hand (interface field names from orchestration.interface)
so every expected number can be checked by reading this file.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from orchestration.config import load_settings
from orchestration.interface import PARTS, field_names
from orchestration.pseudonymise import pseudonym
from orchestration.quarantine import REASONS, SEED_FILE, seed_text

MONTH = "2024-03"
H_CSV, H_GBK, H_PARQUET, H_JSON = "H37030300001", "H37030300002", "H37030300003", "H37030300004"
HOSPITAL_NAMES = {H_CSV: "淄博市第一医院", H_GBK: "淄博市中医院", H_PARQUET: "临淄区人民医院", H_JSON: "张店区妇幼保健院"}
# Clear personal values that must never reach the warehouse.
PEOPLE = {"A": ("370302198001011234", "张三丰"), "B": ("37030219900202567X", "李四"), "C": ("370303200012126543", "王五")}

TEST_KEY = "test-pseudonym-key"


# --- fixture writers -----------------------------------------------------------------------------


def make_list(hospital: str, n: int, person: str = "A", dscg: str = "2024-03-10", dcla: str = "2024-03-12 09:00:00"):
    """One settlement and its settlement list (header, 2 diagnoses, 1 procedure, 2 fee lines)."""
    setl_id = f"S{hospital[-3:]}{n:04d}"
    certno, name = PEOPLE[person]
    settlement = {"setl_id": setl_id, "mdtrt_id": f"M{setl_id}", "psn_no": f"P{person}", "fixmedins_code": hospital,
                  "insutype": "310", "insu_admdvs": "370300", "setl_time": f"{dscg} 16:00:00",
                  "medfee_sumamt": "1234.50", "hifp_pay": "900.00", "psn_cash_pay": ""}
    setlinfo = {"setl_id": setl_id, "mdtrt_id": f"M{setl_id}", "psn_no": f"P{person}", "fixmedins_code": hospital,
                "fixmedins_name": HOSPITAL_NAMES[hospital], "medcasno": f"BA{n}", "psn_name": name,
                "certno": certno, "gend": "1", "brdy": "1980-01-01", "age": "44", "insutype": "310",
                "insu_admdvs": "370300", "ipt_med_type": "1", "adm_time": "2024-03-01 08:00:00",
                "dscg_time": f"{dscg} 10:00:00", "act_ipt_days": "9", "dscg_way": "1",
                "medfee_sumamt": "1234.50", "hifp_pay": "900.00", "dcla_time": dcla}
    child = {"setl_id": setl_id, "dcla_time": dcla}
    diseinfo = [{**child, "diag_srt_no": "1", "diag_code": "I21.0", "diag_name": "前壁急性透壁性心肌梗死",
                 "maindiag_flag": "1", "adm_cond_type": "1"},
                {**child, "diag_srt_no": "2", "diag_code": "E11.9", "diag_name": "2型糖尿病",
                 "maindiag_flag": "0", "adm_cond_type": "1"}]
    oprninfo = [{**child, "oprn_srt_no": "1", "oprn_oprt_code": "36.06", "oprn_oprt_name": "冠状动脉支架置入",
                 "oprn_oprt_type": "1", "oprn_oprt_date": "2024-03-02"}]
    iteminfo = [{**child, "med_chrgitm": "01", "amt": "234.50"}, {**child, "med_chrgitm": "09", "amt": "1000.00"}]
    return {"settlements": [settlement], "setlinfo": [setlinfo], "diseinfo": diseinfo,
            "oprninfo": oprninfo, "iteminfo": iteminfo}


def merge(*lists):
    return {part: [row for lst in lists for row in lst[part]] for part in PARTS}


def csv_bytes(part: str, rows: list[dict], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=field_names(part), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def write_csv_hospital(folder: Path, data: dict, encoding: str = "utf-8", suffix: str = ".csv") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for part, rows in data.items():
        (folder / f"{part}{suffix}").write_bytes(csv_bytes(part, rows, encoding))


def write_parquet_hospital(folder: Path, data: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for part, rows in data.items():
        names = field_names(part)
        table = pa.table({n: pa.array([r.get(n, "") for r in rows], pa.string()) for n in names})
        pq.write_table(table, folder / f"{part}.parquet")


def write_json_hospital(folder: Path, data: dict, hospital: str, strip_children: bool = False) -> None:
    """setllist.json (4101A) + settlements.csv; with strip_children the child rows omit setl_id/dcla_time."""
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for header in data["setlinfo"]:
        rec = {"setlinfo": header}
        for part in ("diseinfo", "oprninfo", "iteminfo"):
            children = [dict(r) for r in data[part] if r["setl_id"] == header["setl_id"]]
            if strip_children:
                for c in children:
                    c.pop("setl_id"), c.pop("dcla_time")
            rec[part] = children
        records.append(rec)
    doc = {"infno": "4101A", "fixmedins_code": hospital, "input": records}
    (folder / "setllist.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    (folder / "settlements.csv").write_bytes(csv_bytes("settlements", data["settlements"]))


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("DRGDIP_PSEUDONYM_KEY", TEST_KEY)
    return load_settings().with_paths(tmp_path)


@pytest.fixture
def landing(settings):
    """A month with one hospital per format: 2 lists each (+1 late upload for February at H_CSV)."""
    root = settings.landing_dir / MONTH
    write_csv_hospital(root / H_CSV, merge(make_list(H_CSV, 1, "A"), make_list(H_CSV, 2, "B"),
                                           make_list(H_CSV, 3, "A", dscg="2024-02-20")))
    write_csv_hospital(root / H_GBK, merge(make_list(H_GBK, 1, "C"), make_list(H_GBK, 2, "A")), "gbk", ".gbk.csv")
    write_parquet_hospital(root / H_PARQUET, merge(make_list(H_PARQUET, 1, "B"), make_list(H_PARQUET, 2, "C")))
    write_json_hospital(root / H_JSON, merge(make_list(H_JSON, 1, "A"), make_list(H_JSON, 2, "B")), H_JSON,
                        strip_children=True)
    return root


def ingest(settings, month=MONTH):
    from orchestration.assets.ingestion import ingest_month

    return ingest_month(settings, month)


def query(settings, sql, params=None):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def rows_of(settings, table, source_file):
    return query(settings, f"select count(*) from raw.{table} where _source_file = ?", [source_file])[0][0]


# --- tests ---------------------------------------------------------------------------------------


def test_seed_is_generated_from_reasons():
    assert SEED_FILE.read_text(encoding="utf-8") == seed_text(), "run python -m orchestration.quarantine"
    with SEED_FILE.open(encoding="utf-8") as fh:
        assert {r["reason_code"] for r in csv.DictReader(fh)} == set(REASONS)


def test_each_format_ingests_with_lineage(settings, landing, monkeypatch):
    from orchestration.landing import PartRows

    monkeypatch.setattr(PartRows, "CHUNK_ROWS", 3)  # several Arrow chunks per file, as in big files
    report = ingest(settings)
    assert report.files_quarantined == 0 and report.rows_quarantined == 0
    assert report.files == 5 + 5 + 5 + 2
    # 3 + 2 + 2 + 2 lists; each list has 2 diagnoses, 1 procedure, 2 fee lines.
    assert report.rows_loaded == {"settlements": 9, "setlinfo": 9, "diseinfo": 18, "oprninfo": 9, "iteminfo": 18}
    for hospital, name in [(H_CSV, "diseinfo.csv"), (H_GBK, "diseinfo.gbk.csv"),
                           (H_PARQUET, "diseinfo.parquet"), (H_JSON, "setllist.json")]:
        source = f"{MONTH}/{hospital}/{name}"
        digest = hashlib.sha256((landing / hospital / name).read_bytes()).hexdigest()
        got = query(settings, "select _row_number, diag_code, diag_name, _file_hash, _landing_month "
                              "from raw.diseinfo where _source_file = ? order by _row_number", [source])
        assert [r[0] for r in got] == [1, 2, 3, 4] if hospital != H_CSV else [1, 2, 3, 4, 5, 6]
        assert [r[1] for r in got[:2]] == ["I21.0", "E11.9"]
        assert got[0][2] == "前壁急性透壁性心肌梗死"
        assert {r[3] for r in got} == {digest} and {r[4] for r in got} == {MONTH}
    files = query(settings, "select source_file, part, format, encoding, status, rows_read, rows_loaded "
                            "from raw.ingested_files order by source_file")
    assert (f"{MONTH}/{H_JSON}/setllist.json", "setllist", "json", "utf-8", "loaded", 12, 12) in files
    assert (f"{MONTH}/{H_GBK}/setlinfo.gbk.csv", "setlinfo", "gbk.csv", "gbk", "loaded", 2, 2) in files
    # Empty strings are NULL, not ''.
    assert query(settings, "select count(*) from raw.settlements where psn_cash_pay = ''")[0][0] == 0
    assert query(settings, "select count(*) from raw.settlements where psn_cash_pay is null")[0][0] == 9


def test_raw_columns_follow_the_interface(settings, landing):
    from orchestration.interface import LINEAGE_COLUMNS

    ingest(settings)
    cols = [r[0] for r in query(settings, "select column_name from information_schema.columns where "
                                          "table_schema = 'raw' and table_name = 'setlinfo' order by ordinal_position")]
    expected = [f"{n}_hmac" if n in ("certno", "psn_name") else n for n in field_names("setlinfo")]
    assert cols == expected + list(LINEAGE_COLUMNS)
    types = {r[0] for r in query(settings, "select data_type from information_schema.columns where table_schema = "
                                           "'raw' and table_name = 'iteminfo' and column_name not like '\\_%' escape '\\'")}
    assert types == {"VARCHAR"}


def test_gbk_file_keeps_chinese_text(settings, landing):
    ingest(settings)
    names = query(settings, "select distinct fixmedins_name from raw.setlinfo where _source_file = ?",
                  [f"{MONTH}/{H_GBK}/setlinfo.gbk.csv"])
    assert names == [("淄博市中医院",)]


def test_json_children_inherit_setl_id_and_dcla_time(settings, landing):
    ingest(settings)
    got = query(settings, "select setl_id, dcla_time, count(*) from raw.iteminfo where _source_file = ? "
                          "group by all order by 1", [f"{MONTH}/{H_JSON}/setllist.json"])
    assert got == [("S0040001", "2024-03-12 09:00:00", 2), ("S0040002", "2024-03-12 09:00:00", 2)]


def test_gbk_file_named_csv_is_quarantined(settings, landing):
    folder = landing / H_GBK
    (folder / "setlinfo.gbk.csv").rename(folder / "setlinfo.csv")
    ingest(settings)
    source = f"{MONTH}/{H_GBK}/setlinfo.csv"
    assert rows_of(settings, "setlinfo", source) == 0
    [(reason, row, field, message)] = query(
        settings, "select reason_code, row_number, field, message from raw.quarantine where source_file = ?", [source])
    assert reason == "ENCODING_ERROR" and row is None
    assert field == "fixmedins_name"  # the first non-ASCII value of the first data row
    assert "line 2" in message and "setlinfo.gbk.csv" in message and "byte" in message
    assert query(settings, "select status, rows_loaded from raw.ingested_files where source_file = ?",
                 [source]) == [("quarantined", 0)]
    # The hospital's other files still load.
    assert rows_of(settings, "diseinfo", f"{MONTH}/{H_GBK}/diseinfo.gbk.csv") == 4


def test_utf8_file_named_gbk_is_quarantined(settings, landing):
    (landing / H_GBK / "diseinfo.gbk.csv").write_bytes(csv_bytes("diseinfo", make_list(H_GBK, 1)["diseinfo"]))
    ingest(settings)
    [(reason, message)] = query(settings, "select reason_code, message from raw.quarantine")
    assert reason == "ENCODING_ERROR" and "UTF-8" in message and "diseinfo.csv" in message


def test_truncated_csv_is_quarantined(settings, landing):
    path = landing / H_CSV / "iteminfo.csv"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 9])  # cut inside the last row
    ingest(settings)
    source = f"{MONTH}/{H_CSV}/iteminfo.csv"
    assert rows_of(settings, "iteminfo", source) == 0
    [(reason, row, message)] = query(settings, "select reason_code, row_number, message from raw.quarantine "
                                               "where source_file = ?", [source])
    assert reason == "TRUNCATED_FILE" and row is None and "data row 6" in message


def test_short_last_row_with_newline_is_truncation(settings, landing):
    path = landing / H_CSV / "oprninfo.csv"
    lines = path.read_bytes().split(b"\r\n")
    lines[-2] = b",".join(lines[-2].split(b",")[:3])
    path.write_bytes(b"\r\n".join(lines))
    ingest(settings)
    assert query(settings, "select reason_code from raw.quarantine") == [("TRUNCATED_FILE",)]
    assert rows_of(settings, "oprninfo", f"{MONTH}/{H_CSV}/oprninfo.csv") == 0


def test_row_with_wrong_field_count_is_quarantined_alone(settings, landing):
    path = landing / H_CSV / "setlinfo.csv"
    lines = path.read_bytes().split(b"\r\n")
    lines[2] = lines[2].replace(b"2024-03-01 08:00:00,", b"2024-03-01 08:00:00,extra,")  # data row 2
    path.write_bytes(b"\r\n".join(lines))
    report = ingest(settings)
    source = f"{MONTH}/{H_CSV}/setlinfo.csv"
    assert [r[0] for r in query(settings, "select _row_number from raw.setlinfo where _source_file = ? "
                                          "order by 1", [source])] == [1, 3]
    [(reason, row, record, message)] = query(
        settings, "select reason_code, row_number, record, message from raw.quarantine where source_file = ?", [source])
    assert (reason, row) == ("WRONG_FIELD_COUNT", 2) and "line 3" in message
    assert json.loads(record) == {"setl_id": "S0010002"}  # nothing personal, even shifted
    assert report.rows_quarantined == 1
    assert query(settings, "select rows_read, rows_loaded, rows_quarantined from raw.ingested_files "
                           "where source_file = ?", [source]) == [(3, 2, 1)]


@pytest.mark.parametrize("damage, reason", [
    (lambda b: b[: len(b) // 2], "TRUNCATED_FILE"),
    (lambda b: b.replace(b'"input"', b'"input" :: '), "UNREADABLE_FILE"),
    (lambda b: b.replace(b'"input"', b'"records"'), "INVALID_STRUCTURE"),
])
def test_bad_json_is_quarantined(settings, landing, damage, reason):
    path = landing / H_JSON / "setllist.json"
    path.write_bytes(damage(path.read_bytes()))
    ingest(settings)
    source = f"{MONTH}/{H_JSON}/setllist.json"
    assert query(settings, "select reason_code, part from raw.quarantine") == [(reason, "setllist")]
    for part in ("setlinfo", "diseinfo", "oprninfo", "iteminfo"):
        assert rows_of(settings, part, source) == 0
    assert rows_of(settings, "settlements", f"{MONTH}/{H_JSON}/settlements.csv") == 2


def test_truncated_parquet_is_quarantined(settings, landing):
    path = landing / H_PARQUET / "iteminfo.parquet"
    path.write_bytes(path.read_bytes()[:-20])
    ingest(settings)
    assert query(settings, "select reason_code from raw.quarantine") == [("TRUNCATED_FILE",)]
    assert rows_of(settings, "iteminfo", f"{MONTH}/{H_PARQUET}/iteminfo.parquet") == 0


def test_missing_columns_unknown_and_duplicate_files(settings, landing):
    rows = make_list(H_CSV, 1)["diseinfo"]
    (landing / H_PARQUET / "diseinfo.csv").write_bytes(csv_bytes("diseinfo", rows))  # duplicate part
    (landing / H_CSV / "notes.txt").write_text("hello")
    (landing / "stray.csv").write_text("a,b\n")
    text = (landing / H_CSV / "oprninfo.csv").read_text().replace("oprn_oprt_code", "oprn_code", 1)
    (landing / H_CSV / "oprninfo.csv").write_text(text)
    ingest(settings)
    got = query(settings, "select source_file, reason_code, field from raw.quarantine order by 1")
    assert got == [
        (f"{MONTH}/{H_CSV}/notes.txt", "UNKNOWN_FILE", None),
        (f"{MONTH}/{H_CSV}/oprninfo.csv", "MISSING_COLUMNS", "oprn_oprt_code"),
        (f"{MONTH}/{H_PARQUET}/diseinfo.csv", "DUPLICATE_FILE", None),
        (f"{MONTH}/{H_PARQUET}/diseinfo.parquet", "DUPLICATE_FILE", None),
        (f"{MONTH}/stray.csv", "UNKNOWN_FILE", None),
    ]
    # Every file has its ingested_files row; rows only from loaded files.
    assert query(settings, "select count(*) from raw.ingested_files")[0][0] == 17 + 3
    assert query(settings, "select sum(rows_loaded) from raw.ingested_files where part = 'diseinfo'")[0][0] == 6 + 4


def test_rematerialising_is_idempotent(settings, landing):
    def snapshot():
        out = {}
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            for (table,) in con.execute("select table_name from information_schema.tables "
                                        "where table_schema = 'raw'").fetchall():
                cols = [c for (c,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = 'raw' and "
                    "table_name = ? and column_name not in ('_loaded_at', 'loaded_at', 'detected_at') "
                    "order by ordinal_position", [table]).fetchall()]
                out[table] = con.execute(f"select {', '.join(cols)} from raw.{table} order by all").fetchall()
        return out

    (landing / H_CSV / "bad.csv").write_text("x")  # so quarantine is compared too
    ingest(settings)
    first = snapshot()
    ingest(settings)
    assert snapshot() == first
    assert len(first["setlinfo"]) == 9 and len(first["quarantine"]) == 1
    # Another month in the same warehouse is left untouched by re-ingesting this one.
    write_csv_hospital(settings.landing_dir / "2024-04" / H_CSV, make_list(H_CSV, 9, dscg="2024-04-02"))
    ingest(settings, "2024-04")
    ingest(settings)
    assert query(settings, "select _landing_month, count(*) from raw.setlinfo group by 1 order by 1") == [
        ("2024-03", 9), ("2024-04", 1)]


def test_no_clear_personal_data_in_the_warehouse(settings, landing):
    path = landing / H_CSV / "setlinfo.csv"  # a malformed row too: its record must not leak either
    lines = path.read_bytes().split(b"\r\n")
    lines[1] = lines[1].replace(b",1,1980-01-01", b",1,,1980-01-01")
    path.write_bytes(b"\r\n".join(lines))
    ingest(settings)
    clear = [v for pair in PEOPLE.values() for v in pair]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        columns = con.execute("select table_schema, table_name, column_name from information_schema.columns "
                              "where data_type = 'VARCHAR'").fetchall()
        assert len(columns) > 50
        for schema, table, column in columns:
            for value in clear:
                hits = con.execute(f'select count(*) from "{schema}"."{table}" where contains("{column}", ?)',
                                   [value]).fetchone()[0]
                assert hits == 0, f"clear personal value in {schema}.{table}.{column}"
        # Same person → same pseudonym across hospitals and formats (readmissions link).
        got = con.execute("select psn_no, count(distinct certno_hmac), count(distinct psn_name_hmac), "
                          "min(length(certno_hmac)) from raw.setlinfo group by 1 order by 1").fetchall()
    assert got == [("PA", 1, 1, 64), ("PB", 1, 1, 64), ("PC", 1, 1, 64)]
    # The key comes from the environment; ID numbers are upper-cased before hashing.
    expected = hmac.new(TEST_KEY.encode(), b"37030219900202567X", hashlib.sha256).hexdigest()
    assert query(settings, "select distinct certno_hmac from raw.setlinfo where psn_no = 'PB'") == [(expected,)]
    assert pseudonym(TEST_KEY.encode(), "certno", " 37030219900202567x ") == expected


def test_other_months_touched_reports_late_uploads(settings, landing):
    report = ingest(settings)
    assert report.other_months_touched == ["2024-02"]
    assert report.metadata()["other_months_touched"].value == ["2024-02"]


def test_empty_or_missing_month(settings):
    report = ingest(settings, "2023-01")
    assert report.files == 0 and sum(report.rows_loaded.values()) == 0
    assert query(settings, "select count(*) from raw.setlinfo")[0][0] == 0


def test_dagster_asset_materialises_partition(settings, landing):
    from dagster import materialize

    from orchestration.assets.ingestion import raw_settlement_lists
    from orchestration.resources import build_resources

    resources = build_resources(settings)
    resources.pop("dbt")
    result = materialize([raw_settlement_lists], partition_key=MONTH, resources=resources)
    assert result.success
    [mat] = result.asset_materializations_for_node("raw_settlement_lists")
    assert mat.partition == MONTH
    assert mat.metadata["rows_setlinfo"].value == 9
    assert mat.metadata["other_months_touched"].value == ["2024-02"]
    assert query(settings, "select count(*) from raw.iteminfo")[0][0] == 18


def _generator():
    try:
        from orchestration.demo import generator
    except ImportError:
        return None
    return generator if hasattr(generator, "generate_region") else None


@pytest.mark.slow
@pytest.mark.skipif(_generator() is None, reason="demo generator not available")
def test_generated_region_month_reconciles(settings):
    """Every generated file is loaded or quarantined; counts reconcile with the files and the manifest."""
    from orchestration.landing import classify

    months = ["2024-02", "2024-03"]
    _generator().generate_region(settings, seed=7, hospitals=8, years=(2024,), months=months, cases_per_year=1200)
    for month in months:
        ingest(settings, month)
    files = sorted(p for m in months for p in (settings.landing_dir / m).rglob("*") if p.is_file())
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        statuses = dict(con.execute("select source_file, status from raw.ingested_files").fetchall())
        assert sorted(statuses) == [p.relative_to(settings.landing_dir).as_posix() for p in files]
        for source, status in statuses.items():
            if status == "quarantined":
                assert con.execute("select count(*) from raw.quarantine where source_file = ? and row_number "
                                   "is null", [source]).fetchone()[0] == 1
        # Rows loaded per file = rows in the raw tables; for CSVs also = data records in the file.
        for source, kind, loaded, read, quarantined in con.execute(
                "select source_file, part, rows_loaded, rows_read, rows_quarantined from raw.ingested_files "
                "where status = 'loaded'").fetchall():
            parts = [p for p in PARTS if p != "settlements"] if kind == "setllist" else [kind]
            in_raw = sum(con.execute(f"select count(*) from raw.{p} where _source_file = ?", [source]).fetchone()[0]
                         for p in parts)
            assert in_raw == loaded and read == loaded + quarantined
            fmt = classify(Path(source).name)[1]
            if fmt in ("csv", "gbk.csv"):
                enc = "utf-8-sig" if fmt == "csv" else "gb18030"
                with (settings.landing_dir / source).open(encoding=enc, newline="") as fh:
                    assert read == sum(1 for row in csv.reader(fh) if row) - 1
        # The manifest's broken files (truncated, GBK named .csv) are exactly the quarantined ones.
        refused = dict(con.execute("select source_file, reason_code from raw.quarantine").fetchall())
    with (settings.data_dir / "manifest" / "defects.csv").open(encoding="utf-8") as fh:
        broken = {(d["landing_month"], d["fixmedins_code"], d["part"], d["defect_kind"]) for d in csv.DictReader(fh)
                  if d["defect_kind"] in ("truncated_file", "mislabelled_encoding")}
    assert broken, "the generator injects at least one broken file"
    expected = {"truncated_file": "TRUNCATED_FILE", "mislabelled_encoding": "ENCODING_ERROR"}
    got = {(src.split("/")[0], src.split("/")[1], classify(src.split("/")[2])[0], code) for src, code in refused.items()}

    def carrier(month, hospital, part):  # a JSON hospital-month carries its list parts in one file
        json_month = (settings.landing_dir / month / hospital / "setllist.json").exists()
        return "setllist" if json_month and part != "settlements" else part

    assert got == {(m, h, carrier(m, h, part), expected[kind]) for m, h, part, kind in broken}


def test_json_entries_that_are_not_lists_are_quarantined_alone(settings, landing):
    path = landing / H_JSON / "setllist.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    orphan_lines = doc["input"][1]["diseinfo"]
    doc["input"] += ["not a list", {"diseinfo": [dict(d, setl_id="S0049999") for d in orphan_lines]}]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    report = ingest(settings)
    source = f"{MONTH}/{H_JSON}/setllist.json"
    assert query(settings, "select part, row_number, reason_code from raw.quarantine order by row_number") == [
        ("setlinfo", 3, "INVALID_RECORD"), ("setlinfo", 4, "INVALID_RECORD")]
    # Lines without a header still land (staging reports them as ORPHAN_CHILD), numbered within the part.
    assert query(settings, "select _row_number, setl_id from raw.diseinfo where _source_file = ? and "
                           "setl_id = 'S0049999' order by 1", [source]) == [(5, "S0049999"), (6, "S0049999")]
    assert report.rows_quarantined == 2
    assert query(settings, "select rows_read, rows_loaded, rows_quarantined from raw.ingested_files "
                           "where source_file = ?", [source]) == [(16, 14, 2)]
