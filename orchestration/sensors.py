"""Sensors: make months that a later delivery changed visible and re-materialisable.

A list uploaded late, or a correction of an earlier list, arrives in a later landing folder but
belongs to its discharge month. Ingestion reports those months as `other_months_touched`; this
sensor requests a `restage_month` run for each, so the data team sees in the UI which earlier
partitions were rebuilt and why (run tags name the landing month that changed them).
"""

from __future__ import annotations

import json

from dagster import AssetKey, DefaultSensorStatus, RunRequest, SensorEvaluationContext, SkipReason, sensor

from orchestration.jobs import restage_job

RAW_ASSET = AssetKey("raw_settlement_lists")


def touched_months(metadata: dict, landing_month: str | None) -> list[str]:
    """The discharge months other than its own that an ingestion materialisation changed."""
    entry = metadata.get("other_months_touched")
    if entry is None:
        return []
    value = getattr(entry, "value", entry)
    if isinstance(value, str):
        value = json.loads(value) if value.strip().startswith("[") else [v for v in value.split(",") if v]
    return sorted({str(m).strip() for m in value if str(m).strip() and str(m).strip() != landing_month})


@sensor(
    job=restage_job,
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Restage discharge months changed by late uploads or corrections in a later landing folder.",
)
def late_upload_sensor(context: SensorEvaluationContext):
    result = context.instance.fetch_materializations(RAW_ASSET, limit=100, cursor=context.cursor, ascending=True)
    if not result.records:
        return SkipReason("no new ingestion since the last tick")
    valid_months = set(restage_job.partitions_def.get_partition_keys())
    requests = []
    for record in result.records:
        mat = record.asset_materialization
        landing_month = mat.partition
        for month in touched_months(dict(mat.metadata), landing_month):
            if month not in valid_months:
                context.log.warning(f"{landing_month} carries lists for {month}, outside the partitions")
                continue
            requests.append(
                RunRequest(
                    run_key=f"{landing_month}->{month}@{record.storage_id}",
                    partition_key=month,
                    tags={"drgdip/changed_by_landing_month": landing_month or ""},
                )
            )
    context.update_cursor(result.cursor)
    return requests or SkipReason("new ingestions changed no earlier month")
