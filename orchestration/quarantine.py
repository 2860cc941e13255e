"""Quarantine reason codes (隔离原因): the ONE documented list, for ingestion and dbt staging.

A row is never dropped silently: it is either in the warehouse or in quarantine with a reason code
from this list and a message naming the file, row and field. Every description is written for the
hospital clerk who receives the feedback and must correct and re-send the data.

- **File level** (`level = "file"`, detected at ingestion): the whole file is refused and none of
  its rows are loaded, so a broken file never half-lands; `raw.quarantine` holds one row for it
  with `row_number` NULL.
- **Row level** (`level = "row"`): one quarantine row per refused row. A few are detected at
  ingestion (`stage = "ingestion"`), most in dbt staging (`stage = "staging"`), which joins the
  seed `reference.quarantine_reasons` for the descriptions.

This module is the source of truth; `seeds/quarantine_reasons.csv` is generated from it by
`write_seed()` (`python -m orchestration.quarantine`) and a test keeps the two in sync.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from orchestration.config import SEEDS_DIR

SEED_FILE = SEEDS_DIR / "quarantine_reasons.csv"
SEED_COLUMNS = ("reason_code", "level", "stage", "description")


@dataclass(frozen=True)
class Reason:
    code: str
    level: str  # file | row
    stage: str  # ingestion | staging: where it is detected
    description: str


_REASONS = (
    # --- whole files, refused at ingestion -------------------------------------------------------
    Reason("UNKNOWN_FILE", "file", "ingestion",
           "The file name or place is not one we expect. Each hospital-month folder "
           "landing/<YYYY-MM>/<hospital code>/ may only hold settlements, setlinfo, diseinfo, oprninfo, "
           "iteminfo as .csv, .gbk.csv or .parquet, or setllist.json. Rename or move the file and send it again."),
    Reason("DUPLICATE_FILE", "file", "ingestion",
           "The same part was delivered more than once in one folder (for example setlinfo.csv and "
           "setlinfo.parquet, or setllist.json and setlinfo.csv). We cannot tell which copy is right: "
           "send only one."),
    Reason("EMPTY_FILE", "file", "ingestion",
           "The file is empty: it does not even have the header line with the column names. "
           "Export it again."),
    Reason("ENCODING_ERROR", "file", "ingestion",
           "The file's characters are not in the encoding its name says. A file named .csv must be UTF-8; "
           "a file saved as GBK (the usual Chinese Excel encoding) must be named .gbk.csv. "
           "Rename the file or save it in the right encoding, then send it again."),
    Reason("TRUNCATED_FILE", "file", "ingestion",
           "The file is cut off: it ends in the middle of a row (CSV: no line break at the end or a short "
           "last row; JSON: the text stops before it is complete; Parquet: the end of the file is missing). "
           "It was probably interrupted while exporting or uploading. Send the complete file again."),
    Reason("UNREADABLE_FILE", "file", "ingestion",
           "The file cannot be read as the format its name says (damaged CSV quoting, invalid JSON, "
           "damaged Parquet). Export it again."),
    Reason("BAD_HEADER", "file", "ingestion",
           "The first line must name the columns, each once. It is blank or names a column twice."),
    Reason("MISSING_COLUMNS", "file", "ingestion",
           "The file lacks columns the settlement-list interface requires (the message names them). "
           "Check the column names against the interface and export again."),
    Reason("INVALID_STRUCTURE", "file", "ingestion",
           "The JSON file is not in the shape of the settlement-list interface 4101A "
           '({"infno": "4101A", "input": [{"setlinfo": {...}, "diseinfo": [...], ...}]}).'),
    # --- single rows, refused at ingestion -------------------------------------------------------
    Reason("WRONG_FIELD_COUNT", "row", "ingestion",
           "This row has a different number of values than the header has columns: a separator is "
           "missing, or a value contains a comma without quotes. Correct the row and send the file again."),
    Reason("INVALID_RECORD", "row", "ingestion",
           "This entry of the JSON file is not a settlement list or list line (not an object, or a list "
           "without its setlinfo header). Correct it and send the file again."),
    # --- single rows, refused by dbt staging -----------------------------------------------------
    Reason("MISSING_REQUIRED", "row", "staging",
           "A required value is empty (the message names the field). Fill it in and upload the list again."),
    Reason("UNPARSEABLE_DATE", "row", "staging",
           "A date or time cannot be read. Dates must be written YYYY-MM-DD and times YYYY-MM-DD HH:MM:SS."),
    Reason("UNPARSEABLE_NUMBER", "row", "staging",
           "A number or amount cannot be read. Write digits only, with a point for decimals "
           "(amounts with two decimals), without thousands separators or units."),
    Reason("INVALID_VALUE", "row", "staging",
           "A coded value is not one the interface allows (for example sex must be 1, 2 or 9). "
           "The message names the field and the allowed values."),
    Reason("UNKNOWN_HOSPITAL", "row", "staging",
           "The hospital code is not in the agency's registry of designated hospitals. "
           "Check the code (定点医药机构编号)."),
    Reason("HOSPITAL_MISMATCH", "row", "staging",
           "The hospital code in the row differs from the hospital folder the file was delivered in."),
    Reason("ORPHAN_CHILD", "row", "staging",
           "A diagnosis, procedure or fee line belongs to no settlement-list header with the same "
           "settlement ID and upload time. Upload the complete list (header and lines) together."),
    Reason("DUPLICATE_ROW", "row", "staging",
           "The same row was delivered twice in the same upload; the copy was set aside."),
)

REASONS: dict[str, str] = {r.code: r.description for r in _REASONS}
"""code → description a hospital clerk understands."""

REASON_DETAILS: dict[str, Reason] = {r.code: r for r in _REASONS}
FILE_REASONS = frozenset(r.code for r in _REASONS if r.level == "file")
ROW_REASONS = frozenset(r.code for r in _REASONS if r.level == "row")


def describe(code: str) -> str:
    """The clerk-readable description of a reason code (KeyError for an undocumented code)."""
    return REASONS[code]


def seed_text() -> str:
    """The content of `seeds/quarantine_reasons.csv`, generated from this module."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SEED_COLUMNS)
    for r in _REASONS:
        writer.writerow((r.code, r.level, r.stage, r.description))
    return out.getvalue()


def write_seed(path: Path = SEED_FILE) -> Path:
    path.write_text(seed_text(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_seed())
