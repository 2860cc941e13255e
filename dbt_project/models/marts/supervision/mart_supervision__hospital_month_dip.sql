{#- Supervision indicators of the DIP hospitals per month and DIP disease (病种), one row per DIP
    hospital × discharge month × dip_disease_code: cases, cost and stay, points and the share of
    high- and low-deviation cases (费用偏差病例: the DIP counterpart of high/low-multiple cases).
    Every case of a DIP hospital's month in int_supervision__cases is counted once; cases without a
    DIP disease (not paid by DIP, no key, no score) under dip_disease_code = 'NONE', so the rows of a
    hospital-month add up to its cases in mart_supervision__hospital_month.

    mean_cost = Σ cost / cases with a cost; mean_los the same with the stay;
    points = Σ case points (after the hospital coefficient); mean_points = points / cases with points;
    high_multiple_share = high cases / cases paid by a disease (high, low or normal), low the same.
    Shares are double; money sums decimal(18,2), summed exactly; any division by zero gives NULL.
    Monthly partition. -#}

with

dip_cases as (
    select
        fixmedins_code, fixmedins_name, level_tier, payment_method, data_month, year,
        coalesce(dip_disease_code, 'NONE') as dip_disease_code, los_days, medfee_sumamt, multiple_type, points
    from {{ ref('int_supervision__cases') }}
    where data_month = {{ partition_month() }} and payment_method = 'DIP'
),

hospital_month_disease as (
    select
        fixmedins_code,
        data_month,
        dip_disease_code,
        any_value(fixmedins_name) as fixmedins_name,
        any_value(level_tier) as level_tier,
        any_value(payment_method) as payment_method,
        any_value(year) as year,
        count(*) as cases,
        sum(medfee_sumamt) as total_cost,
        avg(medfee_sumamt) as mean_cost,
        avg(los_days) as mean_los,
        sum(points) as points,
        count(points) as pointed_cases,
        count(*) filter (where multiple_type in ('high', 'low', 'normal')) as group_paid_cases,
        count(*) filter (where multiple_type = 'high') as high_multiple_cases,
        count(*) filter (where multiple_type = 'low') as low_multiple_cases
    from dip_cases
    group by fixmedins_code, data_month, dip_disease_code
),

final as (
    select
        fixmedins_code,
        fixmedins_name,
        cast(level_tier as integer) as level_tier,
        payment_method,
        data_month,
        cast(year as integer) as year,
        dip_disease_code,
        cast(cases as integer) as cases,
        cast(total_cost as decimal(18, 2)) as total_cost,
        cast(mean_cost as double) as mean_cost,
        cast(mean_los as double) as mean_los,
        cast(points as decimal(18, 4)) as points,
        cast(points / nullif(pointed_cases, 0) as double) as mean_points,
        cast(group_paid_cases as integer) as group_paid_cases,
        cast(high_multiple_cases as integer) as high_multiple_cases,
        cast(high_multiple_cases / nullif(group_paid_cases, 0) as double) as high_multiple_share,
        cast(low_multiple_cases as integer) as low_multiple_cases,
        cast(low_multiple_cases / nullif(group_paid_cases, 0) as double) as low_multiple_share
    from hospital_month_disease
)

select * from final
