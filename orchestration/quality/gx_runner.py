"""Run the committed GX suites on one month of the warehouse and build its Data Docs.

The committed project (`expectations/gx/`) is copied to a scratch directory for each run, so
nothing generated ever lands in the repository: the copy's validation-results store and its
Data Docs site point into `<reports_dir>/quality/<YYYY-MM>/`, and the copy is thrown away.
Each month is a self-contained, browsable site (`reports/quality/<YYYY-MM>/index.html`), and
`reports/quality/index.html` links the months.

The month's rows are read from DuckDB (read-only) into pandas: GX 1.x validates a dataframe
asset whose dataframe is passed as a batch parameter. A few derived columns (stay days, days to
upload, catalogue lookups, one pass/fail column per case rule) are computed by the SQL below, so
the suites compare columns rather than re-implement rules.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import duckdb

from orchestration.config import EXPECTATIONS_DIR, Settings
from orchestration.quality.rules import (
    CASE_RULES,
    CRITICAL,
    DATA_DOCS_SITE,
    GX_DIR_NAME,
    TABLES,
    checkpoint_name,
)

# Parameters the suites use, from reference.policy_parameters of the month's year.
SUITE_PARAMETERS = ("upload_deadline_days", "min_upload_rate", "min_grouping_rate")

_PASSES = ",\n".join(
    f"coalesce(not bool_or(f.rule = '{rule}'), true) as passes_{rule}" for rule in CASE_RULES
)

# One query per suite; `$month` is the partition. Derived columns are documented in suites.py.
LOADERS: dict[str, str] = {
    "stg_settlements": "select * from staging.stg_settlements where data_month = $month",
    "stg_setlinfo": """
        select l.*,
            greatest(date_diff('day', cast(l.adm_time as date), cast(l.dscg_time as date)), 1) as stay_days,
            epoch(u.dcla_time - coalesce(s.setl_time, l.dscg_time)) / 86400.0 as upload_days
        from staging.stg_setlinfo as l
        left join staging.stg_settlements as s on s.setl_id = l.setl_id
        left join (
            select setl_id, max(dcla_time) as dcla_time from staging.base_raw__setlinfo group by setl_id
        ) as u on u.setl_id = l.setl_id
        where l.data_month = $month
    """,
    "stg_diseinfo": """
        select d.*, d.diag_code in (select diag_code from reference.icd10_diagnoses) as in_catalogue
        from staging.stg_diseinfo as d where d.data_month = $month
    """,
    "stg_oprninfo": """
        select p.*, p.oprn_oprt_code in (select oprn_code from reference.icd9_procedures) as in_catalogue
        from staging.stg_oprninfo as p where p.data_month = $month
    """,
    "stg_iteminfo": "select * from staging.stg_iteminfo where data_month = $month",
    "mart_quality__upload_rate": "select * from marts.mart_quality__upload_rate where data_month = $month",
    "mart_quality__grouping_rate": "select * from marts.mart_quality__grouping_rate where data_month = $month",
    "int_quality__case_checks": f"""
        with cases as (
            select setl_id, fixmedins_code from staging.stg_setlinfo where data_month = $month
            union
            select setl_id, fixmedins_code from staging.stg_settlements where data_month = $month
        ),
        failures as (
            select setl_id, rule from intermediate.int_quality__case_checks where data_month = $month
        )
        select c.setl_id, any_value(c.fixmedins_code) as fixmedins_code,
            {_PASSES}
        from cases as c
        left join failures as f on f.setl_id = c.setl_id
        group by c.setl_id
        order by c.setl_id
    """,
}


@dataclass
class SuiteOutcome:
    """The result of one suite on one month, as the Dagster checks and the CLI report it."""

    table: str
    success: bool
    evaluated: int
    successful: int
    rows: int
    failed: list[dict] = field(default_factory=list)  # one per failed expectation
    docs_page: str | None = None

    @property
    def success_percent(self) -> float:
        return 100.0 if not self.evaluated else round(100.0 * self.successful / self.evaluated, 2)

    @property
    def critical_failed(self) -> bool:
        return any(f["severity"] == CRITICAL for f in self.failed)


def month_docs_dir(settings: Settings, month: str) -> Path:
    """The month's page (index.html: its suites with links into the Data Docs site) and summary.json."""
    return settings.reports_dir / "quality" / month


