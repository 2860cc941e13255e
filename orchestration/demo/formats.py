"""Writing a hospital-month's folder in its file format (CSV, GBK CSV, 4101A JSON, Parquet) with its
file-level defect applied (a truncated list file, a GBK `setlinfo.csv`)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from orchestration import interface
from orchestration.demo.defects import defect_record


def _csv_bytes(df: pd.DataFrame, part: str, encoding: str) -> bytes:
    text = df[interface.field_names(part)].to_csv(index=False, lineterminator="\n")
    return text.encode(encoding, errors="replace")


def _records(df: pd.DataFrame, cols: list[str]) -> list[dict]:
    return [dict(zip(cols, row)) for row in zip(*(df[c].tolist() for c in cols))]


def _json_bytes(frames: dict, code: str) -> bytes:
    """The 4101A shape: one entry per list version, its children nested (grouped by setl_id, dcla_time)."""
    cols = {p: interface.field_names(p) for p in interface.LIST_PARTS}
    children: dict[str, dict[tuple, list]] = {}
    for part in ("diseinfo", "oprninfo", "iteminfo"):
        groups: dict[tuple, list] = {}
        for rec in _records(frames[part], cols[part]):
            groups.setdefault((rec["setl_id"], rec["dcla_time"]), []).append(rec)
        children[part] = groups
    entries = []
    for rec in _records(frames["setlinfo"], cols["setlinfo"]):
        key = (rec["setl_id"], rec["dcla_time"])
        entries.append({"setlinfo": rec, **{p: children[p].get(key, []) for p in ("diseinfo", "oprninfo", "iteminfo")}})
    doc = {"infno": interface.JSON_INFNO, "fixmedins_code": code, "input": entries}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _parquet_bytes(df: pd.DataFrame, part: str) -> bytes:
    names = interface.field_names(part)
    table = pa.table({c: pa.array(df[c].astype(str).tolist() if len(df) else [], type=pa.string()) for c in names})
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def _truncate(data: bytes, rng) -> tuple[bytes, int, int]:
    """Cut inside a data row (never at a line end). Returns bytes, cut row number, rows kept whole."""
    lines = data.split(b"\n")
    rows = [i for i in range(1, len(lines)) if len(lines[i]) > 2]
    k = rows[int(rng.integers(len(rows)))] if len(rows) > 1 else rows[0]
    start = sum(len(x) + 1 for x in lines[:k])
    cut = start + int(rng.integers(1, len(lines[k]) - 1))
    return data[:cut], k, k - 1


def write_hospital_month(folder: Path, fmt: str, frames: dict, code: str, month: str, file_defect,
                         rng) -> tuple[list[dict], dict[str, int]]:
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    rows = {p: len(frames[p]) for p in interface.PARTS}
    payloads: dict[str, bytes] = {}
    if fmt == "json":
        payloads[interface.JSON_FILE] = _json_bytes(frames, code)
        payloads["settlements.csv"] = _csv_bytes(frames["settlements"], "settlements", "utf-8")
    else:
        for part in interface.PARTS:
            if fmt == "parquet":
                payloads[f"{part}.parquet"] = _parquet_bytes(frames[part], part)
            else:
                payloads[f"{part}.{fmt}"] = _csv_bytes(frames[part], part, "gbk" if fmt == "gbk.csv" else "utf-8")
    if file_defect:
        kind, part = file_defect
        name = f"{part}.{fmt}"
        ids = frames[part][["setl_id", "_data_month"]].drop_duplicates()
        if kind == "mislabelled_encoding":
            payloads[name] = _csv_bytes(frames[part], part, "gbk")
            detail = f"{name} is GBK-encoded but named as UTF-8 .csv"
            records += [defect_record(sid, part, code, dm, month, kind, "", detail)
                        for sid, dm in zip(ids["setl_id"], ids["_data_month"])]
        elif len(ids):
            cut, k, _ = _truncate(payloads[name], rng)
            total = len(payloads[name])
            payloads[name] = cut
            detail = f"{name} cut at byte {len(cut)} of {total}, inside data row {k}; whole file unusable"
            records += [defect_record(sid, part, code, dm, month, kind, "", detail)
                        for sid, dm in zip(ids["setl_id"], ids["_data_month"])]
    for name, data in payloads.items():
        (folder / name).write_bytes(data)
    return records, rows
