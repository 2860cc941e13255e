{{ config(meta={'dagster': {'ref': {'name': 'mart_supervision__hospital_month'}}}) }}
{#- Reconciliation: each hospital-month of mart_supervision__hospital_month counts every case of
    int_supervision__cases once (cases, grouped cases, weight, cost, fund, out-of-pocket, points) and
    every readmission pair once; no hospital-month with cases is missing. Only the months the mart
    holds are compared. Returns the lines that do not add up (both sides shown). -#}
with

mart as (
    select
        data_month, fixmedins_code, cases, grouped_cases, total_weight, total_cost, fund_amount,
        out_of_pocket, points, readmissions_31d
    from {{ ref('mart_supervision__hospital_month') }}
),

{{ supervision_reconciliation() }}