def site_dir(settings: Settings) -> Path:
    """The one Data Docs site of the warehouse: every validation run, named after its month."""
    return settings.reports_dir / "quality" / "site"


def read_parameters(con: duckdb.DuckDBPyConnection, month: str) -> dict:
    """The suite parameters of the month's year, plus the national fee-category codes."""
    year = int(month[:4])
    rows = con.execute(
        "select parameter, value from reference.policy_parameters where cast(year as integer) = ?",
        [year],
    ).fetchall()
    values = dict(rows)
    missing = [p for p in SUITE_PARAMETERS if p not in values]
    if missing:
        raise KeyError(f"seeds/policy_parameters.csv has no {', '.join(missing)} for year {year}")
    params = {
        "upload_deadline_days": float(Decimal(str(values["upload_deadline_days"]))),
        "min_upload_rate": float(Decimal(str(values["min_upload_rate"]))),
        "min_grouping_rate": float(Decimal(str(values["min_grouping_rate"]))),
    }
    params["fee_categories"] = [
        r[0] for r in con.execute("select med_chrgitm from reference.fee_categories order by 1").fetchall()
    ]
    return params


def connect_read_only(warehouse: Path, wait_seconds: float = 60.0) -> duckdb.DuckDBPyConnection:
    """A read-only connection, waiting while another process (dbt, ingestion) holds the write lock."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            return duckdb.connect(str(warehouse), read_only=True)
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def load_frames(warehouse: Path, months: list[str], tables) -> tuple[dict, dict]:
    """Read each month's rows of each table and the parameters of each month's year, then close
    the connection (DuckDB allows one writer: never hold the warehouse longer than needed)."""
    con = connect_read_only(warehouse)
    try:
        frames = {(m, t): con.execute(LOADERS[t], {"month": m}).df() for m in months for t in tables}
        params = {m: read_parameters(con, m) for m in months}
    finally:
        con.close()
    return frames, params


def _runtime_project(scratch: Path, docs_dir: Path):
    """A copy of the committed GX project whose generated stores point into `docs_dir` (the
    validation results are kept there, so the site shows every run of every month)."""
    import great_expectations as gx
    from ruamel.yaml import YAML

    source = EXPECTATIONS_DIR / GX_DIR_NAME
    target = scratch / GX_DIR_NAME
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("uncommitted"))
    yaml = YAML()
    config_path = target / "great_expectations.yml"
    config = yaml.load(config_path.read_text(encoding="utf-8"))
    config["stores"]["validation_results_store"]["store_backend"]["base_directory"] = str(
        docs_dir / ".validations"
    )
    config["data_docs_sites"][DATA_DOCS_SITE]["store_backend"]["base_directory"] = str(docs_dir)
    config["analytics_enabled"] = False
    with config_path.open("w", encoding="utf-8") as fh:
        yaml.dump(config, fh)
    return gx.get_context(mode="file", project_root_dir=scratch)


def _apply_mostly(suite, params: dict) -> None:
    """Set `mostly` of expectations whose meta names a policy parameter (GX cannot take a
    suite parameter there)."""
    for expectation in suite.expectations:
        name = (expectation.meta or {}).get("mostly_parameter")
        if name:
            expectation.mostly = params[name]


def _failed(result) -> list[dict]:
    out = []
    for r in result.results:
        if r.success:
            continue
        config = r.expectation_config
        kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id",)}
        details = r.result or {}
        out.append(
            {
                "expectation": config.type,
                "column": kwargs.get("column") or kwargs.get("column_list")
                or [kwargs.get("column_A"), kwargs.get("column_B")],
                "severity": str(getattr(config.severity, "value", config.severity)),
                "rule": (config.meta or {}).get("rule"),
                "unexpected_count": details.get("unexpected_count"),
                "unexpected_percent": details.get("unexpected_percent"),
                "observed_value": details.get("observed_value"),
                "exception": (r.exception_info or {}).get("exception_message")
                if isinstance(r.exception_info, dict)
                else None,
            }
        )
    return out


def built_tables(warehouse: Path) -> list[str]:
    """The validated tables the warehouse has, in suite order. A warehouse built without the DRG
    grouper (the quality-only tests, a region before grouping) has no grouping-rate mart yet."""
    con = connect_read_only(warehouse)
    try:
        present = set(con.execute("select table_schema, table_name from information_schema.tables").fetchall())
    finally:
        con.close()
    return [name for name, t in TABLES.items() if (t.schema, name) in present]


def run_month(settings: Settings, month: str, tables=None) -> dict[str, SuiteOutcome]:
    """`run_months` for one month: {table: outcome}."""
    return run_months(settings, [month], tables)[month]


def run_months(settings: Settings, months: list[str], tables=None, progress=None) -> dict[str, dict[str, SuiteOutcome]]:
    """Validate each month's rows of each table with its suite (by default every table the
    warehouse has, see `built_tables`; a table named in `tables` must exist) in ONE GX context,
    each validation a run named after its month; then build the Data Docs site once and write
    each month's summary and page. Returns {month: {table: outcome}}."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    from great_expectations.core.run_identifier import RunIdentifier

    tables = list(tables or built_tables(settings.warehouse))
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise KeyError(f"no GX suite for {', '.join(unknown)}; suites: {', '.join(TABLES)}")
    months = sorted(months)
    frames, params = load_frames(settings.warehouse, months, tables)
    docs_dir = site_dir(settings)
    docs_dir.mkdir(parents=True, exist_ok=True)
    outcomes: dict[str, dict[str, SuiteOutcome]] = {m: {} for m in months}
    identifiers = {}
    with tempfile.TemporaryDirectory(prefix="drgdip-gx-") as scratch:
        context = _runtime_project(Path(scratch), docs_dir)
        suites = {t: context.suites.get(t) for t in tables}
        for table in tables:  # the site is built once, after every validation, not by each checkpoint
            checkpoint = context.checkpoints.get(checkpoint_name(table))
            checkpoint.actions = []
            checkpoint.save()
        for month in months:
            for table in tables:
                _apply_mostly(suites[table], params[month])
                suites[table].save()
                checkpoint = context.checkpoints.get(checkpoint_name(table))
                result = checkpoint.run(
                    batch_parameters={"dataframe": frames[(month, table)]},
                    expectation_parameters=params[month],
                    run_id=RunIdentifier(run_name=month),
                )
                (identifier, validation), = result.run_results.items()
                identifiers[(month, table)] = identifier
                stats = validation.statistics
                outcomes[month][table] = SuiteOutcome(
                    table=table,
                    success=bool(validation.success),
                    evaluated=int(stats["evaluated_expectations"]),
                    successful=int(stats["successful_expectations"]),
                    rows=len(frames[(month, table)]),
                    failed=_failed(validation),
                )
            if progress:
                progress(month, outcomes[month])
        context.build_data_docs(site_names=[DATA_DOCS_SITE])
        for (month, table), identifier in identifiers.items():
            urls = context.get_docs_sites_urls(resource_identifier=identifier, site_name=DATA_DOCS_SITE)
            page = urls[0]["site_url"] if urls else None
            outcomes[month][table].docs_page = page.removeprefix("file://") if page else None
    _make_offline(docs_dir)
    for month in months:
        month_dir = month_docs_dir(settings, month)
        month_dir.mkdir(parents=True, exist_ok=True)
        _write_summary(month_dir, month, outcomes[month])
        _write_month_page(month_dir, month)
    write_reports_index(settings)
    return outcomes


