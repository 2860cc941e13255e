{#- The budget figures of every year (input layer): seeds/payment_budget.csv, or the inputs'
    budget.csv in files mode (same columns). -#}
{{ config(materialized='view') }}

with

budget as (
    {%- if payment_inputs_mode() == 'files' %}
    select * from {{ payment_file_table('budget') }}
    {%- else %}
    select * from {{ ref('payment_budget') }}
    {%- endif %}
),

final as (
    select
        cast(year as integer) as year,
        cast(fund_revenue as decimal(18, 2)) as fund_revenue,
        cast(coalesce(deduct_outpatient, 0) as decimal(18, 2)) as deduct_outpatient,
        cast(coalesce(deduct_chronic, 0) as decimal(18, 2)) as deduct_chronic,
        cast(coalesce(deduct_cross_region_manual, 0) as decimal(18, 2)) as deduct_cross_region_manual,
        cast(coalesce(deduct_other_methods, 0) as decimal(18, 2)) as deduct_other_methods,
        cast(coalesce(deduct_critical_illness, 0) as decimal(18, 2)) as deduct_critical_illness,
        cast(coalesce(reserve_used, 0) as decimal(18, 2)) as reserve_used,
        cast(drg_pool_share as decimal(9, 6)) as drg_pool_share
    from budget
)

select * from final
