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
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    sensor,
)

from orchestration.config import load_settings
from orchestration.jobs import PAYMENT_GROUPS, RESTAGE_GROUPS, annual_clearing_job, restage_job

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


def contiguous_ranges(months: set[str], all_months: list[str]) -> list[list[str]]:
    position = {m: i for i, m in enumerate(all_months)}
    ranges: list[list[str]] = []
    for month in sorted((m for m in months if m in position), key=position.get):
        if ranges and position[month] == position[ranges[-1][-1]] + 1:
            ranges[-1].append(month)
        else:
            ranges.append([month])
    return ranges


@sensor(
    jobs=[restage_job, annual_clearing_job],
    minimum_interval_seconds=30,
    default_status=DefaultSensorStatus.RUNNING,
    description="Restage discharge months changed by late uploads or corrections in a later landing folder: "
    "one run per contiguous range of affected months, whatever the number of deliveries.",
)
def late_upload_sensor(context: SensorEvaluationContext):
    result = context.instance.fetch_materializations(RAW_ASSET, limit=1000, cursor=context.cursor, ascending=True)
    if not result.records:
        return SkipReason("no new ingestion since the last tick")
    all_months = restage_job.partitions_def.get_partition_keys()
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
    payment_year = str(load_settings().payment_year)
    graph = context.repository_def.asset_graph if context.repository_def else None

    def selection(groups):
        return list(AssetSelection.groups(*groups).resolve(graph)) if graph else None

    # a run never mixes the payment year with other years: only its months rebuild payment too
    ranges = [chunk for keys in contiguous_ranges(set(touched), all_months)
              for chunk in _split_at(keys, lambda m: m[:4] == payment_year)]
    for keys in ranges:
        tags = {"drgdip/changed_by_landing_months": ",".join(sorted(set().union(*(touched[m] for m in keys))))}
        groups = (*RESTAGE_GROUPS, *PAYMENT_GROUPS) if keys[0][:4] == payment_year else RESTAGE_GROUPS
        kwargs = {"job_name": restage_job.name, "tags": tags, "asset_selection": selection(groups)}
        if len(keys) == 1:
            requests.append(RunRequest(run_key=f"{keys[0]}@{last_id}", partition_key=keys[0], **kwargs))
        else:
            tags.update({"dagster/asset_partition_range_start": keys[0], "dagster/asset_partition_range_end": keys[-1]})
            requests.append(RunRequest(run_key=f"{keys[0]}..{keys[-1]}@{last_id}", **kwargs))
    if any(keys[0][:4] == payment_year for keys in ranges):
        # queued after the restage (the run queue starts one run at a time, in order)
        requests.append(RunRequest(run_key=f"clearing-{payment_year}@{last_id}", job_name=annual_clearing_job.name,
                                   partition_key=payment_year, tags={"drgdip/after": "restage_month"}))
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
