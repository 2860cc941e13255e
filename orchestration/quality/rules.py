"""What the quality suites validate, without importing Great Expectations (it takes seconds to
import; the Dagster code location and the CLI load this module, GX only when a suite runs).

`orchestration.quality.suites` builds the GX objects from these names.
"""

from __future__ import annotations

from dataclasses import dataclass

GX_DIR_NAME = "gx"
DATASOURCE = "warehouse"
BATCH_DEFINITION = "month"
DATA_DOCS_SITE = "quality_site"

CRITICAL = "critical"
WARNING = "warning"

# The rules of int_quality__case_checks, in the order the feedback files list them.
CASE_RULES: dict[str, str] = {
    "required_missing": "a required field is empty",
    "list_missing": "a settlement has no settlement list",
    "diag_code_unknown": "diagnosis code not in the ICD-10 catalogue",
    "oprn_code_unknown": "procedure code not in the ICD-9-CM-3 catalogue",
    "principal_diag_not_allowed": "diagnosis that may not be principal is principal",
    "sex_restriction_mismatch": "sex-specific diagnosis on a patient of the other sex",
    "code_not_allowed": "coded value outside its code list",
    "dscg_before_adm": "discharge before admission",
    "ipt_days_mismatch": "stay days disagree with the dates",
    "fee_sum_mismatch": "fee categories do not sum to the total",
    "newborn_weight_missing": "newborn without birth or admission weight",
    "principal_diag_count": "not exactly one principal diagnosis",
    "upload_late": "list uploaded after the time limit",
}


@dataclass(frozen=True)
class Table:
    """One validated table: the suite's name is the dbt model's name."""

    name: str
    schema: str
    key: tuple[str, ...]  # the columns that identify a failing row in the Data Docs


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("stg_settlements", "staging", ("setl_id",)),
        Table("stg_setlinfo", "staging", ("setl_id",)),
        Table("stg_diseinfo", "staging", ("setl_id", "diag_srt_no")),
        Table("stg_oprninfo", "staging", ("setl_id", "oprn_srt_no")),
        Table("stg_iteminfo", "staging", ("setl_id", "med_chrgitm")),
        Table("mart_quality__upload_rate", "marts", ("fixmedins_code",)),
        Table("int_quality__case_checks", "intermediate", ("setl_id",)),
        Table("mart_quality__grouping_rate", "marts", ("fixmedins_code", "mdc")),
    )
}


SUITE_DESCRIPTIONS = {
    "stg_settlements": "Settlement records (结算记录) of the month: completeness, uniqueness, validity.",
    "stg_setlinfo": "Settlement-list headers (结算清单) of the month: completeness, uniqueness, codes, "
    "dates, stay days, timeliness of upload.",
    "stg_diseinfo": "Diagnoses (诊断信息): completeness, one row per order number, ICD-10 validity.",
    "stg_oprninfo": "Procedures (手术操作信息): completeness, ICD-9-CM-3 validity.",
    "stg_iteminfo": "Fee lines (收费项目): completeness, national fee categories, amounts.",
    "mart_quality__upload_rate": "Upload rate (结算清单上传率) per hospital against the policy target.",
    "int_quality__case_checks": "Every case-level rule of int_quality__case_checks, one line per rule.",
    "mart_quality__grouping_rate": "DRG grouping rate (入组率) per hospital and MDC against the policy target.",
}


def checkpoint_name(table: str) -> str:
    return f"{table}__monthly"


def result_format(table: str) -> dict:
    """COMPLETE, so the Data Docs list every failing row by its key (the setl_id a quality officer
    looks up); a month has a few thousand lists, so the pages stay small."""
    return {
        "result_format": "COMPLETE",
        "partial_unexpected_count": 20,
        "unexpected_index_column_names": list(TABLES[table].key),
    }
