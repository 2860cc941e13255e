{#- The budget and its use for year var('year'), one row per pool (区域总额预算与清算): the budget
    lines (int_payment__budget), the predicted point value the months used, and the clearing
    outcome summed from mart_clearing__hospital_year: pool points, clearing point value, Σ D_h,
    surplus kept by the fund, adjustment fund used, Σ cleared. Yearly partition (tag yearly). -#}
{{ config(tags=['yearly']) }}

{%- set year = payment_year(yearly=true) %}

with

budget as (
    select * from {{ ref('int_payment__budget') }}
    where year = {{ year }}
),

clearing as (
    select
        pool,
        count(*) as hospitals,
        sum(cases) as cases,
        cast(sum(points) as decimal(18, 4)) as clearing_points,
        any_value(clearing_point_value) as clearing_point_value,
        cast(sum(pre_clearing_amount) as decimal(18, 2)) as pre_clearing_total,
        cast(sum(surplus_kept_by_fund) as decimal(18, 2)) as surplus_kept_by_fund,
        cast(sum(adjustment_fund_used) as decimal(18, 2)) as adjustment_fund_used,
        cast(sum(cleared_amount) as decimal(18, 2)) as cleared_total,
        cast(sum(payable) as decimal(18, 2)) as payable_total
    from {{ ref('mart_clearing__hospital_year') }}
    where year = {{ year }}
    group by pool
),

final as (
    select
        b.year,
        b.pool,
        b.fund_revenue,
        b.risk_reserve_rate,
        b.risk_reserve,
        b.deduct_outpatient,
        b.deduct_chronic,
        b.deduct_cross_region_manual,
        b.deduct_other_methods,
        b.deduct_critical_illness,
        b.deductions_total,
        b.inpatient_budget,
        b.pool_share,
        b.pool_budget,
        b.history_points,
        b.expected_points_growth,
        b.expected_points,
        b.predicted_point_value,
        b.reserve_used,
        b.reserve_remaining,
        b.adjustment_fund_clearing_share,
        b.reserve_to_clearing,
        b.pool_reserve_to_clearing,
        b.pool_clearing_budget,
        b.adjustment_fund,
        coalesce(c.hospitals, 0) as hospitals,
        coalesce(c.cases, 0) as cases,
        coalesce(c.clearing_points, 0) as clearing_points,
        c.clearing_point_value,
        coalesce(c.pre_clearing_total, 0) as pre_clearing_total,
        coalesce(c.surplus_kept_by_fund, 0) as surplus_kept_by_fund,
        coalesce(c.adjustment_fund_used, 0) as adjustment_fund_used,
        coalesce(c.cleared_total, 0) as cleared_total,
        coalesce(c.payable_total, 0) as payable_total
    from budget as b
    left join clearing as c using (pool)
)

select * from final
