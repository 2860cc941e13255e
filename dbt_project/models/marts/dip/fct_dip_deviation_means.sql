{#- The reference of the deviation cases (偏差病例, 004_… 第二十一条) for payment year var('year'):
    last year's (var('year') − 1) mean total cost (次均医疗总费用) of each disease at hospitals of the
    same level class (seeds/dip_level_classes.csv: 三级 / 二级 / 一级 from the registry's
    level_tier), one row per disease × level class. Last year's cases count with the disease the
    payment year's library gives them (int_dip__basis_cases), every case with a positive cost
    (untrimmed: a plain mean). A disease without such cases is compared with its library mean
    (fct_dip_case_points says so). Yearly partition (tag yearly). -#}
{{ config(tags=['yearly']) }}

with

last_year as (
    select disease_code, disease_type, level_class, medfee_sumamt
    from {{ ref('int_dip__basis_cases') }}
    where year = {{ partition_year() }}
      and discharge_year = {{ partition_year() }} - 1
      and level_class is not null
),

final as (
    select
        cast({{ partition_year() }} as integer) as year,
        cast({{ partition_year() }} - 1 as integer) as reference_year,
        disease_code,
        any_value(disease_type) as disease_type,
        level_class,
        cast(count(*) as integer) as cases,
        cast(avg(medfee_sumamt) as decimal(18,2)) as mean_cost
    from last_year
    group by disease_code, level_class
)

select * from final
