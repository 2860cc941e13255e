"""Partitions, defined once: a monthly partition is the discharge month (data month)."""

from __future__ import annotations

from dagster import MonthlyPartitionsDefinition, TimeWindowPartitionsDefinition

from orchestration.config import load_settings

_settings = load_settings()

monthly_partitions: TimeWindowPartitionsDefinition = MonthlyPartitionsDefinition(
    start_date=f"{_settings.first_year}-01",
    end_date=f"{_settings.last_year + 1}-01",
    fmt="%Y-%m",
)

# The months that are paid (pre-settlement, supervision): from January of the payment year on.
# Earlier years are history: grouped and weighed, never paid here.
payment_month_partitions: TimeWindowPartitionsDefinition = MonthlyPartitionsDefinition(
    start_date=f"{_settings.payment_year}-01",
    end_date=f"{_settings.last_year + 1}-01",
    fmt="%Y-%m",
)

# Dagster has no yearly shortcut: a time window on a January-1st cron schedule.
yearly_partitions = TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *",
    start=f"{_settings.first_year}",
    end=f"{_settings.last_year + 1}",
    fmt="%Y",
)


# The run tags of a single-run backfill over a partition range: what the UI, the CLI and the
# late-upload sensor launch, and how a step that is not itself partitioned finds the run's months.
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"


def range_tags(keys: list[str]) -> dict[str, str]:
    """The tags of one run over the contiguous partition keys `keys` (none for a single key)."""
    return {} if len(keys) < 2 else {RANGE_START_TAG: keys[0], RANGE_END_TAG: keys[-1]}


def contiguous_ranges(keys, all_keys: list[str]) -> list[list[str]]:
    """`keys` (those in `all_keys`) as runs of consecutive partitions, in order: one run each."""
    position = {k: i for i, k in enumerate(all_keys)}
    ranges: list[list[str]] = []
    for key in sorted({k for k in keys if k in position}, key=position.get):
        if ranges and position[key] == position[ranges[-1][-1]] + 1:
            ranges[-1].append(key)
        else:
            ranges.append([key])
    return ranges
