"""Raw ingestion (原始数据接入): one landing month into the DuckDB `raw` schema.

`ingest_month()` reads every file of `landing/<YYYY-MM>/` (see `orchestration.landing`) and, in ONE
transaction, replaces exactly that landing month's rows in

- `raw.settlements`, `raw.setlinfo`, `raw.diseinfo`, `raw.oprninfo`, `raw.iteminfo`: the interface
  fields as VARCHAR in interface order (in `raw.setlinfo`, `certno`/`psn_name` are stored only as
  `certno_hmac`/`psn_name_hmac` at the same place), then the lineage columns
  `interface.LINEAGE_COLUMNS`;
- `raw.ingested_files`: one row per file delivered (for `setllist.json`, `part` is `setllist`);
- `raw.quarantine`: refused files (one row, `row_number` NULL) and refused rows, `stage = ingestion`.

Rematerialising a month yields the same tables except the load times. The Dagster asset
`raw_settlement_lists` (partition = landing month) wraps it and reports `other_months_touched`:
discharge months other than the partition that the folder carries (late uploads, corrections).
"""

# No `from __future__ import annotations`: Dagster inspects the context and resource annotations.

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from dagster import AssetExecutionContext, BackfillPolicy, MaterializeResult, MetadataValue, asset
from dagster_duckdb import DuckDBResource

from orchestration.config import Settings
from orchestration.interface import LINEAGE_COLUMNS, PARTS
from orchestration.landing import MONTH_RE, FileContent, discover_month, read_landing_file, safe_record
from orchestration.partitions import monthly_partitions
from orchestration.progress import report as report_progress
from orchestration.pseudonymise import stored_names
from orchestration.resources import DrgdipSettings

log = logging.getLogger(__name__)

RAW_SCHEMA = "raw"
LINEAGE_TYPES = {
    "_landing_month": "VARCHAR",
    "_source_file": "VARCHAR",
    "_row_number": "BIGINT",
    "_file_hash": "VARCHAR",
    "_loaded_at": "TIMESTAMP",
}
INGESTED_FILES_COLUMNS = {
    "landing_month": "VARCHAR", "source_file": "VARCHAR", "fixmedins_code": "VARCHAR", "part": "VARCHAR",
    "format": "VARCHAR", "encoding": "VARCHAR", "file_hash": "VARCHAR", "rows_read": "BIGINT",
    "rows_loaded": "BIGINT", "rows_quarantined": "BIGINT", "status": "VARCHAR", "message": "VARCHAR",
    "loaded_at": "TIMESTAMP",
}
QUARANTINE_COLUMNS = {
    "landing_month": "VARCHAR", "source_file": "VARCHAR", "part": "VARCHAR", "row_number": "BIGINT",
    "field": "VARCHAR", "reason_code": "VARCHAR", "message": "VARCHAR", "record": "VARCHAR",
    "stage": "VARCHAR", "detected_at": "TIMESTAMP",
}
_ARROW = {"VARCHAR": pa.string(), "BIGINT": pa.int64(), "TIMESTAMP": pa.timestamp("us")}


def raw_columns(part: str) -> dict[str, str]:
    """Column → DuckDB type of `raw.<part>`: interface fields (as stored), then lineage."""
    assert tuple(LINEAGE_TYPES) == LINEAGE_COLUMNS
    return {**{name: "VARCHAR" for name in stored_names(part)}, **LINEAGE_TYPES}


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    tables = {**{part: raw_columns(part) for part in PARTS},
              "ingested_files": INGESTED_FILES_COLUMNS, "quarantine": QUARANTINE_COLUMNS}
    for table, columns in tables.items():
        cols = ", ".join(f"{name} {type_}" for name, type_ in columns.items())
        con.execute(f"create table if not exists {RAW_SCHEMA}.{table} ({cols})")


