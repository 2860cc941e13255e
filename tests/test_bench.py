"""`drgdip bench`: the whole-chain benchmark's bookkeeping, and a smoke run on a tiny region (the
benchmark itself is `make bench`, never a test)."""

from __future__ import annotations

import json

import pytest

from orchestration import bench_pipeline as bp
from orchestration.cli import main
from orchestration.cli.bench import format_report


def test_dbt_nodes_count_with_their_folder_and_tests_with_the_model_they_test():
    manifest = {"nodes": {
        "model.drgdip.stg_setlinfo": {"resource_type": "model", "original_file_path": "models/staging/stg_setlinfo.sql"},
        "model.drgdip.int_drg__mdc": {"resource_type": "model", "original_file_path": "models/intermediate/drg/x.sql"},
        "model.drgdip.fct_dip_case": {"resource_type": "model", "original_file_path": "models/marts/dip/x.sql"},
        "test.drgdip.not_null_mdc": {"resource_type": "test", "attached_node": "model.drgdip.int_drg__mdc",
                                     "depends_on": {"nodes": ["model.drgdip.int_drg__mdc"]}},
        "test.drgdip.singular": {"resource_type": "test", "attached_node": None,
                                 "depends_on": {"nodes": ["seed.drgdip.x", "model.drgdip.fct_dip_case"]}},
    }}
    results = {"results": [{"unique_id": "model.drgdip.stg_setlinfo", "execution_time": 2.0},
                           {"unique_id": "model.drgdip.int_drg__mdc", "execution_time": 1.0},
                           {"unique_id": "test.drgdip.not_null_mdc", "execution_time": 0.5},
                           {"unique_id": "test.drgdip.singular", "execution_time": 0.25},
                           {"unique_id": "model.drgdip.unknown", "execution_time": 0.25}]}
    assert bp.dbt_node_seconds(results, manifest) == {"staging": 2.0, "drg": 1.5, "dip": 0.25, "other": 0.25}


def test_a_runs_stages_add_up_to_its_wall_clock():
    steps = {"raw_settlement_lists": {"seconds": 1.0}, "monthly_models": {"seconds": 10.0},
             "gx_suites": {"seconds": 2.0}, "staging__stg_setlinfo_row_accounting": {"seconds": 0.5}}
    split = bp.split_run("monthly_cycle", 15.0, steps, 6.0, {"staging": 3.0, "quality": 1.0, "drg": 1.0, "dip": 1.0})
    assert split["dbt_overhead"] == pytest.approx(4.0)  # 10 s step, 6 s of it dbt's own elapsed time
    assert split["staging"] == pytest.approx(3.0) and split["drg"] == pytest.approx(1.0)
    assert split["quality"] == pytest.approx(1.0 + 2.0)  # its dbt models and the GX suites
    assert split["dagster_overhead"] == pytest.approx(1.5)
    assert sum(split.values()) == pytest.approx(15.0)


def test_grouper_bench_options_stay_apart_from_the_pipeline_ones(capsys):
    assert main(["bench", "--months", "1"]) == 2
    assert "--pipeline" in capsys.readouterr().err


@pytest.mark.slow
def test_pipeline_bench_times_every_stage_of_a_tiny_region(tmp_path, reference_warehouse):
    lines: list[str] = []
    result = bp.run_pipeline_bench(150, tmp_path / "bench", months=1, hospitals=4, echo=lines.append,
                                   reference_source=reference_warehouse)
    assert result["success"], json.dumps(result["scenarios"][0]["runs"], indent=1)
    assert json.loads(json.dumps(result)) == result  # --json prints exactly this
    assert {"cases_per_month", "hospitals", "total_wall_seconds", "scenarios", "memory", "success"} <= set(result)
    (sc,) = result["scenarios"]
    assert sc["months"] == ["2024-01"] and sc["staged_cases"] > 0
    assert set(sc["stages"]) == set(bp.STAGES)
    assert all(seconds > 0 for seconds in sc["stages"].values()), sc["stages"]
    assert sum(sc["stages"].values()) == pytest.approx(sc["pipeline_seconds"], abs=0.1)
    assert [run["job"] for run in sc["runs"]] == list(bp.PIPELINE_JOBS)
    assert sc["bare_scan"]["seconds"] > 0 and sc["ratio_pipeline_to_bare"] > 1
    assert sc["memory"]["peak_rss_total_gib"] > 0 and result["memory"]["maxrss_children_gib"] > 0
    assert any("monthly_cycle 2024-01: " in line for line in lines)  # progress, job by job
    report = format_report(result)
    assert all(label in report for label in bp.STAGE_LABELS.values())
