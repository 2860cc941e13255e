{{ config(meta={'dagster': {'ref': {'name': 'mart_supervision__hospital_month_mdc'}}}) }}
{#- Reconciliation: the MDC rows of a hospital-month in mart_supervision__hospital_month_mdc add up
    to the hospital-month's cases in int_supervision__cases (cases, grouped cases, weight, cost,
    fund, out-of-pocket, points, readmission pairs): every case under exactly one MDC (or NONE).
    Only the months the mart holds are compared. Returns the hospital-months that do not add up. -#}
with

mart as (
    select
        data_month,
        fixmedins_code,
        sum(cases) as cases,
        sum(grouped_cases) as grouped_cases,
        sum(total_weight) as total_weight,
        sum(total_cost) as total_cost,
        sum(fund_amount) as fund_amount,
        sum(out_of_pocket) as out_of_pocket,
        sum(points) as points,
        sum(readmissions_31d) as readmissions_31d
    from {{ ref('mart_supervision__hospital_month_mdc') }}
    group by all
),

{{ supervision_reconciliation() }}
