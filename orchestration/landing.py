"""Reading the landing folder of one delivery month (接收目录): discovery, formats, file checks.

`discover_month()` lists every file under `landing/<YYYY-MM>/` and says what each one is;
`read_landing_file()` reads one file into rows of interface fields, as text, in interface order,
with 1-based row numbers, personal fields already pseudonymised (see `orchestration.pseudonymise`),
and either a file-level problem (the file lands no rows) or row-level problems.

Formats (see `orchestration.interface`): `<part>.csv` (UTF-8, a BOM is tolerated), `<part>.gbk.csv`
(GBK, decoded as its superset GB 18030), `<part>.parquet` (string columns), and `setllist.json`
(the nested 4101A shape, flattened into the four list parts). Empty strings become NULL; nothing
else is changed: typing is dbt staging's job.

Checks are strict because a half-read file is worse than a refused one: a file that is not in the
encoding its name says, is cut off, cannot be parsed, or lacks required columns is refused as a
whole with a reason code from `orchestration.quarantine` and a message naming line and field.
The reader keeps one file in memory at a time (a hospital-month file), never a whole month.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from orchestration.interface import JSON_FILE, JSON_INFNO, LIST_PARTS, PARTS, field_names
from orchestration.pseudonymise import pseudonymise_column, stored_name, stored_names
from orchestration.quarantine import REASONS

MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
SUFFIXES = {".gbk.csv": "gbk.csv", ".csv": "csv", ".parquet": "parquet"}  # longest first
JSON_KIND = "setllist"  # `part` recorded for setllist.json, which holds the four list parts
TEXT_CODECS = {"csv": "utf-8", "gbk.csv": "gb18030", "json": "utf-8"}
ENCODING_NAMES = {"csv": "utf-8", "gbk.csv": "gbk", "json": "utf-8"}
CHILD_INHERITED = ("setl_id", "dcla_time")  # child rows of a JSON list inherit these when missing
_CHUNK = 1 << 20


# --- discovery -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LandingFile:
    path: Path
    source_file: str  # relative to the landing directory, with forward slashes
    landing_month: str
    fixmedins_code: str | None  # the hospital folder; None for a file outside one
    kind: str | None  # a part of interface.PARTS, "setllist", or None (unknown file)
    format: str | None  # csv | gbk.csv | parquet | json
    problem: tuple[str, str] | None = None  # (reason code, message) known from discovery alone

    @property
    def encoding(self) -> str | None:
        return ENCODING_NAMES.get(self.format or "")

    @property
    def parts(self) -> tuple[str, ...]:
        """The interface parts this file carries."""
        if self.kind == JSON_KIND:
            return LIST_PARTS
        return (self.kind,) if self.kind else ()


def classify(name: str) -> tuple[str, str] | None:
    """(kind, format) of a landing file name, or None if the name is not in the contract."""
    if name == JSON_FILE:
        return JSON_KIND, "json"
    for suffix, fmt in SUFFIXES.items():
        if name.endswith(suffix) and name[: -len(suffix)] in PARTS:
            return name[: -len(suffix)], fmt
    return None


def discover_month(landing_dir: Path, month: str) -> list[LandingFile]:
    """Every file of one delivery month, sorted by path, each classified (or marked unknown)."""
    if not MONTH_RE.match(month):
        raise ValueError(f"landing month must be YYYY-MM, got {month!r}")
    landing_dir = Path(landing_dir)
    month_dir = landing_dir / month
    if not month_dir.is_dir():
        return []
    files = []
    for path in sorted(p for p in month_dir.rglob("*") if p.is_file()):
        rel = path.relative_to(month_dir).parts
        source = path.relative_to(landing_dir).as_posix()
        kind_fmt = classify(rel[-1]) if len(rel) == 2 else None
        hospital = rel[0] if len(rel) >= 2 else None
        if kind_fmt is None:
            where = "outside a hospital folder" if len(rel) != 2 else "with a name not in the contract"
            files.append(LandingFile(path, source, month, hospital, None, None,
                                     ("UNKNOWN_FILE", f"{source}: unexpected file {where}. {REASONS['UNKNOWN_FILE']}")))
        else:
            files.append(LandingFile(path, source, month, hospital, *kind_fmt))
    return _mark_duplicates(files)


def _mark_duplicates(files: list[LandingFile]) -> list[LandingFile]:
    """A part delivered twice in one hospital folder: refuse every copy (which one is right?)."""
    carriers: dict[tuple[str, str], list[LandingFile]] = {}
    for f in files:
        for part in f.parts:
            carriers.setdefault((f.fixmedins_code, part), []).append(f)
    duplicated: dict[str, list[str]] = {}
    for (_, part), fs in carriers.items():
        if len(fs) > 1:
            for f in fs:
                others = ", ".join(o.path.name for o in fs if o is not f)
                duplicated.setdefault(f.source_file, []).append(f"{part} (also in {others})")
    out = []
    for f in files:
        if f.source_file in duplicated and f.problem is None:
            msg = f"{f.source_file}: the folder delivers " + "; ".join(duplicated[f.source_file]) + ". "
            f = LandingFile(f.path, f.source_file, f.landing_month, f.fixmedins_code, f.kind, f.format,
                            ("DUPLICATE_FILE", msg + REASONS["DUPLICATE_FILE"]))
        out.append(f)
    return out


# --- what reading a file produces ----------------------------------------------------------------


@dataclass
class QuarantineEntry:
    part: str | None
    row_number: int | None
    field: str | None
    reason_code: str
    message: str
    record: dict | None = None  # the row as read, personal fields removed

    def __post_init__(self):
        if self.reason_code not in REASONS:
            raise ValueError(f"undocumented quarantine reason {self.reason_code!r}")


class FileProblem(Exception):
    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


class PartRows:
    """Rows of one part from one file, in interface order, as Arrow.

    Rows are buffered as Python lists and compacted into Arrow batches every `CHUNK_ROWS` rows,
    pseudonymising personal fields at that moment: clear values never outlive a chunk, and a big
    file costs Arrow's compact memory rather than millions of Python strings.
    """

    CHUNK_ROWS = 20_000

    def __init__(self, part: str, key: bytes):
        self.part, self.key = part, key
        self.names = field_names(part)
        self.schema = pa.schema([(stored_name(part, n), pa.string()) for n in self.names]
                                + [("_row_number", pa.int64())])
        self._buffer: dict[str, list] = {name: [] for name in self.names}
        self._row_numbers: list[int] = []
        self._batches: list[pa.RecordBatch] = []
        self._count = 0

    def append(self, values: dict, row_number: int) -> None:
        for name, column in self._buffer.items():
            column.append(values.get(name))
        self._row_numbers.append(row_number)
        self._count += 1
        if len(self._row_numbers) >= self.CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._row_numbers:
            return
        arrays = []
        for name in self.names:
            values = self._buffer[name]
            if stored_name(self.part, name) != name:
                values = pseudonymise_column(self.key, name, values)
            arrays.append(pa.array(values, type=pa.string()))
        arrays.append(pa.array(self._row_numbers, type=pa.int64()))
        self._batches.append(pa.RecordBatch.from_arrays(arrays, schema=self.schema))
        self._buffer = {name: [] for name in self.names}
        self._row_numbers = []

    def __len__(self) -> int:
        return self._count

    def to_arrow(self) -> pa.Table:
        """Stored columns (personal fields as their HMAC) in interface order, then `_row_number`."""
        self._flush()
        return pa.Table.from_batches(self._batches, schema=self.schema)


@dataclass
class FileContent:
    file: LandingFile
    file_hash: str
    key: bytes = field(repr=False)
    parts: dict[str, PartRows] = field(default_factory=dict)
    quarantined: list[QuarantineEntry] = field(default_factory=list)  # row-level problems
    problem: QuarantineEntry | None = None  # file-level problem: nothing of the file lands
    notes: list[str] = field(default_factory=list)

    def rows(self, part: str) -> PartRows:
        if part not in self.parts:
            self.parts[part] = PartRows(part, self.key)
        return self.parts[part]

    @property
    def rows_loaded(self) -> int:
        return 0 if self.problem else sum(len(p) for p in self.parts.values())

    @property
    def rows_read(self) -> int | None:
        return None if self.problem else self.rows_loaded + len(self.quarantined)


def read_landing_file(lf: LandingFile, key: bytes) -> FileContent:
    """Read one landing file, pseudonymising with `key`; problems are returned, never raised."""
    digest, encoding_problem = _scan_bytes(lf)
    content = FileContent(lf, digest, key)
    try:
        if lf.problem:
            raise FileProblem(*lf.problem)
        if lf.path.stat().st_size == 0:
            raise FileProblem("EMPTY_FILE", f"{lf.source_file}: the file has 0 bytes. {REASONS['EMPTY_FILE']}")
        if encoding_problem:
            raise encoding_problem
        reader = {"csv": _read_csv, "gbk.csv": _read_csv, "parquet": _read_parquet, "json": _read_json}
        reader[lf.format](lf, content)
    except FileProblem as problem:
        content.parts, content.quarantined = {}, []
        part = lf.kind
        message = f"{problem.message} None of this file's rows were loaded."
        content.problem = QuarantineEntry(part, None, problem.field, problem.code, message)
    return content


def sensitive(part: str) -> set[str]:
    return {f.name for f in PARTS[part] if f.personal}


def safe_record(part: str, values: dict) -> dict:
    """A row for the quarantine `record`: personal fields removed, never written in clear."""
    drop = sensitive(part)
    return {k: v for k, v in values.items() if k not in drop}


# --- bytes: hash and encoding --------------------------------------------------------------------


def _scan_bytes(lf: LandingFile) -> tuple[str, FileProblem | None]:
    """sha256 of the file and, for text formats, whether its bytes are in the encoding its name says.

    One streaming pass. Only when something is wrong is the file read again to locate the problem.
    """
    sha = hashlib.sha256()
    codec = TEXT_CODECS.get(lf.format or "") if lf.problem is None else None
    decoder = codecs.getincrementaldecoder(codec)("strict") if codec else None
    utf8 = codecs.getincrementaldecoder("utf-8")("strict") if lf.format == "gbk.csv" else None
    bad = non_ascii = False
    with lf.path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            sha.update(chunk)
            if decoder and not bad:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    bad = True
            if utf8 is not None:
                non_ascii = non_ascii or not chunk.isascii()
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = None
    if decoder and not bad:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            bad = True
    if utf8 is not None:
        try:
            utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = None
    problem = None
    if bad:
        problem = _locate_encoding_error(lf, codec)
    elif utf8 is not None and non_ascii:
        # Chinese GBK text is practically never valid UTF-8: a .gbk.csv that is, is UTF-8.
        problem = FileProblem(
            "ENCODING_ERROR",
            f"{lf.source_file}: the name says GBK (.gbk.csv) but the file is UTF-8; rename it to "
            f"{lf.kind}.csv. {REASONS['ENCODING_ERROR']}",
        )
    return sha.hexdigest(), problem


def _locate_encoding_error(lf: LandingFile, codec: str) -> FileProblem:
    data = lf.path.read_bytes()
    try:
        data.decode(codec)
        raise AssertionError("incremental and whole decoding disagree")  # pragma: no cover
    except UnicodeDecodeError as err:
        offset = err.start
    line = data.count(b"\n", 0, offset) + 1
    where = f"byte {offset}, line {line}"
    field_name = None
    if lf.format in ("csv", "gbk.csv"):
        header = next(csv.reader([data.split(b"\n", 1)[0].decode(codec, errors="replace")]), [])
        line_start = data.rfind(b"\n", 0, offset) + 1
        prefix = data[line_start:offset].decode(codec, errors="replace")
        index = len(next(csv.reader([prefix]), [""])) - 1 if prefix else 0
        if line > 1:
            where += f" (data row {line - 1} if no value spans lines)"
        if 0 <= index < len(header):
            field_name = header[index].strip().lower()
            where += f", field {field_name}"
    if lf.format == "csv" and _decodes(data, "gb18030"):
        hint = f"It looks GBK-encoded: rename it to {lf.kind}.gbk.csv."
    elif lf.format == "gbk.csv" and _decodes(data, "utf-8"):
        hint = f"The file is UTF-8: rename it to {lf.kind}.csv."
    else:
        hint = f"It is not valid {ENCODING_NAMES[lf.format].upper()}."
    return FileProblem(
        "ENCODING_ERROR",
        # The offending bytes are not quoted: they may be part of a patient's name.
        f"{lf.source_file}: invalid {ENCODING_NAMES[lf.format].upper()} at {where}. {hint} "
        f"{REASONS['ENCODING_ERROR']}",
        field_name,
    )


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


# --- header and values ---------------------------------------------------------------------------


def _map_header(lf: LandingFile, part: str, names: list[str], content: FileContent) -> dict[str, int]:
    """interface field → column index; refuses a blank/duplicated header or missing required fields."""
    normalised = [str(n).strip().lower() for n in names]
    if not any(normalised):
        raise FileProblem("BAD_HEADER", f"{lf.source_file}: the header line is blank. {REASONS['BAD_HEADER']}")
    twice = sorted({n for n in normalised if normalised.count(n) > 1})
    if twice:
        raise FileProblem("BAD_HEADER",
                          f"{lf.source_file}: the header names {', '.join(twice)} more than once. "
                          f"{REASONS['BAD_HEADER']}", ", ".join(twice))
    index = {n: i for i, n in enumerate(normalised)}
    fields = PARTS[part]
    missing = [f.name for f in fields if f.required and f.name not in index]
    if missing:
        raise FileProblem("MISSING_COLUMNS",
                          f"{lf.source_file}: {part} lacks the required column(s) {', '.join(missing)}. "
                          f"{REASONS['MISSING_COLUMNS']}", ", ".join(missing))
    absent = [f.name for f in fields if f.name not in index]
    unknown = [n for n in normalised if n not in {f.name for f in fields}]
    if absent:
        content.notes.append(f"{part}: optional column(s) {', '.join(absent)} absent, left empty")
    if unknown:
        content.notes.append(f"{part}: column(s) {', '.join(unknown)} not in the interface, ignored")
    return {f.name: index[f.name] for f in fields if f.name in index}


def _text(value) -> str | None:
    """A delivered value as text; empty means NULL."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text if text != "" else None


