"""The Great Expectations suites of the quality officers, and the committed GX project.

`expectations/gx/` is a GX 1.x File Data Context. Its suites, validation definitions and
checkpoints are generated from the definitions below by `write_project()` (run
`python -m orchestration.quality.suites` after changing them) and committed; a test keeps the
committed JSON equal to what this module generates, so the two never drift.

One suite per staged table, one for the upload-rate mart, one for the DRG grouping-rate mart
(`mart_quality__grouping_rate`) and one for the case-check results
(`int_quality__case_checks`), covering completeness, validity, consistency, uniqueness and
timeliness (DOMAIN.md §3). The rules that need joins (catalogues, fee sums, stay days, newborn
weights, principal-diagnosis count) live in SQL in `int_quality__case_checks`; the
`case_checks` suite turns its result into one expectation per rule, so the Data Docs show each
rule with its failing cases.

Severity (`severity` of each expectation) decides what a failure means for the month:

- `critical`: the month's data cannot be trusted as a whole (a key missing or duplicated, a
  count that contradicts itself). The Dagster check fails with severity ERROR and, being
  blocking, stops downstream assets of that partition.
- `warning`: a case-level defect or a hospital falling short of a target (upload rate). It is
  reported (Data Docs, feedback files) and sent back to the hospital; the month goes on.

Thresholds are policy parameters of the month's year (`seeds/policy_parameters.csv`), applied at
run time: `{"$PARAMETER": name}` values are GX suite parameters; an expectation whose `meta`
names a `mostly_parameter` gets its `mostly` from that parameter.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.checkpoint import UpdateDataDocsAction

from orchestration.config import EXPECTATIONS_DIR
from orchestration.interface import PARTS
from orchestration.quality.rules import (
    BATCH_DEFINITION,
    CASE_RULES,
    CRITICAL,
    DATA_DOCS_SITE,
    DATASOURCE,
    GX_DIR_NAME,
    SUITE_DESCRIPTIONS,
    WARNING,
    checkpoint_name,
    result_format,
)


def _required(part: str) -> list[str]:
    return [f.name for f in PARTS[part] if f.required]


def _not_null(columns, severity=CRITICAL) -> list:
    return [gxe.ExpectColumnValuesToNotBeNull(column=c, severity=severity) for c in columns]


def _settlements() -> list:
    return [
        *_not_null(_required("settlements")),
        gxe.ExpectColumnValuesToBeUnique(column="setl_id", severity=CRITICAL),
        gxe.ExpectColumnValuesToBeInSet(column="insutype", value_set=["310", "390"], severity=WARNING),
        gxe.ExpectColumnValuesToBeBetween(column="medfee_sumamt", min_value=0, severity=WARNING),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="medfee_sumamt", column_B="hifp_pay", or_equal=True, severity=WARNING
        ),
    ]


def _setlinfo() -> list:
    # Staging quarantines rows missing a required field; these catch a staging regression.
    return [
        *_not_null(_required("setlinfo")),
        gxe.ExpectColumnValuesToBeUnique(column="setl_id", severity=CRITICAL),
        gxe.ExpectColumnValuesToBeInSet(column="gend", value_set=["1", "2", "9"], severity=WARNING),
        gxe.ExpectColumnValuesToBeInSet(
            column="dscg_way", value_set=["1", "2", "3", "4", "5", "9"], severity=WARNING
        ),
        gxe.ExpectColumnValuesToBeInSet(column="ipt_med_type", value_set=["1", "2"], severity=WARNING),
        gxe.ExpectColumnValuesToBeInSet(column="insutype", value_set=["310", "390"], severity=WARNING),
        gxe.ExpectColumnValuesToBeBetween(column="age", min_value=0, max_value=150, severity=WARNING),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="dscg_time", column_B="adm_time", or_equal=True, severity=WARNING
        ),
        # stay_days: the loader's date(dscg_time) - date(adm_time), at least 1 (实际住院天数)
        gxe.ExpectColumnPairValuesToBeEqual(column_A="act_ipt_days", column_B="stay_days", severity=WARNING),
        # upload_days: days from settlement (discharge if none) to the list's upload (timeliness)
        gxe.ExpectColumnValuesToBeBetween(
            column="upload_days",
            max_value={"$PARAMETER": "upload_deadline_days"},
            severity=WARNING,
            meta={"mostly_parameter": "min_upload_rate"},
        ),
    ]


def _diseinfo() -> list:
    return [
        *_not_null(_required("diseinfo")),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["setl_id", "diag_srt_no"], severity=CRITICAL),
        gxe.ExpectColumnValuesToBeInSet(column="maindiag_flag", value_set=["0", "1"], severity=WARNING),
        gxe.ExpectColumnValuesToMatchRegex(
            column="diag_code", regex=r"^[A-Z][0-9]{2}(?:\.[0-9A-Z]{1,4})?$", severity=WARNING
        ),
        # in_catalogue: the loader's lookup in reference.icd10_diagnoses (validity)
        gxe.ExpectColumnValuesToBeInSet(column="in_catalogue", value_set=[True], severity=WARNING),
    ]


def _oprninfo() -> list:
    return [
        *_not_null(_required("oprninfo")),
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["setl_id", "oprn_srt_no"], severity=CRITICAL),
        gxe.ExpectColumnValuesToBeInSet(column="oprn_oprt_type", value_set=["1", "2"], severity=WARNING),
        gxe.ExpectColumnValuesToMatchRegex(
            column="oprn_oprt_code", regex=r"^[0-9]{2}(?:\.[0-9]{1,2})?$", severity=WARNING
        ),
        gxe.ExpectColumnValuesToBeInSet(column="in_catalogue", value_set=[True], severity=WARNING),
    ]


def _iteminfo() -> list:
    return [
        *_not_null(_required("iteminfo")),
        gxe.ExpectColumnValuesToBeInSet(
            column="med_chrgitm", value_set={"$PARAMETER": "fee_categories"}, severity=WARNING
        ),
        gxe.ExpectColumnValuesToBeBetween(column="amt", min_value=0, severity=WARNING),
    ]


def _upload_rate() -> list:
    return [
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["fixmedins_code", "data_month"], severity=CRITICAL),
        *_not_null(["fixmedins_code", "settlements", "lists", "on_time_lists", "rate"]),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="settlements", column_B="lists", or_equal=True, severity=CRITICAL
        ),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="lists", column_B="on_time_lists", or_equal=True, severity=CRITICAL
        ),
        # 结算清单上传率 ≥ target: a hospital below it is flagged and told, the month goes on
        gxe.ExpectColumnValuesToBeBetween(
            column="rate", min_value={"$PARAMETER": "min_upload_rate"}, max_value=1, severity=WARNING
        ),
    ]


def _grouping_rate() -> list:
    # One row per hospital × MDC of the month; the target applies to the hospital-month rate,
    # repeated on each of its MDC rows (mart_quality__grouping_rate).
    return [
        gxe.ExpectCompoundColumnsToBeUnique(column_list=["fixmedins_code", "data_month", "mdc"], severity=CRITICAL),
        *_not_null(["fixmedins_code", "mdc", "cases", "grouped_cases", "grouping_rate",
                    "hospital_month_grouping_rate"]),
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="cases", column_B="grouped_cases", or_equal=True, severity=CRITICAL
        ),
        # 入组率 ≥ target: a hospital below it is flagged (its coding is looked at), the month goes on
        gxe.ExpectColumnValuesToBeBetween(
            column="hospital_month_grouping_rate",
            min_value={"$PARAMETER": "min_grouping_rate"},
            max_value=1,
            severity=WARNING,
        ),
    ]


def _case_checks() -> list:
    # The loader gives one row per case of the month and one boolean column per rule
    # (`passes_<rule>`): each rule becomes a line of the Data Docs with its failing setl_ids.
    return [
        *_not_null(["setl_id"]),
        gxe.ExpectColumnValuesToBeUnique(column="setl_id", severity=CRITICAL),
        *[
            gxe.ExpectColumnValuesToBeInSet(
                column=f"passes_{rule}",
                value_set=[True],
                severity=WARNING,
                meta={"rule": rule, "notes": f"{rule}: {text}"},
            )
            for rule, text in CASE_RULES.items()
        ],
    ]


SUITES = {
    "stg_settlements": _settlements,
    "stg_setlinfo": _setlinfo,
    "stg_diseinfo": _diseinfo,
    "stg_oprninfo": _oprninfo,
    "stg_iteminfo": _iteminfo,
    "mart_quality__upload_rate": _upload_rate,
    "int_quality__case_checks": _case_checks,
    "mart_quality__grouping_rate": _grouping_rate,
}

def suite_names() -> list[str]:
    return list(SUITES)


def write_project(root: Path = EXPECTATIONS_DIR) -> Path:
    """(Re)write the committed GX project under `root/gx`: datasource, suites, validation
    definitions and checkpoints. Generated files under `uncommitted/` are never written here."""
    gx_dir = root / GX_DIR_NAME
    for sub in ("expectations", "validation_definitions", "checkpoints"):
        shutil.rmtree(gx_dir / sub, ignore_errors=True)
    if (gx_dir / "great_expectations.yml").exists():
        (gx_dir / "great_expectations.yml").unlink()
    context = gx.get_context(mode="file", project_root_dir=root)
    # The site's base directory is replaced at run time by reports/quality/<YYYY-MM>/.
    for name in list(context.get_site_names()):
        context.delete_data_docs_site(name)
    context.add_data_docs_site(
        site_name=DATA_DOCS_SITE,
        site_config={
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": "uncommitted/data_docs/quality_site/",
            },
        },
    )
    source = context.data_sources.add_pandas(DATASOURCE)
    for table, build in SUITES.items():
        asset = source.add_dataframe_asset(name=table)
        batch = asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        suite = context.suites.add(
            gx.ExpectationSuite(
                name=table,
                expectations=build(),
                meta={"description": SUITE_DESCRIPTIONS[table], "dbt_model": table},
            )
        )
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=table, data=batch, suite=suite)
        )
        context.checkpoints.add(
            gx.Checkpoint(
                name=checkpoint_name(table),
                validation_definitions=[definition],
                actions=[UpdateDataDocsAction(name="update_data_docs", site_names=[DATA_DOCS_SITE])],
                result_format=result_format(table),
            )
        )
    _quiet(gx_dir / "great_expectations.yml")
    _sort_json(gx_dir)
    # the scaffold's stores and sites live under uncommitted/; runs use a scratch copy instead
    shutil.rmtree(gx_dir / "uncommitted", ignore_errors=True)
    return gx_dir


def _quiet(config_path: Path) -> None:
    """No usage statistics sent anywhere, no progress bars in the Dagster logs."""
    from ruamel.yaml import YAML

    yaml = YAML()
    config = yaml.load(config_path.read_text(encoding="utf-8"))
    config["analytics_enabled"] = False
    config["progress_bars"] = {"globally": False, "metric_calculations": False}
    with config_path.open("w", encoding="utf-8") as fh:
        yaml.dump(config, fh)


def _sort_json(gx_dir: Path) -> None:
    """Re-dump the JSON files with sorted keys, so a regenerated project gives a reviewable diff
    (GX gives every object a new random id; tests compare the files without their ids)."""
    for path in sorted(gx_dir.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        path.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    print(write_project())
