"""Jobs: the named selections the data team launches (UI, CLI, sensors)."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

from orchestration.partitions import monthly_partitions

reference_job = define_asset_job(
    "reference_data",
    selection=AssetSelection.groups("reference"),
    description="Load the reference seeds (catalogues, grouping tables, policy parameters).",
)

monthly_job = define_asset_job(
    "monthly_cycle",
    selection=AssetSelection.groups("ingestion", "staging", "quality"),
    partitions_def=monthly_partitions,
    description="One month: ingest the landing folder, stage the discharge month, validate, report quality.",
)

restage_job = define_asset_job(
    "restage_month",
    selection=AssetSelection.groups("staging", "quality"),
    partitions_def=monthly_partitions,
    description=(
        "Rebuild a discharge month from raw without re-ingesting: what a late upload or a correction "
        "delivered in a later landing folder requires."
    ),
)

JOBS = [reference_job, monthly_job, restage_job]
