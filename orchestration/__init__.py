"""drgdip: DRG/DIP inpatient payment pipeline (Dagster code location)."""
