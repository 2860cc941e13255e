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

from orchestration.partitions import monthly_partitions, yearly_partitions

reference_job = define_asset_job(
    "reference_data",
    selection=AssetSelection.groups("reference"),
    description="Load the reference seeds (catalogues, grouping tables, policy parameters).",
)

monthly_job = define_asset_job(
    "monthly_cycle",
    selection=AssetSelection.groups("ingestion", "staging", "quality", "grouping"),
    partitions_def=monthly_partitions,
    description="One month: ingest the landing folder, stage the discharge month, validate, report "
    "quality, group every case (DRG and DIP).",
)

RESTAGE_GROUPS = ("staging", "quality", "grouping")
PAYMENT_GROUPS = ("payment", "supervision")

restage_job = define_asset_job(
    "restage_month",
    selection=AssetSelection.groups(*RESTAGE_GROUPS, *PAYMENT_GROUPS),
    partitions_def=monthly_partitions,
    description=(
        "Rebuild discharge months from raw without re-ingesting, and everything downstream of them: what "
        "a late upload or a correction delivered in a later landing folder requires. Months of the payment "
        "year get their pre-settlement and supervision rebuilt too (the late-upload sensor selects them, "
        "and asks for the year's clearing after)."
    ),
)

annual_reference_job = define_asset_job(
    "annual_reference",
    selection=AssetSelection.groups("weights"),
    partitions_def=yearly_partitions,
    description="Before a payment year: DRG weights, DIP disease library and auxiliary coefficients "
    "from the history years.",
)

monthly_payment_job = define_asset_job(
    "monthly_payment",
    selection=AssetSelection.groups("payment"),
    partitions_def=monthly_partitions,
    description="One month of the payment year: case points and the monthly pre-settlement.",
)

monthly_supervision_job = define_asset_job(
    "monthly_supervision",
    selection=AssetSelection.groups("supervision"),
    partitions_def=monthly_partitions,
    description="One month of the payment year, after its payment: supervision indicators per hospital, "
    "MDC and DIP disease, readmission pairs and the peer-compared flags (upcoding, split admissions, "
    "cost shifting, under-service, patient shirking).",
)

annual_clearing_job = define_asset_job(
    "annual_clearing",
    selection=AssetSelection.groups("clearing"),
    partitions_def=yearly_partitions,
    description="The annual clearing of a payment year under the global budget, with reconciliation.",
)

JOBS = [reference_job, monthly_job, restage_job, annual_reference_job, monthly_payment_job,
        monthly_supervision_job, annual_clearing_job]
