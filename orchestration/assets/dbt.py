"""dbt as Dagster assets (the project, manifest and translator are in `orchestration.project`).

- `reference_seeds`: every seed, unpartitioned, group `reference`.
- `per_run_models`: what has no partition: the routing tables `staging.base_raw__*` (every raw
  row with its status, rebuilt once per run from the whole raw layer) and the views (payment
  parameters, budget inputs, the flag reviews). Built in whichever run selects them, before the
  partitioned models that read them.
- `monthly_models`: the monthly models (staging, quality, grouping), partitioned by discharge
  month. A backfill is ONE run (`BackfillPolicy.single_run()`): one `dbt build` per calendar year
  of the run's months (the policy parameters and grouping scheme are per year).
- `payment_models`: case points and the monthly pre-settlement, partitioned by the months of the
  payment year(s) only (`payment_month_partitions`); one `dbt build` per year of the run.
- `supervision_models`: the supervision indicators and flags (payment months), whose rules compare
  one month with the months before it: one `dbt build` per month of the run, in the same run.
- `yearly_models`: weights and library from the history years, budget, clearing; one `dbt build`
  per year of the run.
dbt tests arrive as Dagster asset checks (dagster-dbt's default) with dbt's severity.
"""

# No `from __future__ import annotations`: Dagster inspects the context and resource annotations.

from collections.abc import Iterable, Iterator

from dagster import AssetCheckResult, AssetExecutionContext, BackfillPolicy, Output
from dagster_dbt import DbtCliResource, dbt_assets
from dagster_duckdb import DuckDBResource

from orchestration.partitions import monthly_partitions, payment_month_partitions, yearly_partitions
from orchestration.progress import report
from orchestration.project import TRANSLATOR, dbt_environment, dbt_project, ensure_manifest, run_target_path

MANIFEST = ensure_manifest()
SUPERVISION = "path:models/intermediate/supervision path:models/marts/supervision"
PAYMENT = "path:models/intermediate/payment path:models/marts/payment"
PER_RUN = "config.materialized:table config.materialized:view"


def _by_year(months: Iterable[str]) -> list[list[str]]:
    chunks: dict[str, list[str]] = {}
    for month in sorted(months):
        chunks.setdefault(month[:4], []).append(month)
    return list(chunks.values())


def _build(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBResource,
           windows: list[dict[str, str]], args: list[str] | None = None, test_at_end: bool = False) -> Iterator:
    """`dbt build` once per window (months or year, see `dbt_environment`), in order. A step may
    yield each asset's output and each check's result once: with several windows, an asset's
    output is the last window's (its metadata names every window) and a check keeps its worst
    result, so a failing test in any window fails the check. With `test_at_end`, the windows before
    the last are `dbt run` only and the last is a `dbt build`: the tests run once, on the tables
    as the whole run left them (the project's tests read whole tables, not one month)."""
    target = run_target_path(warehouse.database)
    outputs: dict[str, Output] = {}
    checks: dict = {}
    for i, window in enumerate(windows, 1):
        label = " .. ".join(dict.fromkeys(v for v in window.values() if v))
        command = "run" if test_at_end and i < len(windows) else "build"
        report(context, f"dbt {command} {i}/{len(windows)} {context.op_execution_context.op.name}: {label or 'all'}")
        with dbt_environment(warehouse.database, **window):
            invocation = dbt.cli([command, *(args or [])], context=context, target_path=target)
        for event in invocation.stream():
            if isinstance(event, Output):
                outputs[event.output_name] = event
            elif isinstance(event, AssetCheckResult):
                key = (event.asset_key, event.check_name)
                if key not in checks or (checks[key].passed and not event.passed):
                    checks[key] = event
            else:
                yield event
    labels = [" .. ".join(dict.fromkeys(v for v in w.values() if v)) for w in windows]
    for output in outputs.values():
        yield output.with_metadata({**output.metadata, "dbt_windows": ", ".join(labels)})
    yield from checks.values()


@dbt_assets(
    manifest=MANIFEST,
    project=dbt_project,
    select="resource_type:seed",
    name="reference_seeds",
    dagster_dbt_translator=TRANSLATOR,
    pool="warehouse",
)
def reference_seeds(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBResource):
    """The reference catalogues, grouping tables and policy parameters (dbt seeds) and their tests."""
    # cautious: only tests whose parents are all seeds (a model's relationship to a seed runs with the model)
    yield from _build(context, dbt, warehouse, [{}], ["--indirect-selection", "cautious"])


@dbt_assets(
    manifest=MANIFEST,
    project=dbt_project,
    select=PER_RUN,
    exclude="resource_type:seed",
    name="per_run_models",
    dagster_dbt_translator=TRANSLATOR,
    pool="warehouse",
)
def per_run_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBResource):
    """The routing tables and the views: no partition, rebuilt in the run that selects them."""
    yield from _build(context, dbt, warehouse, [{}])


def _month_models(name: str, partitions_def, *, select: str = "fqn:*", exclude: str, month_by_month: bool = False):
    """The dbt models of a run's months as one multi-asset (a backfill is one run): one `dbt build`
    per calendar year of the months, or, `month_by_month`, one `dbt run` per month (each month's
    rules read the months before it, which the previous one has just written) and the tests once."""

    @dbt_assets(
        manifest=MANIFEST,
        project=dbt_project,
        select=select,
        exclude=exclude,
        name=name,
        partitions_def=partitions_def,
        backfill_policy=BackfillPolicy.single_run(),
        dagster_dbt_translator=TRANSLATOR,
        pool="warehouse",
    )
    def _models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBResource):
        months = sorted(context.partition_keys)
        if month_by_month:
            yield from _build(context, dbt, warehouse, [{"first_month": m} for m in months], test_at_end=True)
        else:
            windows = [{"first_month": m[0], "last_month": m[-1]} for m in _by_year(months)]
            yield from _build(context, dbt, warehouse, windows)

    return _models


# staging, quality and grouping of the discharge months
monthly_models = _month_models("monthly_models", monthly_partitions,
                               exclude=f"resource_type:seed tag:yearly {PER_RUN} {PAYMENT} {SUPERVISION}")
# case points and pre-settlement of the paid months
payment_models = _month_models("payment_models", payment_month_partitions, select=PAYMENT,
                               exclude=f"tag:yearly {PER_RUN}")
# supervision of the paid months, month after month
supervision_models = _month_models("supervision_models", payment_month_partitions, select=SUPERVISION,
                                   exclude=PER_RUN, month_by_month=True)


@dbt_assets(
    manifest=MANIFEST,
    project=dbt_project,
    select="tag:yearly",
    exclude=f"resource_type:seed {PER_RUN}",
    name="yearly_models",
    partitions_def=yearly_partitions,
    backfill_policy=BackfillPolicy.single_run(),
    dagster_dbt_translator=TRANSLATOR,
    pool="warehouse",
)
def yearly_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: DuckDBResource):
    """The yearly dbt models (weights and library from history, budget, clearing) of each year of
    the run."""
    windows = [{"year": y, "first_month": f"{y}-12"} for y in sorted(context.partition_keys)]
    yield from _build(context, dbt, warehouse, windows)


ASSETS = [reference_seeds, per_run_models, monthly_models, payment_models, supervision_models, yearly_models]