@dataclass
class IngestReport:
    month: str
    files: int = 0
    files_loaded: int = 0
    files_quarantined: int = 0
    rows_loaded: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PARTS, 0))
    rows_quarantined: int = 0  # row-level quarantine at ingestion (refused files not counted)
    reasons: Counter = field(default_factory=Counter)  # quarantine rows by reason code
    discharge_months: Counter = field(default_factory=Counter)  # setlinfo rows by dscg_time month

    @property
    def other_months_touched(self) -> list[str]:
        return sorted(m for m in self.discharge_months if m != self.month)

    def metadata(self) -> dict:
        return {
            "landing_month": self.month,
            "files": self.files,
            "files_loaded": self.files_loaded,
            "files_quarantined": self.files_quarantined,
            **{f"rows_{part}": n for part, n in self.rows_loaded.items()},
            "rows_quarantined": self.rows_quarantined,
            "quarantine_reasons": MetadataValue.json(dict(sorted(self.reasons.items()))),
            "other_months_touched": MetadataValue.json(self.other_months_touched),
            "setlinfo_rows_by_discharge_month": MetadataValue.json(dict(sorted(self.discharge_months.items()))),
        }

    def summary(self) -> str:
        rows = ", ".join(f"{p} {n}" for p, n in self.rows_loaded.items())
        other = ", ".join(self.other_months_touched) or "none"
        return (f"{self.month}: {self.files} files ({self.files_loaded} loaded, {self.files_quarantined} "
                f"quarantined); rows {rows}; {self.rows_quarantined} rows quarantined; "
                f"other discharge months: {other}")


def ingest_month(settings: Settings, month: str, con_or_path: duckdb.DuckDBPyConnection | str | Path | None = None,
                 ) -> IngestReport:
    """Load landing month `month` into the raw tables, replacing that month's rows atomically."""
    if not MONTH_RE.match(month):
        raise ValueError(f"landing month must be YYYY-MM, got {month!r}")
    if not isinstance(con_or_path, duckdb.DuckDBPyConnection):
        path = Path(con_or_path or settings.warehouse)
        path.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(path)) as con:
            return ingest_month(settings, month, con)
    con = con_or_path
    key = settings.pseudonym_key()
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    files = discover_month(settings.landing_dir, month)
    if not files:
        log.warning("no landing files under %s", Path(settings.landing_dir) / month)
    report = IngestReport(month)
    ensure_raw_schema(con)
    con.begin()
    try:
        _delete_month(con, month)
        file_rows, quarantine_rows = [], []
        for lf in files:
            content = read_landing_file(lf, key)
            _account(report, content)
            for part, rows in content.parts.items():
                if not content.problem and len(rows):
                    _append(con, part, _with_lineage(rows.to_arrow(), content, loaded_at))
            file_rows.append(_file_row(content, loaded_at))
            quarantine_rows.extend(_quarantine_rows(content, loaded_at))
        _append(con, "ingested_files", _table(file_rows, INGESTED_FILES_COLUMNS))
        _append(con, "quarantine", _table(quarantine_rows, QUARANTINE_COLUMNS))
        con.commit()
    except BaseException:
        con.rollback()
        raise
    log.info(report.summary())
    return report


def _delete_month(con, month: str) -> None:
    for part in PARTS:
        con.execute(f"delete from {RAW_SCHEMA}.{part} where _landing_month = ?", [month])
    con.execute(f"delete from {RAW_SCHEMA}.ingested_files where landing_month = ?", [month])
    con.execute(f"delete from {RAW_SCHEMA}.quarantine where landing_month = ? and stage = 'ingestion'", [month])


def _append(con, table: str, data: pa.Table) -> None:
    if data.num_rows == 0:
        return
    con.register("_ingest_batch", data)
    try:
        con.execute(f"insert into {RAW_SCHEMA}.{table} by name select * from _ingest_batch")
    finally:
        con.unregister("_ingest_batch")


def _with_lineage(table: pa.Table, content: FileContent, loaded_at: datetime) -> pa.Table:
    n = table.num_rows
    lineage = {
        "_landing_month": pa.array([content.file.landing_month] * n, pa.string()),
        "_source_file": pa.array([content.file.source_file] * n, pa.string()),
        "_file_hash": pa.array([content.file_hash] * n, pa.string()),
        "_loaded_at": pa.array([loaded_at] * n, pa.timestamp("us")),
    }
    for name, values in lineage.items():
        table = table.append_column(name, values)
    return table


def _table(rows: list[dict], columns: dict[str, str]) -> pa.Table:
    return pa.table({c: pa.array([r[c] for r in rows], _ARROW[t]) for c, t in columns.items()})