# --- CSV ------------------------------------------------------------------------------------------


def _read_csv(lf: LandingFile, content: FileContent) -> None:
    part = lf.kind
    codec = "utf-8-sig" if lf.format == "csv" else TEXT_CODECS[lf.format]
    rows = content.rows(part)
    with lf.path.open("r", encoding=codec, newline="") as fh:
        reader = csv.reader(fh, strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise FileProblem("EMPTY_FILE", f"{lf.source_file}: no header line. {REASONS['EMPTY_FILE']}")
            mapping = _map_header(lf, part, header, content)
            width, row_number, last = len(header), 0, None
            for record in reader:
                row_number += 1
                if not record:  # a blank line holds no data; it still counts as a row for clerks
                    continue
                last = (row_number, reader.line_num, len(record))
                if len(record) != width:
                    content.quarantined.append(_wrong_width(lf, part, header, record, row_number,
                                                            reader.line_num, width))
                    continue
                rows.append({name: record[i] or None for name, i in mapping.items()}, row_number)
        except csv.Error as err:
            truncated = "unexpected end of data" in str(err) or not _ends_with_newline(lf.path)
            code = "TRUNCATED_FILE" if truncated else "UNREADABLE_FILE"
            raise FileProblem(code, f"{lf.source_file}: CSV error at line {reader.line_num}: {err}. "
                                    f"{REASONS[code]}") from None
    if not _ends_with_newline(lf.path):
        where = f"in data row {last[0]} (line {last[1]})" if last else "in the header"
        raise FileProblem("TRUNCATED_FILE", f"{lf.source_file}: the file ends without a line break, {where}. "
                                            f"{REASONS['TRUNCATED_FILE']}")
    if last and last[2] < width:
        raise FileProblem("TRUNCATED_FILE",
                          f"{lf.source_file}: the last row (data row {last[0]}, line {last[1]}) has "
                          f"{last[2]} of {width} values. {REASONS['TRUNCATED_FILE']}")


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-1, io.SEEK_END)
        return fh.read(1) == b"\n"


