{#- One row per case of the month with its hospital coefficient and points after it (病例点数):
    points = base points × coefficient, 4 decimals half up, where the coefficient is the uniform
    one for basic groups / primary-care diseases and the hospital's otherwise. indicative_amount =
    points × the pool's predicted point value (for explanation only: the pre-settlement rounds at
    the hospital line, mart_payment__hospital_month). Monthly partition. -#}

with

cases as (
    select * from {{ ref('int_payment__cases') }}
    where {{ month_filter() }}
),

hospitals as (
    select * from {{ ref('int_payment__hospitals') }}
),

budget as (
    select year, pool, predicted_point_value from {{ ref('int_payment__budget') }}
),

coefficients as (
    select
        c.*,
        h.fixmedins_name,
        h.pool as hospital_pool,
        h.coefficient as hospital_coefficient,
        case when c.uniform_coefficient_flag then h.uniform_coefficient else h.coefficient end as coefficient,
        case when h.fixmedins_code is null then 'unknown_hospital'
            when c.uniform_coefficient_flag then 'uniform' else 'hospital' end as coefficient_source
    from cases as c
    left join hospitals as h using (year, fixmedins_code)
),

final as (
    select
        c.setl_id,
        c.fixmedins_code,
        c.fixmedins_name,
        c.data_month,
        c.year,
        c.pool,
        c.hospital_pool,
        c.group_code,
        c.case_type,
        c.has_points,
        c.base_points,
        c.uniform_coefficient_flag,
        c.coefficient_source,
        cast(c.coefficient as decimal(12, 4)) as coefficient,
        cast(round(c.base_points * c.coefficient, 4) as decimal(18, 4)) as points,
        c.fund_amount,
        c.insu_admdvs,
        c.cross_region,
        b.predicted_point_value,
        cast(round(round(c.base_points * c.coefficient, 4) * b.predicted_point_value, 2) as decimal(18, 2)) as indicative_amount,
        c.input_source
    from coefficients as c
    left join budget as b using (year, pool)
)

select * from final
