"""Jobs: the named selections the data team launches (UI, CLI, sensors).

The yearly cycle, in the order `drgdip demo` runs it:
1. `reference_data`: the seeds (catalogues, grouping tables, policy parameters);
2. `monthly_cycle` for every month: ingest, stage, validate, group (DRG and DIP);
3. `annual_reference` for the payment year: weights and the DIP library from the history years;
4. `monthly_payment` for each month of the payment year: case points and pre-settlement;
5. `monthly_supervision` for each month of the payment year: indicators and peer-compared flags;
6. `annual_clearing` for the payment year: budget, clearing (with confirmed flags' penalties),
   reconciliation.
"""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

reference_job = define_asset_job(
    "reference_data",
    selection=AssetSelection.groups("reference"),
    description="Load the reference seeds (catalogues, grouping tables, policy parameters).",
)

monthly_job = define_asset_job(
    "monthly_cycle",
    selection=AssetSelection.groups("ingestion", "staging", "quality", "grouping"),
    description="Discharge months (a backfill is one run): ingest every landing folder of the range, then "
    "stage the months, validate, report quality, group every case (DRG and DIP).",
)

restage_job = define_asset_job(
    "restage_month",
    selection=AssetSelection.groups("staging", "quality", "grouping"),
    description=(
        "Rebuild discharge months from raw without re-ingesting: what a late upload or a correction "
        "delivered in a later landing folder requires. For months of the payment year the late-upload "
        "sensor queues monthly_payment, monthly_supervision and annual_clearing after it."
    ),
)

annual_reference_job = define_asset_job(
    "annual_reference",
    selection=AssetSelection.groups("weights"),
    description="Before a payment year: DRG weights, DIP disease library and auxiliary coefficients "
    "from the history years.",
)

monthly_payment_job = define_asset_job(
    "monthly_payment",
    selection=AssetSelection.groups("payment"),
    description="Months of the payment year (a backfill is one run): case points and the monthly "
    "pre-settlement.",
)

monthly_supervision_job = define_asset_job(
    "monthly_supervision",
    selection=AssetSelection.groups("supervision"),
    description="Months of the payment year, after their payment: supervision indicators per hospital, "
    "MDC and DIP disease, readmission pairs and the peer-compared flags (upcoding, split admissions, "
    "cost shifting, under-service, patient shirking).",
)

annual_clearing_job = define_asset_job(
    "annual_clearing",
    selection=AssetSelection.groups("clearing"),
    description="The annual clearing of a payment year under the global budget, with reconciliation.",
)

JOBS = [reference_job, monthly_job, restage_job, annual_reference_job, monthly_payment_job,
        monthly_supervision_job, annual_clearing_job]