def _account(report: IngestReport, content: FileContent) -> None:
    report.files += 1
    if content.problem:
        report.files_quarantined += 1
        report.reasons[content.problem.reason_code] += 1
        return
    report.files_loaded += 1
    for part, rows in content.parts.items():
        report.rows_loaded[part] += len(rows)
    report.rows_quarantined += len(content.quarantined)
    report.reasons.update(q.reason_code for q in content.quarantined)
    if "setlinfo" in content.parts:
        months = pc.utf8_slice_codeunits(content.parts["setlinfo"].to_arrow().column("dscg_time"), 0, 7)
        for entry in pc.value_counts(months.drop_null()).to_pylist():
            if MONTH_RE.match(entry["values"]):
                report.discharge_months[entry["values"]] += entry["counts"]


def _file_row(content: FileContent, loaded_at: datetime) -> dict:
    lf = content.file
    if content.problem:
        status, message = "quarantined", content.problem.message
    else:
        status, message = "loaded", "; ".join(content.notes) or None
    return {
        "landing_month": lf.landing_month, "source_file": lf.source_file, "fixmedins_code": lf.fixmedins_code,
        "part": lf.kind, "format": lf.format, "encoding": lf.encoding, "file_hash": content.file_hash,
        "rows_read": content.rows_read, "rows_loaded": content.rows_loaded,
        "rows_quarantined": None if content.problem else len(content.quarantined),
        "status": status, "message": message, "loaded_at": loaded_at,
    }


def _quarantine_rows(content: FileContent, detected_at: datetime) -> list[dict]:
    entries = [content.problem] if content.problem else content.quarantined
    return [{
        "landing_month": content.file.landing_month, "source_file": content.file.source_file, "part": q.part,
        "row_number": q.row_number, "field": q.field, "reason_code": q.reason_code, "message": q.message,
        "record": None if q.record is None else json.dumps(
            safe_record(q.part, q.record) if q.part in PARTS else q.record, ensure_ascii=False),
        "stage": "ingestion", "detected_at": detected_at,
    } for q in entries]


@asset(
    name="raw_settlement_lists",
    group_name="ingestion",
    partitions_def=monthly_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    pool="warehouse",
    kinds={"python", "duckdb"},
    description=(
        "Settlements and settlement lists (结算清单) as delivered, in the raw schema: raw.settlements, "
        "raw.setlinfo, raw.diseinfo, raw.oprninfo, raw.iteminfo, raw.ingested_files, raw.quarantine. "
        "Partition = delivery (landing) month; a run over several months ingests every one of them before "
        "anything downstream is staged. Personal fields pseudonymised."
    ),
)
def raw_settlement_lists(
    context: AssetExecutionContext, settings: DrgdipSettings, warehouse: DuckDBResource
) -> MaterializeResult:
    s = settings.settings()
    Path(s.warehouse).parent.mkdir(parents=True, exist_ok=True)
    months = sorted(context.partition_keys)
    reports = []
    with warehouse.get_connection() as con:
        for i, month in enumerate(months, 1):
            report = ingest_month(s, month, con)
            report_progress(context, f"ingested [{i}/{len(months)}] {report.summary()}")
            reports.append(report)
    return MaterializeResult(metadata=range_metadata(reports))


def range_metadata(reports: list[IngestReport]) -> dict:
    """One run's ingestion: the totals, and the discharge months outside the run's landing months
    that its deliveries carry (late uploads and corrections of months staged before)."""
    if len(reports) == 1:
        return reports[0].metadata()
    months = {r.month for r in reports}
    reasons, discharge = Counter(), Counter()
    rows = dict.fromkeys(PARTS, 0)
    for r in reports:
        reasons.update(r.reasons)
        discharge.update(r.discharge_months)
        for part, n in r.rows_loaded.items():
            rows[part] += n
    return {
        "landing_months": MetadataValue.json(sorted(months)),
        "files": sum(r.files for r in reports),
        "files_loaded": sum(r.files_loaded for r in reports),
        "files_quarantined": sum(r.files_quarantined for r in reports),
        **{f"rows_{part}": n for part, n in rows.items()},
        "rows_quarantined": sum(r.rows_quarantined for r in reports),
        "quarantine_reasons": MetadataValue.json(dict(sorted(reasons.items()))),
        "other_months_touched": MetadataValue.json(sorted(m for m in discharge if m not in months)),
        "setlinfo_rows_by_discharge_month": MetadataValue.json(dict(sorted(discharge.items()))),
    }


ASSETS = [raw_settlement_lists]
