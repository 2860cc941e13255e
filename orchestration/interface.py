"""The landing contract: what the national platform delivers and where it lands.

One place names every field of the settlement records and of the four parts of the settlement
list (医保基金结算清单, upload interface commonly published as 4101A). The demo generator writes
these fields, ingestion reads them, and the dbt sources document them; nothing else spells them.

Landing layout (one folder per delivery month and hospital)::

    landing/<YYYY-MM>/<fixmedins_code>/<part>.<ext>

- `<YYYY-MM>` is the month the files were delivered. Lists are normally delivered in the folder of
  their discharge month; late uploads and corrections arrive in a later folder and are routed to
  their discharge month in staging.
- `<part>` is one of `PARTS`; every file of a hospital-month has the same format:
  - `<part>.csv`       CSV, UTF-8, header row with the field names below;
  - `<part>.gbk.csv`   CSV, GBK (the encoding is named by the suffix; a GBK file named `.csv`
                       is mislabelled and is quarantined);
  - `<part>.parquet`   Parquet, every column a string;
  - `setllist.json`    JSON in the interface's own shape, all four list parts nested::

        {"infno": "4101A", "fixmedins_code": "...", "input": [
            {"setlinfo": {...}, "diseinfo": [{...}], "oprninfo": [{...}], "iteminfo": [{...}]},
            ...]}

    with `settlements.csv` beside it (settlements come from the settlement system, not the list).
- Every child row (diseinfo, oprninfo, iteminfo) carries `setl_id` and `dcla_time` of its list, so
  an upload's rows stay together and the latest upload of a `setl_id` wins as a whole.
- Values are delivered as text; dates as `YYYY-MM-DD`, times as `YYYY-MM-DD HH:MM:SS`, amounts
  with two decimals. Typing happens in dbt staging, never at ingestion.
"""

from __future__ import annotations

from dataclasses import dataclass

JSON_FILE = "setllist.json"
JSON_INFNO = "4101A"


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # the staged DuckDB type: varchar, integer, decimal, date, timestamp
    label: str  # Chinese label as the interface names it
    required: bool = False
    personal: bool = False  # pseudonymised at ingestion, never in clear in the warehouse


def _f(name, type_, label, required=False, personal=False) -> Field:
    return Field(name, type_, label, required, personal)


SETTLEMENTS = (
    _f("setl_id", "varchar", "结算ID", True),
    _f("mdtrt_id", "varchar", "就诊ID", True),
    _f("psn_no", "varchar", "人员编号", True),
    _f("fixmedins_code", "varchar", "定点医药机构编号", True),
    _f("insutype", "varchar", "险种类型(310职工/390居民)", True),
    _f("insu_admdvs", "varchar", "参保地医保区划", True),
    _f("setl_time", "timestamp", "结算时间", True),
    _f("medfee_sumamt", "decimal", "医疗费总额", True),
    _f("hifp_pay", "decimal", "统筹基金支出", True),
    _f("psn_cash_pay", "decimal", "个人现金支出"),
)

