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