def _wrong_width(lf, part, header, record, row_number, line, width) -> QuarantineEntry:
    if sensitive(part):
        # Values may have shifted into other columns, so even a non-personal column could hold a
        # name or ID number: keep only the settlement ID, whose column comes first.
        names = [h.strip().lower() for h in header]
        idx = names.index("setl_id") if "setl_id" in names else 0
        record_json = {"setl_id": record[idx] if idx < len(record) else None}
    else:
        record_json = {"values": record}
    return QuarantineEntry(
        part, row_number, None, "WRONG_FIELD_COUNT",
        f"{lf.source_file}: data row {row_number} (line {line}) has {len(record)} values, the header has "
        f"{width} columns. {REASONS['WRONG_FIELD_COUNT']}",
        record_json,
    )


# --- Parquet --------------------------------------------------------------------------------------


def _read_parquet(lf: LandingFile, content: FileContent) -> None:
    part = lf.kind
    try:
        pf = pq.ParquetFile(lf.path)
        names = pf.schema_arrow.names
    except (pa.ArrowException, OSError) as err:
        with lf.path.open("rb") as fh:
            fh.seek(-4, io.SEEK_END)
            intact_end = fh.read(4) == b"PAR1"
        code = "UNREADABLE_FILE" if intact_end else "TRUNCATED_FILE"
        raise FileProblem(code, f"{lf.source_file}: cannot read Parquet ({err}). {REASONS[code]}") from None
    mapping = _map_header(lf, part, names, content)
    non_text = [n for n in mapping if not pa.types.is_string(pf.schema_arrow.field(mapping[n]).type)
                and not pa.types.is_large_string(pf.schema_arrow.field(mapping[n]).type)]
    if non_text:
        content.notes.append(f"{part}: column(s) {', '.join(non_text)} not stored as text, converted")
    rows = content.rows(part)
    columns = [names[i] for i in mapping.values()]
    row_number = 0
    try:
        for batch in pf.iter_batches(batch_size=65_536, columns=columns):
            values = {name: batch.column(names[i]).cast(pa.string()).to_pylist() for name, i in mapping.items()}
            for j in range(batch.num_rows):
                row_number += 1
                rows.append({name: col[j] or None for name, col in values.items()}, row_number)
    except (pa.ArrowException, OSError) as err:
        raise FileProblem("UNREADABLE_FILE", f"{lf.source_file}: Parquet data damaged after row {row_number} "
                                             f"({err}). {REASONS['UNREADABLE_FILE']}") from None


