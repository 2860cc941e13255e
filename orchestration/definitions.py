"""The Dagster code location: assembles assets, checks, jobs, sensors and resources.

Nothing here computes anything; each concern lives in the module that owns it.
"""

from __future__ import annotations

from dagster import Definitions

from orchestration import accounting
from orchestration.assets import dbt, ingestion, quality
from orchestration.config import Settings, load_settings
from orchestration.jobs import JOBS
from orchestration.resources import build_resources
from orchestration.sensors import late_upload_sensor


def build_definitions(settings: Settings | None = None) -> Definitions:
    return Definitions(
        assets=[*ingestion.ASSETS, *dbt.ASSETS, *quality.ASSETS],
        asset_checks=[*accounting.ROW_ACCOUNTING_CHECKS, *quality.ASSET_CHECKS],
        jobs=JOBS,
        sensors=[late_upload_sensor],
        resources=build_resources(settings or load_settings()),
    )


defs = build_definitions()
