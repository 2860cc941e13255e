"""Sensors: make months that a later delivery changed visible and re-materialisable.

A list uploaded late, or a correction of an earlier list, arrives in a later landing folder but
belongs to its discharge month. Ingestion reports those months as `other_months_touched` (a run
that ingested several landing months reports only the months outside them: it staged the rest
itself). This sensor requests ONE `restage_month` run per contiguous range of touched months,
however many deliveries touched them (run tags name the landing months that changed them); for
months of the payment year the run also rebuilds their pre-settlement and supervision, and the
year's `annual_clearing` is requested after it.
"""

from __future__ import annotations

import json

from dagster import (
    AssetKey,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from orchestration.config import load_settings
from orchestration.jobs import annual_clearing_job, monthly_payment_job, monthly_supervision_job, restage_job
from orchestration.partitions import contiguous_ranges, monthly_partitions, range_tags

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
    jobs=[restage_job, monthly_payment_job, monthly_supervision_job, annual_clearing_job],
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Restage discharge months changed by late uploads or corrections in a later landing folder: "
    "one run per contiguous range of affected months, whatever the number of deliveries.",
)
def late_upload_sensor(context: SensorEvaluationContext):
    result = context.instance.fetch_materializations(RAW_ASSET, limit=1000, cursor=context.cursor, ascending=True)
    if not result.records:
        return SkipReason("no new ingestion since the last tick")
    all_months = monthly_partitions.get_partition_keys()
    valid_months = set(all_months)
    touched: dict[str, set[str]] = {}  # discharge month -> landing months that changed it
    for record in result.records:
        mat = record.asset_materialization
        landing_month = mat.partition
        # A run that ingested several landing months staged them all afterwards: only the months
        # outside its range are reported as touched (orchestration/assets/ingestion.py).
        for month in touched_months(dict(mat.metadata), landing_month):
            if month not in valid_months:
                context.log.warning(f"{landing_month} carries lists for {month}, outside the partitions")
                continue
            touched.setdefault(month, set()).add(landing_month or "")
    context.update_cursor(result.cursor)
    requests = []
    last_id = result.records[-1].storage_id
    first_paid_year = str(load_settings().payment_year)

    def paid(month: str) -> bool:  # months from the payment year on are paid; earlier ones are history
        return month[:4] >= first_paid_year

    # a run never mixes paid months with history months
    ranges = [chunk for keys in contiguous_ranges(touched, all_months) for chunk in _split_at(keys, paid)]
    for keys in ranges:
        tags = {"drgdip/changed_by_landing_months": ",".join(sorted(set().union(*(touched[m] for m in keys))))}
        jobs = [restage_job]
        if paid(keys[0]):  # paid months: their pre-settlement and supervision too, in order
            jobs += [monthly_payment_job, monthly_supervision_job]
        for job in jobs:
            label = keys[0] if len(keys) == 1 else f"{keys[0]}..{keys[-1]}"
            run_tags = {**tags, **range_tags(keys)}
            requests.append(RunRequest(run_key=f"{job.name}:{label}@{last_id}", job_name=job.name,
                                       partition_key=keys[0] if len(keys) == 1 else None, tags=run_tags))
    for year in sorted({m[:4] for m in touched if paid(m)}):
        # queued after them (the run queue starts one run at a time, in order)
        requests.append(RunRequest(run_key=f"{annual_clearing_job.name}:{year}@{last_id}",
                                   job_name=annual_clearing_job.name, partition_key=year,
                                   tags={"drgdip/after": "restage_month"}))
    return requests or SkipReason("new ingestions changed no earlier month")


def _split_at(keys: list[str], inside) -> list[list[str]]:
    """Consecutive months split where `inside(month)` changes."""
    chunks: list[list[str]] = []
    for month in keys:
        if chunks and inside(chunks[-1][-1]) == inside(month):
            chunks[-1].append(month)
        else:
            chunks.append([month])
    return chunks
