{#- Monthly pre-settlement (月度预结算, 002_… 二(三)4(2); 004_… 第二十七–二十八条), one row per
    hospital, month and pool:
    points_hm = Σ case points (after coefficients); computed_amount = round(points_hm × predicted
    point value, 2); amount_hm = min(computed_amount, fund amount recorded by item);
    guarantee_hm = round(amount_hm × quality_guarantee_rate, 2) (质量保证金); holdback_hm =
    round(amount_hm × monthly_holdback_rate, 2); paid_hm = amount_hm − guarantee_hm − holdback_hm.
    Half-up rounding at the hospital line. Monthly partition. -#}

with

cases as (
    select * from {{ ref('fct_payment_case') }}
    where {{ month_filter() }}
),

parameters as (
    select year, quality_guarantee_rate, monthly_holdback_rate from {{ ref('int_payment__parameters') }}
),

hospital_month as (
    select
        year,
        data_month,
        fixmedins_code,
        any_value(fixmedins_name) as fixmedins_name,
        pool,
        count(*) as cases,
        count(*) filter (where not has_points) as cases_without_points,
        count(*) filter (where cross_region) as cross_region_cases,
        cast(sum(base_points) as decimal(18, 4)) as base_points,
        cast(sum(points) as decimal(18, 4)) as points,
        cast(sum(fund_amount) as decimal(18, 2)) as fund_amount,
        any_value(predicted_point_value) as predicted_point_value
    from cases
    group by year, data_month, fixmedins_code, pool
),

amounts as (
    select
        h.*,
        cast(round(h.points * h.predicted_point_value, 2) as decimal(18, 2)) as computed_amount,
        p.quality_guarantee_rate,
        p.monthly_holdback_rate
    from hospital_month as h
    left join parameters as p using (year)
),

capped as (
    select
        *,
        cast(least(computed_amount, fund_amount) as decimal(18, 2)) as amount,
        computed_amount > fund_amount as capped_by_fund
    from amounts
),

withheld as (
    select
        *,
        cast(round(amount * quality_guarantee_rate, 2) as decimal(18, 2)) as guarantee,
        cast(round(amount * monthly_holdback_rate, 2) as decimal(18, 2)) as holdback
    from capped
),

final as (
    select
        year,
        data_month,
        fixmedins_code,
        fixmedins_name,
        pool,
        cases,
        cases_without_points,
        cross_region_cases,
        base_points,
        points,
        predicted_point_value,
        computed_amount,
        fund_amount,
        capped_by_fund,
        amount,
        quality_guarantee_rate,
        guarantee,
        monthly_holdback_rate,
        holdback,
        cast(amount - guarantee - holdback as decimal(18, 2)) as paid
    from withheld
)

select * from final