def _make_offline(docs_dir: Path) -> None:
    """Serve the site's scripts and styles from the reports folder (isolated networks)."""
    try:
        from orchestration.quality.offline_docs import make_site_offline
    except ImportError:
        return
    make_site_offline(docs_dir)


def _write_month_page(month_dir: Path, month: str) -> None:
    """`<month>/index.html`: the month's suites, pass or fail, each linking its validation page."""
    summary = json.loads((month_dir / "summary.json").read_text(encoding="utf-8"))
    rows = []
    for table, suite in sorted(summary["suites"].items()):
        status = "pass" if suite["success"] else f"FAIL ({len(suite['failed'])} expectations)"
        page = suite.get("docs_page")
        link = (f'<a href="{html.escape(os.path.relpath(page, month_dir))}">{html.escape(table)}</a>'
                if page else html.escape(table))
        rows.append(f"<tr><td>{link}</td><td>{suite['rows']:,}</td><td>{suite['success_percent']}%</td>"
                    f"<td>{html.escape(status)}</td></tr>")
    page = (
        f"<!doctype html><html lang='en'><meta charset='utf-8'><title>drgdip data quality {month}</title>"
        f"<h1>Settlement-list data quality (结算清单质量) {html.escape(month)}</h1>"
        "<table border='1' cellpadding='4'><tr><th>suite</th><th>rows</th><th>expectations met</th>"
        f"<th>result</th></tr>{''.join(rows)}</table>"
        "<p><a href='../site/index.html'>every validation run (Great Expectations Data Docs)</a> · "
        "<a href='../index.html'>all months</a></p></html>"
    )
    (month_dir / "index.html").write_text(page, encoding="utf-8")