SETLINFO = (
    _f("setl_id", "varchar", "结算ID", True),
    _f("mdtrt_id", "varchar", "就诊ID", True),
    _f("psn_no", "varchar", "人员编号", True),
    _f("fixmedins_code", "varchar", "定点医药机构编号", True),
    _f("fixmedins_name", "varchar", "定点医药机构名称"),
    _f("medcasno", "varchar", "病案号", True),
    _f("psn_name", "varchar", "人员姓名", personal=True),
    _f("certno", "varchar", "证件号码", personal=True),
    _f("gend", "varchar", "性别(1男/2女/9未说明)", True),
    _f("brdy", "date", "出生日期", True),
    _f("age", "integer", "年龄(岁)", True),
    _f("nwb_age", "integer", "(年龄不足1周岁)年龄(天)"),
    _f("nwb_bir_wt", "integer", "新生儿出生体重(克)"),
    _f("nwb_adm_wt", "integer", "新生儿入院体重(克)"),
    _f("insutype", "varchar", "险种类型", True),
    _f("insu_admdvs", "varchar", "参保地医保区划", True),
    _f("ipt_med_type", "varchar", "住院医疗类型(1住院/2日间手术)", True),
    _f("adm_time", "timestamp", "入院时间", True),
    _f("dscg_time", "timestamp", "出院时间", True),
    _f("act_ipt_days", "integer", "实际住院天数", True),
    _f("dscg_way", "varchar", "离院方式(1医嘱/2转院/3转社区/4非医嘱/5死亡/9其他)", True),
    _f("vent_used_dura", "integer", "呼吸机使用时长(小时)"),
    _f("days_rinp_flag_31", "varchar", "出院31天内再住院计划标志(1无/2有)"),
    _f("hi_paymtd", "varchar", "医保支付方式(DRG/DIP)"),
    _f("medfee_sumamt", "decimal", "医疗费总额", True),
    _f("hifp_pay", "decimal", "统筹基金支出", True),
    _f("psn_selfpay", "decimal", "个人自付"),
    _f("psn_ownpay", "decimal", "个人自费"),
    _f("psn_cashpay", "decimal", "个人现金支付"),
    _f("dcla_time", "timestamp", "申报(上传)时间", True),
)

DISEINFO = (
    _f("setl_id", "varchar", "结算ID", True),
    _f("dcla_time", "timestamp", "申报(上传)时间", True),
    _f("diag_srt_no", "integer", "诊断排序号", True),
    _f("diag_code", "varchar", "诊断代码(ICD-10医保版)", True),
    _f("diag_name", "varchar", "诊断名称"),
    _f("maindiag_flag", "varchar", "主诊断标志(1是/0否)", True),
    _f("adm_cond_type", "varchar", "入院病情(1有/2临床未确定/3情况不明/4无)"),
)

OPRNINFO = (
    _f("setl_id", "varchar", "结算ID", True),
    _f("dcla_time", "timestamp", "申报(上传)时间", True),
    _f("oprn_srt_no", "integer", "手术操作排序号", True),
    _f("oprn_oprt_code", "varchar", "手术操作代码(ICD-9-CM-3医保版)", True),
    _f("oprn_oprt_name", "varchar", "手术操作名称"),
    _f("oprn_oprt_type", "varchar", "手术操作类别(1主要/2次要)", True),
    _f("oprn_oprt_date", "date", "手术操作日期"),
)

ITEMINFO = (
    _f("setl_id", "varchar", "结算ID", True),
    _f("dcla_time", "timestamp", "申报(上传)时间", True),
    _f("med_chrgitm", "varchar", "医疗收费项目类别(01-14)", True),
    _f("amt", "decimal", "金额", True),
    _f("claa_sumfee", "decimal", "甲类费用"),
    _f("clab_amt", "decimal", "乙类金额"),
    _f("fulamt_ownpay_amt", "decimal", "全自费金额"),
    _f("oth_amt", "decimal", "其他金额"),
)

PARTS: dict[str, tuple[Field, ...]] = {
    "settlements": SETTLEMENTS,
    "setlinfo": SETLINFO,
    "diseinfo": DISEINFO,
    "oprninfo": OPRNINFO,
    "iteminfo": ITEMINFO,
}
LIST_PARTS = ("setlinfo", "diseinfo", "oprninfo", "iteminfo")
FORMATS = ("csv", "gbk.csv", "json", "parquet")

# Lineage columns every raw table carries after the interface fields.
LINEAGE_COLUMNS = (
    "_landing_month",  # the delivery folder YYYY-MM the file came from
    "_source_file",  # path relative to the landing directory
    "_row_number",  # 1-based row (CSV: data line after the header; JSON: ordinal within the part)
    "_file_hash",  # sha256 of the file's bytes
    "_loaded_at",  # when ingestion loaded it (UTC)
)


def field_names(part: str) -> list[str]:
    return [f.name for f in PARTS[part]]


def personal_fields(part: str) -> list[str]:
    return [f.name for f in PARTS[part] if f.personal]
