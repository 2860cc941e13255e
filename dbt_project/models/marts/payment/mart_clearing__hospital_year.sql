{#- Annual clearing (年度清算, 004_… 第三十条; 002_… 二(三)4(3)(4)), one row per hospital and pool
    of year var('year'), line by line:

    1. points_h = Σ final case points (approved special cases replace computed points);
       clearing point value = pool clearing budget / pool points;
       D_h = points_h × value in cents, floored, plus one cent for the hospitals with the largest
       remainders until Σ D_h = the pool's clearing budget exactly (largest remainder; ties by code).
    2. F_h = fund amount by item − audit deductions; band by r = D_h / F_h:
       surplus (r ≥ 1): cleared = min(D_h, round(clearing_surplus_cap_ratio × F_h)), the rest
       stays in the fund (结余留用); reasonable_overspend (clearing_overspend_floor_ratio ≤ r < 1):
       requested = round(overspend_fund_share × (F_h − D_h)), paid from the adjustment fund
       (合理超支分担), all requests scaled pro rata with largest-remainder cents when the fund is
       short; below_floor (r < floor): cleared = D_h. F_h ≤ 0: band no_fund_amount, cleared = 0.
    3. guarantee_returned = round(Σ guarantee_hm × score / 100) (no score: nothing returned);
       annual_due = cleared − penalties − guarantee_forfeited; payable = annual_due − Σ paid_hm
       (negative: the agency recovers).
    Yearly partition (tag yearly). -#}
{{ config(tags=['yearly']) }}

{%- set year = payment_year(yearly=true) %}

with

cases as (
    select * from {{ ref('int_payment__clearing_cases') }}
    where year = {{ year }}
),

monthly as (
    select * from {{ ref('mart_payment__hospital_month') }}
    where year = {{ year }}
),

budget as (
    select * from {{ ref('int_payment__budget') }}
    where year = {{ year }}
),

parameters as (
    select * from {{ ref('int_payment__parameters') }}
    where year = {{ year }}
),

hospitals as (
    select * from {{ ref('int_payment__hospitals') }}
    where year = {{ year }}
),

adjustments as (
    select * from {{ ref('int_payment__hospital_adjustments') }}
    where year = {{ year }}
),

hospital_cases as (
    select
        fixmedins_code,
        pool,
        count(*) as cases,
        count(*) filter (where cross_region) as cross_region_cases,
        count(*) filter (where special_case_decision = 'approved') as special_cases_approved,
        cast(sum(computed_points) as decimal(18, 4)) as computed_points,
        cast(sum(points) as decimal(18, 4)) as points,
        cast(sum(fund_amount) as decimal(18, 2)) as fund_amount
    from cases
    group by fixmedins_code, pool
),

hospital_monthly as (
    select
        fixmedins_code,
        pool,
        cast(sum(amount) as decimal(18, 2)) as monthly_amount,
        cast(sum(guarantee) as decimal(18, 2)) as guarantee_withheld,
        cast(sum(holdback) as decimal(18, 2)) as holdback_withheld,
        cast(sum(paid) as decimal(18, 2)) as monthly_paid
    from monthly
    group by fixmedins_code, pool
),

pooled as (
    select
        h.*,
        b.pool_clearing_budget,
        b.adjustment_fund,
        sum(h.points) over (partition by h.pool) as pool_points,
        {{ payment_cents('b.pool_clearing_budget') }} * {{ payment_points_e4('h.points') }} as share_numerator,
        sum({{ payment_points_e4('h.points') }}) over (partition by h.pool) as share_denominator
    from hospital_cases as h
    left join budget as b using (pool)
),

floored as (
    select
        *,
        case when share_denominator > 0 then share_numerator // share_denominator else 0 end as d_floor_cents,
        case when share_denominator > 0 then share_numerator % share_denominator else 0 end as d_remainder
    from pooled
),

remainders as (
    select
        *,
        {{ payment_cents('pool_clearing_budget') }} - sum(d_floor_cents) over (partition by pool) as pool_cents_left,
        row_number() over (partition by pool order by d_remainder desc, fixmedins_code) as remainder_rank
    from floored
),

pre_cleared as (
    select
        r.*,
        case when r.share_denominator > 0 and r.remainder_rank <= r.pool_cents_left then 1 else 0 end as rounding_cents,
        {{ payment_yuan('r.d_floor_cents + case when r.share_denominator > 0 and r.remainder_rank <= r.pool_cents_left then 1 else 0 end') }} as pre_clearing_amount,
        coalesce(a.audit_deductions, 0) as audit_deductions,
        coalesce(a.penalties, 0) as penalties,
        a.assessment_score,
        p.clearing_surplus_cap_ratio,
        p.clearing_overspend_floor_ratio,
        p.overspend_fund_share
    from remainders as r
    left join adjustments as a using (fixmedins_code)
    cross join parameters as p
),

banded as (
    select
        *,
        cast(fund_amount - audit_deductions as decimal(18, 2)) as fund_amount_after_audit,
        case
            when fund_amount - audit_deductions <= 0 then 'no_fund_amount'
            when pre_clearing_amount >= fund_amount - audit_deductions then 'surplus'
            when pre_clearing_amount >= clearing_overspend_floor_ratio * (fund_amount - audit_deductions) then 'reasonable_overspend'
            else 'below_floor'
        end as band
    from pre_cleared
),

requested as (
    select
        *,
        case when band = 'surplus' then cast(round(clearing_surplus_cap_ratio * fund_amount_after_audit, 2) as decimal(18, 2)) end as surplus_cap_amount,
        case when band = 'reasonable_overspend'
            then cast(round(overspend_fund_share * (fund_amount_after_audit - pre_clearing_amount), 2) as decimal(18, 2))
            else 0
        end as overspend_share_requested
    from banded
),

fund_shares as (
    select
        *,
        {{ payment_cents('adjustment_fund') }} as fund_cents,
        sum({{ payment_cents('overspend_share_requested') }}) over () as requested_cents_total,
        {{ payment_cents('adjustment_fund') }} * {{ payment_cents('overspend_share_requested') }} as fund_numerator
    from requested
),

fund_floored as (
    select
        *,
        case when requested_cents_total > fund_cents then fund_numerator // requested_cents_total end as used_floor_cents,
        case when requested_cents_total > fund_cents then fund_numerator % requested_cents_total end as used_remainder
    from fund_shares
),

fund_allocated as (
    select
        *,
        fund_cents - sum(coalesce(used_floor_cents, 0)) over () as fund_cents_left,
        row_number() over (
            order by overspend_share_requested > 0 desc, used_remainder desc nulls last, fixmedins_code, pool
        ) as fund_rank
    from fund_floored
),

cleared as (
    select
        *,
        case
            when requested_cents_total <= fund_cents then overspend_share_requested
            when overspend_share_requested = 0 then cast(0 as decimal(18, 2))
            else {{ payment_yuan('used_floor_cents + case when fund_rank <= fund_cents_left then 1 else 0 end') }}
        end as adjustment_fund_used
    from fund_allocated
),

settled as (
    select
        c.*,
        cast(case when band = 'surplus' then pre_clearing_amount - least(pre_clearing_amount, surplus_cap_amount) else 0 end
            as decimal(18, 2)) as surplus_kept_by_fund,
        cast(case
            when band = 'no_fund_amount' then 0
            when band = 'surplus' then least(pre_clearing_amount, surplus_cap_amount)
            else pre_clearing_amount + adjustment_fund_used
        end as decimal(18, 2)) as cleared_amount,
        coalesce(m.monthly_amount, 0) as monthly_amount,
        coalesce(m.guarantee_withheld, 0) as guarantee_withheld,
        coalesce(m.holdback_withheld, 0) as holdback_withheld,
        coalesce(m.monthly_paid, 0) as monthly_paid
    from cleared as c
    left join hospital_monthly as m using (fixmedins_code, pool)
),

guaranteed as (
    select
        *,
        cast(coalesce(round(guarantee_withheld * assessment_score / 100, 2), 0) as decimal(18, 2)) as guarantee_returned
    from settled
),

final as (
    select
        {{ year }} as year,
        g.fixmedins_code,
        h.fixmedins_name,
        g.pool,
        h.coefficient,
        g.cases,
        g.cross_region_cases,
        g.special_cases_approved,
        g.computed_points,
        cast(g.points - g.computed_points as decimal(18, 4)) as special_case_points_delta,
        g.points,
        cast(g.pool_points as decimal(18, 4)) as pool_points,
        g.pool_clearing_budget,
        case when g.share_denominator > 0 then
            cast(cast({{ payment_div_half_up(payment_cents('g.pool_clearing_budget') ~ ' * 100000000', 'g.share_denominator') }}
                as decimal(38, 0)) * 0.000001 as decimal(18, 6))
        end as clearing_point_value,
        g.pre_clearing_amount,
        g.rounding_cents,
        g.fund_amount,
        g.audit_deductions,
        g.fund_amount_after_audit,
        case when g.fund_amount_after_audit > 0 then
            cast(cast({{ payment_div_half_up(payment_cents('g.pre_clearing_amount') ~ ' * 1000000', payment_cents('g.fund_amount_after_audit')) }}
                as decimal(38, 0)) * 0.000001 as decimal(18, 6))
        end as clearing_ratio,
        g.band,
        g.clearing_surplus_cap_ratio,
        g.clearing_overspend_floor_ratio,
        g.surplus_cap_amount,
        g.surplus_kept_by_fund,
        g.overspend_fund_share,
        g.overspend_share_requested,
        g.adjustment_fund as adjustment_fund_available,
        g.adjustment_fund_used,
        g.cleared_amount,
        g.penalties,
        g.monthly_amount,
        g.guarantee_withheld,
        g.assessment_score,
        g.guarantee_returned,
        cast(g.guarantee_withheld - g.guarantee_returned as decimal(18, 2)) as guarantee_forfeited,
        g.holdback_withheld,
        cast(g.cleared_amount - g.penalties - (g.guarantee_withheld - g.guarantee_returned) as decimal(18, 2)) as annual_due,
        g.monthly_paid,
        cast(g.cleared_amount - g.penalties - (g.guarantee_withheld - g.guarantee_returned) - g.monthly_paid
            as decimal(18, 2)) as payable
    from guaranteed as g
    left join hospitals as h using (fixmedins_code)
)

select * from final
