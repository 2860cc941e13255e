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


def test_late_upload_sensor_restages_the_discharge_month():
    with DagsterInstance.ephemeral() as instance:
        instance.report_runless_asset_event(
            AssetMaterialization(
                asset_key=RAW_ASSET, partition="2024-04", metadata={"other_months_touched": '["2024-03"]'}
            )
        )
        context = build_sensor_context(instance=instance)
        requests = list(late_upload_sensor(context))
        assert [r.partition_key for r in requests] == ["2024-03"]
        assert requests[0].tags["drgdip/changed_by_landing_month"] == "2024-04"
        # the cursor moved on: the same ingestion asks for nothing again
        again = late_upload_sensor(build_sensor_context(instance=instance, cursor=context.cursor))
        assert isinstance(again, SkipReason)


def test_materialize_command_runs_a_month_and_prints_its_summary(tiny_region, tmp_path, monkeypatch, capsys):
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
    assert main(["--config", str(config), "materialize", "--months", "2024-03"]) == 0
    out = capsys.readouterr().out
    assert "[ 1/1] 2024-03:" in out and " ok" in out
    assert "summary" in out and "total" in out
    # dbt's own output went to the month's log, not to the terminal
    assert "Completed successfully" not in out
    assert (tmp_path / "data" / "logs" / "monthly_cycle-2024-03.log").exists()
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as con:
        cases = con.execute("select count(*) from staging.stg_setlinfo where data_month = '2024-03'").fetchone()[0]
    assert cases > 0 and f"{cases:,} cases" in out