def _write_summary(docs_dir: Path, month: str, outcomes: dict[str, SuiteOutcome]) -> None:
    """Merge this run's outcomes into the month's summary.json (a run may validate some suites only)."""
    path = docs_dir / "summary.json"
    summary = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"month": month, "suites": {}}
    for table, o in outcomes.items():
        summary["suites"][table] = {
            "success": o.success,
            "success_percent": o.success_percent,
            "evaluated": o.evaluated,
            "rows": o.rows,
            "failed": o.failed,
            "docs_page": o.docs_page,
        }
    path.write_text(json.dumps(summary, indent=2, ensure_ascii=False, default=str), encoding="utf-8")


def write_reports_index(settings: Settings) -> Path:
    """`reports/quality/index.html`: one link per month that has a Data Docs site."""
    root = settings.reports_dir / "quality"
    root.mkdir(parents=True, exist_ok=True)
    rows = []
    for month_dir in sorted((p for p in root.iterdir() if (p / "summary.json").exists()), reverse=True):
        summary_path = month_dir / "summary.json"
        suites = json.loads(summary_path.read_text(encoding="utf-8"))["suites"] if summary_path.exists() else {}
        failing = sorted(t for t, s in suites.items() if not s["success"])
        status = "all suites pass" if suites and not failing else f"failing: {', '.join(failing)}"
        rows.append(
            f'<li><a href="{html.escape(month_dir.name)}/index.html">{html.escape(month_dir.name)}</a>'
            f" — {html.escape(status)}</li>"
        )
    page = (
        "<!doctype html><html lang='en'><meta charset='utf-8'><title>drgdip data quality</title>"
        "<h1>Settlement-list data quality (结算清单质量) by month</h1>"
        "<p>Each month lists its suites, one per table, each linking its Great Expectations validation "
        "page with every failing expectation and the cases it failed on; <a href='site/index.html'>the "
        "Data Docs site</a> holds every validation run, named after its month. Per-hospital feedback files "
        "are in <code>../feedback/&lt;YYYY-MM&gt;/</code>.</p>"
        f"<ul>{''.join(rows)}</ul></html>"
    )
    index = root / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
