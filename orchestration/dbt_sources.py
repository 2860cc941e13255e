"""The dbt sources of the raw warehouse schema, generated from the landing contract.

`dbt_project/models/staging/_landing__sources.yml` documents every raw table column by column
(English + the interface's Chinese label) and carries, per interface field, the staging rule
inputs as column `meta`: the staged type, whether the field is required, whether it is personal
and, for coded fields, the values the interface allows. The dbt macros read that `meta`
(`macros/staging.sql`), so the contract in `orchestration/interface.py` is spelled once and the
YAML is only its rendering. Regenerate with `python -m orchestration.dbt_sources`; a test keeps
the committed file equal to `render()`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from orchestration import interface
from orchestration.config import DBT_PROJECT_DIR

SOURCES_FILE = DBT_PROJECT_DIR / "models" / "staging" / "_landing__sources.yml"
# One dbt docs block per interface field (`{{ doc('field_setl_id') }}`), shared by the staging YAML.
DOCS_FILE = DBT_PROJECT_DIR / "models" / "staging" / "_landing__docs.md"

# English meaning of every interface field (the Chinese label comes from interface.py).
FIELD_DESCRIPTIONS: dict[str, str] = {
    "setl_id": "Settlement ID, the key of an inpatient episode's settlement and of its settlement list",
    "mdtrt_id": "Medical treatment (visit) ID of the episode",
    "psn_no": "Insured person's number in the insurance system",
    "fixmedins_code": "Designated hospital code (joins the hospital registry seed)",
    "fixmedins_name": "Designated hospital name as uploaded",
    "insutype": "Insurance type: 310 employee basic medical insurance, 390 resident basic medical insurance",
    "insu_admdvs": "Insured region code (differs from the treating region for cross-region patients)",
    "setl_time": "Settlement date-time, YYYY-MM-DD HH:MM:SS",
    "medfee_sumamt": "Total medical cost of the episode, yuan",
    "hifp_pay": "Paid by the pooled fund, yuan",
    "psn_cash_pay": "Paid by the patient in cash, yuan",
    "medcasno": "Medical record (case) number in the hospital",
    "psn_name": "Patient name (personal: stored only as a keyed hash)",
    "certno": "Identity document number (personal: stored only as a keyed hash)",
    "gend": "Sex: 1 male, 2 female, 9 unspecified",
    "brdy": "Date of birth, YYYY-MM-DD",
    "age": "Age in completed years at admission",
    "nwb_age": "Age in days, for patients under one year",
    "nwb_bir_wt": "Newborn birth weight, grams",
    "nwb_adm_wt": "Newborn weight at admission, grams",
    "ipt_med_type": "Inpatient type: 1 inpatient stay, 2 day surgery",
    "adm_time": "Admission date-time, YYYY-MM-DD HH:MM:SS",
    "dscg_time": "Discharge date-time, YYYY-MM-DD HH:MM:SS (its month is the data month)",
    "act_ipt_days": "Actual length of stay, days",
    "dscg_way": "Discharge disposition: 1 on medical advice, 2 transfer, 3 to community care, "
    "4 against medical advice, 5 death, 9 other",
    "vent_used_dura": "Mechanical ventilation duration, hours",
    "days_rinp_flag_31": "Planned readmission within 31 days: 1 no, 2 yes",
    "hi_paymtd": "Insurance payment method of the case (DRG or DIP)",
    "psn_selfpay": "Patient co-payment within the catalogue, yuan",
    "psn_ownpay": "Patient self-paid amount outside the catalogue, yuan",
    "psn_cashpay": "Patient cash payment, yuan",
    "dcla_time": "Declaration (upload) date-time of the settlement list, YYYY-MM-DD HH:MM:SS; "
    "the latest upload of a setl_id wins",
    "diag_srt_no": "Diagnosis sequence number within the list",
    "diag_code": "Diagnosis code, ICD-10 (medical-insurance edition), WHO dotted form",
    "diag_name": "Diagnosis name as uploaded",
    "maindiag_flag": "Principal diagnosis flag: 1 principal, 0 secondary",
    "adm_cond_type": "Condition present on admission: 1 yes, 2 clinically undetermined, 3 unknown, 4 no",
    "oprn_srt_no": "Procedure sequence number within the list",
    "oprn_oprt_code": "Procedure code, ICD-9-CM-3 (medical-insurance edition), dotted form",
    "oprn_oprt_name": "Procedure name as uploaded",
    "oprn_oprt_type": "Procedure rank: 1 principal procedure, 2 other procedure",
    "oprn_oprt_date": "Procedure date, YYYY-MM-DD",
    "med_chrgitm": "Medical charge item category, national codes 01..14 (joins the fee_categories seed)",
    "amt": "Amount of the charge category, yuan",
    "claa_sumfee": "Class A (fully covered) fees, yuan",
    "clab_amt": "Class B (partly covered) amount, yuan",
    "fulamt_ownpay_amt": "Fully self-paid amount, yuan",
    "oth_amt": "Other amount, yuan",
}

# Coded fields: the values the interface allows (a staged row holds one of them; any other value
# quarantines the row with INVALID_VALUE). The labels in interface.py name the same codes.
CODE_LISTS: dict[str, tuple[str, ...]] = {
    "insutype": ("310", "390"),
    "gend": ("1", "2", "9"),
    "ipt_med_type": ("1", "2"),
    "dscg_way": ("1", "2", "3", "4", "5", "9"),
    "maindiag_flag": ("1", "0"),
    "oprn_oprt_type": ("1", "2"),
}

LINEAGE_DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "_landing_month": ("Delivery folder the file came from, YYYY-MM", "交付月份(落地目录)"),
    "_source_file": ("Path of the delivered file relative to the landing directory", "来源文件"),
    "_row_number": ("1-based row of the file (CSV: data line after the header; JSON: ordinal within the part)",
                    "文件行号"),
    "_file_hash": ("SHA-256 of the file's bytes", "文件哈希"),
    "_loaded_at": ("When ingestion loaded the row (UTC)", "加载时间"),
}

# Ingestion's bookkeeping tables (owned by orchestration/ingest; listed here for lineage and docs).
INGESTED_FILES_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("landing_month", "Delivery folder, YYYY-MM", "交付月份"),
    ("source_file", "Path relative to the landing directory", "来源文件"),
    ("fixmedins_code", "Hospital folder the file was delivered in", "定点医药机构编号"),
    ("part", "Interface part: settlements, setlinfo, diseinfo, oprninfo or iteminfo", "接口部分"),
    ("format", "csv, gbk.csv, json or parquet", "文件格式"),
    ("encoding", "Character encoding read (utf-8, gbk) or empty for binary formats", "字符编码"),
    ("file_hash", "SHA-256 of the file's bytes", "文件哈希"),
    ("rows_read", "Data rows read from the file", "读取行数"),
    ("rows_loaded", "Rows written to the raw table", "加载行数"),
    ("rows_quarantined", "Rows refused at ingestion (in raw.quarantine)", "隔离行数"),
    ("status", "loaded or quarantined (the whole file refused)", "状态"),
    ("message", "What went wrong, for a file refused as a whole", "说明"),
    ("loaded_at", "When the file was ingested (UTC)", "加载时间"),
)
QUARANTINE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("landing_month", "Delivery folder, YYYY-MM", "交付月份"),
    ("source_file", "Path relative to the landing directory", "来源文件"),
    ("part", "Interface part", "接口部分"),
    ("row_number", "1-based row of the file; empty when the whole file is refused", "文件行号"),
    ("field", "Field at fault, when one field is", "字段"),
    ("reason_code", "Reason code from orchestration/quarantine.py (seed quarantine_reasons)", "隔离原因代码"),
    ("message", "Clerk-readable message naming file, row and field", "说明"),
    ("record", "The refused row as JSON text, personal fields removed", "原始记录"),
    ("stage", "ingestion or staging", "检出环节"),
    ("detected_at", "When it was detected (UTC)", "检出时间"),
)

PART_DESCRIPTIONS: dict[str, str] = {
    "settlements": "Settlement records (结算记录) from the insurance settlement system: one row per settled "
    "inpatient episode as delivered; the denominator of the upload rate.",
    "setlinfo": "Settlement list headers (结算清单 setlinfo) as uploaded, every upload kept; personal fields "
    "certno and psn_name only as keyed hashes.",
    "diseinfo": "Diagnosis lines of settlement lists (诊断信息 diseinfo) as uploaded.",
    "oprninfo": "Procedure lines of settlement lists (手术操作信息 oprninfo) as uploaded.",
    "iteminfo": "Fee lines by charge category of settlement lists (收费项目信息 iteminfo) as uploaded.",
}


def raw_column_name(field: interface.Field) -> str:
    """Personal fields land only as their keyed hash (HMAC-SHA256 hex)."""
    return f"{field.name}_hmac" if field.personal else field.name


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _field_lines(field: interface.Field) -> list[str]:
    lines = [
        f"          - name: {raw_column_name(field)}",
        f"            description: {_quote(field_description(field))}",
        "            config:",
        "              meta:",
        f"                field: {field.name}",
        f"                label_zh: {_quote(field.label)}",
        f"                staged_type: {field.type}",
        f"                required: {'true' if field.required else 'false'}",
        f"                personal: {'true' if field.personal else 'false'}",
    ]
    if field.name in CODE_LISTS:
        lines.append(f"                accepted_values: [{', '.join(_quote(v) for v in CODE_LISTS[field.name])}]")
    return lines


def _plain_column_lines(name: str, english: str, chinese: str) -> list[str]:
    return [f"          - name: {name}", f"            description: {_quote(f'{english} ({chinese})')}"]


def render() -> str:
    """The YAML text of the raw sources."""
    out = [
        "# GENERATED by `python -m orchestration.dbt_sources` from orchestration/interface.py: do not edit.",
        "# Column meta (staged_type, required, personal, accepted_values) drives the staging macros.",
        "version: 2",
        "",
        "sources:",
        "  - name: raw",
        "    schema: raw",
        (
            "    description: \"Landing files as delivered, one table per interface part, every value text, "
            "plus lineage columns; written only by the ingestion asset (raw_settlement_lists).\""
        ),
        "    tables:",
    ]
    for part, fields in interface.PARTS.items():
        out += [f"      - name: {part}", f"        description: {_quote(PART_DESCRIPTIONS[part])}", "        columns:"]
        for field in fields:
            out += _field_lines(field)
        for name in interface.LINEAGE_COLUMNS:
            out += _plain_column_lines(name, *LINEAGE_DESCRIPTIONS[name])
    for table, description, columns in (
        ("ingested_files", "One row per landing file ingested: what was read, loaded and refused (文件加载记录).",
         INGESTED_FILES_COLUMNS),
        ("quarantine", "Rows and files refused at ingestion, with reason code and message (隔离区).",
         QUARANTINE_COLUMNS),
    ):
        out += [f"      - name: {table}", f"        description: {_quote(description)}", "        columns:"]
        for name, english, chinese in columns:
            out += _plain_column_lines(name, english, chinese)
    return "\n".join(out) + "\n"


def field_description(field: interface.Field) -> str:
    """English meaning, then the interface's Chinese label."""
    english = FIELD_DESCRIPTIONS[field.name]
    if field.personal:
        english = f"Keyed hash (HMAC-SHA256 hex) of {field.name}: {english}"
    return f"{english} ({field.label})"


def render_docs() -> str:
    """dbt docs blocks, one per interface field (by staged column name) and lineage column."""
    out = ["{# GENERATED by `python -m orchestration.dbt_sources` from orchestration/interface.py: do not edit. #}", ""]
    seen: set[str] = set()
    for fields in interface.PARTS.values():
        for field in fields:
            name = raw_column_name(field)
            if name not in seen:
                seen.add(name)
                out += [f"{{% docs field_{name} %}}", field_description(field), "{% enddocs %}", ""]
    for name, (english, chinese) in LINEAGE_DESCRIPTIONS.items():
        out += [f"{{% docs field{name} %}}", f"{english} ({chinese})", "{% enddocs %}", ""]
    return "\n".join(out)


def write(sources_path: Path = SOURCES_FILE, docs_path: Path = DOCS_FILE) -> list[Path]:
    sources_path.write_text(render(), encoding="utf-8")
    docs_path.write_text(render_docs(), encoding="utf-8")
    return [sources_path, docs_path]


if __name__ == "__main__":
    for written in write():
        sys.stdout.write(f"{written}\n")
