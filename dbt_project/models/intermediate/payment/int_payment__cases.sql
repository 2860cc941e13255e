{#- The payment input layer (one row per case): every inpatient case of the month with its pool,
    its points before the hospital coefficient, whether the uniform coefficient applies, the fund
    amount recorded by item and the insured region.

    Warehouse (var payment_inputs = warehouse): DRG cases from fct_drg_case_points (uniform
    coefficient for basic groups, 基础病组), DIP cases from fct_dip_case_points (uniform
    coefficient for primary-care diseases, 基层病种), each joined with its settlement list
    (stg_setlinfo: hifp_pay, insu_admdvs); cross_region when the insured region is not local
    (seeds/insured_regions.csv; an unknown region counts as cross-region, 异地就医). Cases without
    points (ungroupable, no weight or score) stay with 0 points and has_points false: their fund
    amount still counts in F_h. Files: the inputs' cases.csv, all months of var('year').

    Monthly partition (data_month = discharge month). -#}

with

{%- if payment_inputs_mode() == 'files' %}

cases as (
    select
        cast(setl_id as varchar) as setl_id,
        cast(fixmedins_code as varchar) as fixmedins_code,
        cast(data_month as varchar) as data_month,
        upper(trim(pool)) as pool,
        cast(null as varchar) as group_code,
        cast(null as varchar) as case_type,
        cast(points as decimal(18, 4)) as points,
        coalesce(cast(uniform_coefficient as integer), 0) = 1 as uniform_coefficient_flag,
        cast(fund_amount as decimal(18, 2)) as fund_amount,
        cast(insu_admdvs as varchar) as insu_admdvs,
        coalesce(cast(cross_region as integer), 0) = 1 as cross_region,
        'inputs' as input_source
    from {{ payment_file_table('cases') }}
    where {{ month_filter() }}
),

{%- else %}

drg_points as (
    select
        setl_id, fixmedins_code, data_month, 'DRG' as pool, drg as group_code, case_type, points,
        coalesce(basic_group, false) as uniform_coefficient_flag
    from {{ ref('fct_drg_case_points') }}
    where {{ month_filter() }}
),

dip_points as (
    select
        setl_id, fixmedins_code, data_month, 'DIP' as pool, cast(disease_code as varchar) as group_code,
        cast(deviation_class as varchar) as case_type, cast(points as decimal(18, 4)) as points,
        coalesce(cast(primary_care_disease as boolean), false) as uniform_coefficient_flag
    from {{ ref('fct_dip_case_points') }}
    where {{ month_filter() }}
),

lists as (
    select setl_id, data_month, hifp_pay, insu_admdvs
    from {{ ref('stg_setlinfo') }}
    where {{ month_filter() }}
),

regions as (
    select cast(insu_admdvs as varchar) as insu_admdvs, cast(is_local as integer) as is_local
    from {{ ref('insured_regions') }}
),

cases as (
    select
        p.setl_id,
        p.fixmedins_code,
        p.data_month,
        p.pool,
        p.group_code,
        p.case_type,
        p.points,
        p.uniform_coefficient_flag,
        coalesce(l.hifp_pay, 0) as fund_amount,
        l.insu_admdvs,
        coalesce(r.is_local, 0) = 0 as cross_region,
        'warehouse' as input_source
    from (select * from drg_points union all by name select * from dip_points) as p
    left join lists as l using (setl_id, data_month)
    left join regions as r on r.insu_admdvs = l.insu_admdvs
),

{%- endif %}

final as (
    select
        setl_id,
        fixmedins_code,
        data_month,
        cast(left(data_month, 4) as integer) as year,
        pool,
        group_code,
        case_type,
        cast(coalesce(points, 0) as decimal(18, 4)) as base_points,
        points is not null as has_points,
        uniform_coefficient_flag,
        cast(fund_amount as decimal(18, 2)) as fund_amount,
        insu_admdvs,
        cross_region,
        input_source
    from cases
)

select * from final
