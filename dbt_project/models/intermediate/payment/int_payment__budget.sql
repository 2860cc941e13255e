{#- The budget of every year by pool (区域总额预算, 002_… 二(一); 004_… 第十三–十六条), one row per
    year and pool; a view, so the monthly pre-settlement reads its predicted point value without
    waiting for the year's clearing.

    reserve = round(revenue × risk_reserve_rate); inpatient budget = revenue − reserve − the five
    deductions; DRG pool = round(inpatient × drg_pool_share), DIP pool = the rest (cents conserved).
    At year end the reserve left after reserve_used is split: round(remaining ×
    adjustment_fund_clearing_share) into the clearing budget (to the pools by the same share), the
    rest into the adjustment fund (调节金, region-wide, both pools).
    predicted point value (预测点值) = pool budget / (history points × (1 + growth)), 6 decimals,
    half up. -#}
{{ config(materialized='view') }}

with

budget as (
    select * from {{ ref('int_payment__budget_inputs') }}
),

parameters as (
    select * from {{ ref('int_payment__parameters') }}
),

history as (
    select year, pool, sum(points) as history_points
    from {{ ref('int_payment__history_points') }}
    group by all
),

yearly as (
    select
        b.*,
        p.risk_reserve_rate,
        p.adjustment_fund_clearing_share,
        p.adjustment_fund_overspend_share,
        p.payment_expected_points_growth,
        cast(round(b.fund_revenue * p.risk_reserve_rate, 2) as decimal(18, 2)) as risk_reserve,
        cast(b.deduct_outpatient + b.deduct_chronic + b.deduct_cross_region_manual + b.deduct_other_methods
            + b.deduct_critical_illness as decimal(18, 2)) as deductions_total
    from budget as b
    inner join parameters as p using (year)
),

yearly_budget as (
    select
        *,
        cast(fund_revenue - risk_reserve - deductions_total as decimal(18, 2)) as inpatient_budget,
        cast(greatest(risk_reserve - reserve_used, 0) as decimal(18, 2)) as reserve_remaining
    from yearly
),

yearly_split as (
    select
        *,
        cast(round(inpatient_budget * drg_pool_share, 2) as decimal(18, 2)) as drg_pool_budget,
        cast(round(reserve_remaining * adjustment_fund_clearing_share, 2) as decimal(18, 2)) as reserve_to_clearing
    from yearly_budget
),

yearly_final as (
    select
        *,
        cast(inpatient_budget - drg_pool_budget as decimal(18, 2)) as dip_pool_budget,
        cast(reserve_remaining - reserve_to_clearing as decimal(18, 2)) as adjustment_fund,
        cast(round(reserve_to_clearing * drg_pool_share, 2) as decimal(18, 2)) as drg_reserve_to_clearing
    from yearly_split
),

pools as (
    select
        y.*,
        pool.name as pool,
        case pool.name when 'DRG' then y.drg_pool_share else 1 - y.drg_pool_share end as pool_share,
        case pool.name when 'DRG' then y.drg_pool_budget else y.dip_pool_budget end as pool_budget,
        case pool.name
            when 'DRG' then y.drg_reserve_to_clearing
            else y.reserve_to_clearing - y.drg_reserve_to_clearing
        end as pool_reserve_to_clearing
    from yearly_final as y
    cross join (values ('DRG'), ('DIP')) as pool(name)
),

with_points as (
    select
        p.*,
        h.history_points,
        cast(round(h.history_points * (1 + p.payment_expected_points_growth), 4) as decimal(18, 4)) as expected_points
    from pools as p
    left join history as h using (year, pool)
),

final as (
    select
        year,
        pool,
        fund_revenue,
        risk_reserve_rate,
        risk_reserve,
        deduct_outpatient,
        deduct_chronic,
        deduct_cross_region_manual,
        deduct_other_methods,
        deduct_critical_illness,
        deductions_total,
        inpatient_budget,
        cast(pool_share as decimal(9, 6)) as pool_share,
        pool_budget,
        reserve_used,
        reserve_remaining,
        adjustment_fund_clearing_share,
        reserve_to_clearing,
        cast(pool_reserve_to_clearing as decimal(18, 2)) as pool_reserve_to_clearing,
        cast(pool_budget + pool_reserve_to_clearing as decimal(18, 2)) as pool_clearing_budget,
        adjustment_fund,
        history_points,
        payment_expected_points_growth as expected_points_growth,
        expected_points,
        case when expected_points > 0 then
            cast(cast({{ payment_div_half_up(payment_cents('pool_budget') ~ ' * 100000000', payment_points_e4('expected_points')) }}
                as decimal(38, 0)) * 0.000001 as decimal(18, 6))
        end as predicted_point_value
    from with_points
)

select * from final