# --- JSON (4101A) ---------------------------------------------------------------------------------


def _read_json(lf: LandingFile, content: FileContent) -> None:
    text = lf.path.read_bytes().decode("utf-8-sig")
    try:
        # Numbers keep their delivered spelling ("12.50"), as they would in a CSV.
        doc = json.loads(text, parse_float=str, parse_int=str)
    except json.JSONDecodeError as err:
        truncated = err.msg.startswith("Unterminated string") or err.pos >= len(text.rstrip())
        code = "TRUNCATED_FILE" if truncated else "UNREADABLE_FILE"
        raise FileProblem(code, f"{lf.source_file}: invalid JSON at line {err.lineno}, column {err.colno} "
                                f"({err.msg}). {REASONS[code]}") from None
    records = doc.get("input") if isinstance(doc, dict) else None
    infno = str(doc.get("infno", JSON_INFNO)) if isinstance(doc, dict) else None
    if not isinstance(records, list) or infno != JSON_INFNO:
        problem = "no \"input\" list" if not isinstance(records, list) else f"infno is {infno!r}"
        raise FileProblem("INVALID_STRUCTURE", f"{lf.source_file}: {problem}. {REASONS['INVALID_STRUCTURE']}")
    parts = {p: content.rows(p) for p in LIST_PARTS}
    counters = dict.fromkeys(LIST_PARTS, 0)
    unknown: dict[str, set[str]] = {p: set() for p in LIST_PARTS}
    for ordinal, record in enumerate(records, start=1):
        counters["setlinfo"] = ordinal
        header = record.get("setlinfo") if isinstance(record, dict) else None
        if not isinstance(header, dict):
            what = "is not an object" if not isinstance(record, dict) else "has no setlinfo object"
            content.quarantined.append(QuarantineEntry(
                "setlinfo", ordinal, "setlinfo", "INVALID_RECORD",
                f"{lf.source_file}: input entry {ordinal} {what}. {REASONS['INVALID_RECORD']}"))
            header = {}
        else:
            parts["setlinfo"].append(_json_values("setlinfo", header, unknown), ordinal)
        if not isinstance(record, dict):
            continue
        inherited = {k: _text(header.get(k)) for k in CHILD_INHERITED}
        for part in LIST_PARTS[1:]:
            children = record.get(part) or []
            if not isinstance(children, list):
                children = [children]
            for child in children:
                counters[part] += 1
                if not isinstance(child, dict):
                    content.quarantined.append(QuarantineEntry(
                        part, counters[part], None, "INVALID_RECORD",
                        f"{lf.source_file}: {part} entry {counters[part]} (in input entry {ordinal}) is not "
                        f"an object. {REASONS['INVALID_RECORD']}", {"json_type": type(child).__name__}))
                    continue
                values = _json_values(part, child, unknown)
                for k in CHILD_INHERITED:
                    values[k] = values.get(k) or inherited[k]
                parts[part].append(values, counters[part])
    for part, keys in unknown.items():
        if keys:
            content.notes.append(f"{part}: key(s) {', '.join(sorted(keys))} not in the interface, ignored")


def _json_values(part: str, obj: dict, unknown: dict[str, set[str]]) -> dict:
    names = set(field_names(part))
    unknown[part].update(k for k in obj if k not in names)
    return {k: _text(obj.get(k)) for k in names}


__all__ = [
    "FileContent", "FileProblem", "LandingFile", "PartRows", "QuarantineEntry",
    "classify", "discover_month", "read_landing_file", "safe_record", "stored_names",
]
