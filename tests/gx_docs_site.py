"""A small real Great Expectations Data Docs site for the offline-docs tests (imported by
tests/test_quality_offline_docs.py and tests/e2e/test_data_docs_offline.py; not a test module).

A GX file project in a scratch directory: a pandas dataframe asset, one suite of three
expectations and a checkpoint whose UpdateDataDocsAction builds the site after each run. Each run
is named like `run_month`'s months: `checkpoint.run(..., run_id=RunIdentifier(run_name="2024-03",
run_time=now))`. The first month's amounts break the range expectation, later months pass.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pandas as pd

SUITE = "claims"
EXPECTATIONS = 3


def month_frame(failing: bool) -> pd.DataFrame:
    return pd.DataFrame({
        "setl_id": ["S1", "S2", "S3", "S4"],
        "amount": [120.0, 80.5, 99999.0 if failing else 310.0, 42.0],
        "kind": ["A", "B", "A", "B"],
    })


def build_site(root: Path, months: tuple[str, ...] = ("2024-03",)) -> Path:
    """Build the site under `root`, one validation run per month (the first one failing), and
    return the site's directory (the folder of its index.html)."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="file", project_root_dir=root)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (context.data_sources.add_pandas("warehouse").add_dataframe_asset(SUITE)
             .add_batch_definition_whole_dataframe("month"))
    suite = context.suites.add(gx.ExpectationSuite(SUITE))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeNull(column="setl_id"))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToBeBetween(column="amount", min_value=0,
                                                                        max_value=10000))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToBeInSet(column="kind", value_set=["A", "B"]))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{SUITE}__monthly", data=batch, suite=suite))
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name=f"{SUITE}__monthly", validation_definitions=[definition],
        actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")]))
    for i, month in enumerate(months):
        result = checkpoint.run(
            batch_parameters={"dataframe": month_frame(failing=i == 0)},
            run_id=RunIdentifier(run_name=month, run_time=dt.datetime.now(dt.UTC)),
        )
        assert result.success is (i != 0)
    (site,) = context.get_docs_sites_urls()
    return Path(site["site_url"].removeprefix("file://")).parent
