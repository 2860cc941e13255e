"""The assembled pipeline: definitions, jobs, the late-upload sensor and the `drgdip` runner."""

from __future__ import annotations

import json

import duckdb
from dagster import AssetMaterialization, DagsterInstance, SkipReason, build_sensor_context

from orchestration.cli import main
from orchestration.sensors import RAW_ASSET, late_upload_sensor, touched_months


def test_definitions_load_with_every_job():
    from orchestration.definitions import defs

    names = {job.name for job in defs.jobs}
    assert {"reference_data", "monthly_cycle", "restage_month", "annual_reference", "monthly_payment",
            "monthly_supervision", "annual_clearing"} <= names
    monthly = defs.resolve_job_def("monthly_cycle").asset_layer.executable_asset_keys
    assert RAW_ASSET in monthly
    assert any(key.path[-1] == "stg_setlinfo" for key in monthly)
    supervision = defs.resolve_job_def("monthly_supervision").asset_layer.executable_asset_keys
    assert {key.path[-1] for key in supervision} >= {"int_supervision__cases", "int_supervision__readmission_pairs"}
    assert not {key.path[-1] for key in supervision} & {key.path[-1] for key in monthly}


def test_touched_months_reads_ingestion_metadata():
    assert touched_months({"other_months_touched": json.dumps(["2024-02", "2024-01"])}, "2024-04") == [
        "2024-01",
        "2024-02",
    ]
    assert touched_months({"other_months_touched": "[]"}, "2024-04") == []
    assert touched_months({}, "2024-04") == []
    # its own month is not "other"
    assert touched_months({"other_months_touched": '["2024-04"]'}, "2024-04") == []


def _ingested(instance, landing_month: str, touched: list[str]) -> None:
    instance.report_runless_asset_event(
        AssetMaterialization(asset_key=RAW_ASSET, partition=landing_month,
                             metadata={"other_months_touched": json.dumps(touched)})
    )


def test_late_upload_sensor_restages_the_discharge_month():
    with DagsterInstance.ephemeral() as instance:
        _ingested(instance, "2024-04", ["2024-03"])
        context = build_sensor_context(instance=instance)
        requests = [r for r in late_upload_sensor(context) if r.job_name == "restage_month"]
        assert [r.partition_key for r in requests] == ["2024-03"]
        assert requests[0].tags["drgdip/changed_by_landing_months"] == "2024-04"
        # the cursor moved on: the same ingestion asks for nothing again
        again = late_upload_sensor(build_sensor_context(instance=instance, cursor=context.cursor))
        assert isinstance(again, SkipReason)


def test_late_upload_sensor_asks_one_run_per_range_of_months_whatever_the_deliveries():
    """Eleven deliveries touching overlapping earlier months: one single-run backfill over the
    contiguous months, one run for the month apart; not a run per delivery and month."""
    with DagsterInstance.ephemeral() as instance:
        for landing in ("2024-05", "2024-06", "2024-07", "2024-08", "2024-09", "2024-10", "2024-11"):
            _ingested(instance, landing, ["2024-02", "2024-03", "2024-04"])
        for landing in ("2024-05", "2024-06", "2024-07", "2024-08"):
            _ingested(instance, landing, ["2023-06"])
        requests = list(late_upload_sensor(build_sensor_context(instance=instance)))
    restage = [r for r in requests if r.job_name == "restage_month"]
    assert len(restage) == 2
    # paid months changed: their pre-settlement and supervision over the same range, then the
    # year's clearing, queued in that order after the restage (one run at a time)
    paid = [r for r in requests if r.tags.get("dagster/asset_partition_range_start") == "2024-02"]
    assert [r.job_name for r in paid] == ["restage_month", "monthly_payment", "monthly_supervision"]
    assert requests.index(paid[0]) < requests.index(paid[1]) < requests.index(paid[2])
    assert [(r.job_name, r.partition_key) for r in requests][-1] == ("annual_clearing", "2024")
    assert len(requests) == 5
    by_start = {r.tags.get("dagster/asset_partition_range_start", r.partition_key): r for r in restage}
    assert by_start["2023-06"].partition_key == "2023-06"
    assert by_start["2024-02"].tags["dagster/asset_partition_range_end"] == "2024-04"
    assert by_start["2024-02"].tags["drgdip/changed_by_landing_months"].split(",") == [
        "2024-05", "2024-06", "2024-07", "2024-08", "2024-09", "2024-10", "2024-11"]


def test_a_run_over_every_landing_month_leaves_the_sensor_quiet():
    """`drgdip demo` ingests every landing month in the run that stages them: its ingestion reports
    no earlier month to restage (ingestion.range_metadata), so the first tick of `make ui` asks for nothing."""
    from orchestration.assets.ingestion import IngestReport, range_metadata

    reports = [IngestReport("2024-03"), IngestReport("2024-04")]
    reports[0].discharge_months.update({"2024-03": 10, "2024-02": 1})
    reports[1].discharge_months.update({"2024-04": 10, "2024-03": 2})
    metadata = range_metadata(reports)
    assert metadata["other_months_touched"].value == ["2024-02"]  # only the month before the range
    with DagsterInstance.ephemeral() as instance:
        for landing in ("2024-03", "2024-04"):
            _ingested(instance, landing, [])
        assert isinstance(late_upload_sensor(build_sensor_context(instance=instance)), SkipReason)


def test_materialize_command_runs_a_range_as_one_run_and_accounts_for_every_row(
        tiny_region, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    config = tmp_path / "drgdip.toml"
    config.write_text(
        f"""
[paths]
data_dir = "{tmp_path / 'data'}"
landing_dir = "{tiny_region.landing_dir}"
warehouse = "{tmp_path / 'data' / 'warehouse.duckdb'}"
reports_dir = "{tmp_path / 'reports'}"
""",
        encoding="utf-8",
    )
    assert main(["--config", str(config), "materialize", "--months", "2024-02..2024-04"]) == 0
    out = capsys.readouterr().out
    assert "monthly_cycle 2024-02..2024-04 (3 months, one run)" in out
    assert "[ 1/3] 2024-02:" in out and "[ 3/3] 2024-04:" in out and " ok" in out
    assert "summary" in out and "total" in out
    # every raw row of the whole warehouse is staged, superseded or quarantined
    accounting = out[out.index("row accounting"):].splitlines()[1:6]
    assert len(accounting) == 5 and all(line.rstrip().endswith("ok") for line in accounting), accounting
    # dbt's own output went to the run's log, not to the terminal
    assert "Completed successfully" not in out
    assert (tmp_path / "data" / "logs" / "monthly_cycle-2024-02..2024-04.log").exists()
    # the project's instance settings: the warehouse pool takes one step at a time
    assert "default_limit: 1" in (tmp_path / "dagster_home" / "dagster.yaml").read_text()
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as con:
        cases = con.execute("select count(*) from staging.stg_setlinfo where data_month = '2024-03'").fetchone()[0]
    assert cases > 0 and f"{cases:,} cases" in out
