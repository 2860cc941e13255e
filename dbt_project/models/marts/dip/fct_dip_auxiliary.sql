{#- The auxiliary catalogue (辅助目录, 004_… 第二十条) of payment year var('year'): one row per core or
    comprehensive disease × factor (comorbidity, age, discharge) × level met among its kept basis
    cases (int_dip__basis_cases, the reference years). coefficient = the level's mean cost / the
    disease's mean cost (both over kept cases), bounded to [dip_aux_coefficient_min,
    dip_aux_coefficient_max]; a level with fewer than dip_aux_min_cases kept cases gets 1
    (coefficient_status says which). A case's auxiliary coefficient is the product of its levels'
    coefficients, bounded again (fct_dip_case_points). Bed-day and day-surgery diseases have no
    auxiliary levels. Yearly partition (tag yearly). -#}
{{ config(tags=['yearly']) }}

with

params as (
    select
        {{ partition_year() }} as year,
        {{ policy_param('dip_aux_min_cases', 'integer', partition_year()) }} as min_cases,
        {{ policy_param('dip_aux_coefficient_min', 'decimal(12,4)', partition_year()) }} as coefficient_min,
        {{ policy_param('dip_aux_coefficient_max', 'decimal(12,4)', partition_year()) }} as coefficient_max
),

kept as (
    select disease_code, disease_type, medfee_sumamt, comorbidity_level, age_band, discharge_level
    from {{ ref('int_dip__basis_cases') }}
    where year = {{ partition_year() }} and kept and disease_type in ('core', 'comprehensive')
),

disease_means as (
    select disease_code, count(*) as disease_cases, avg(medfee_sumamt) as disease_mean_cost
    from kept
    group by disease_code
),

case_levels as (
    select disease_code, disease_type, medfee_sumamt, 'comorbidity' as factor, comorbidity_level as level from kept
    union all
    select disease_code, disease_type, medfee_sumamt, 'age', age_band from kept
    union all
    select disease_code, disease_type, medfee_sumamt, 'discharge', discharge_level from kept
),

level_means as (
    select disease_code, any_value(disease_type) as disease_type, factor, level,
           count(*) as level_cases, avg(medfee_sumamt) as level_mean_cost
    from case_levels
    where level is not null
    group by disease_code, factor, level
),

rated as (
    select
        l.*,
        d.disease_cases,
        d.disease_mean_cost,
        l.level_mean_cost / d.disease_mean_cost as raw_ratio,
        p.min_cases,
        p.coefficient_min,
        p.coefficient_max
    from level_means as l
    inner join disease_means as d on d.disease_code = l.disease_code
    cross join params as p
),

final as (
    select
        cast({{ partition_year() }} as integer) as year,
        disease_code,
        disease_type,
        factor,
        level,
        cast(level_cases as integer) as level_cases,
        cast(disease_cases as integer) as disease_cases,
        cast(level_mean_cost as decimal(18,2)) as level_mean_cost,
        cast(disease_mean_cost as decimal(18,2)) as disease_mean_cost,
        cast(round(raw_ratio, 4) as decimal(12,4)) as raw_ratio,
        cast(case
            when level_cases < min_cases then 1
            when raw_ratio < coefficient_min then coefficient_min
            when raw_ratio > coefficient_max then coefficient_max
            else round(raw_ratio, 4)
        end as decimal(12,4)) as coefficient,
        case
            when level_cases < min_cases then 'too_few_cases'
            when raw_ratio < coefficient_min then 'bounded_low'
            when raw_ratio > coefficient_max then 'bounded_high'
            else 'computed'
        end as coefficient_status,
        cast(min_cases as integer) as min_cases,
        cast(coefficient_min as decimal(12,4)) as coefficient_min,
        cast(coefficient_max as decimal(12,4)) as coefficient_max
    from rated
)

select * from final
