{#- Hospitals with their pool and coefficient per year (input layer; 医疗机构系数, 002_… 二(三)3,
    004_… 第二十三条). Warehouse: seeds/hospitals.csv valid in the year, coefficient = base of the
    level tier (hospital_base_coefficient_tier1..7) + add-ons (hospital_addon_primary_care, _tcm,
    _key_specialty) of the year. Files: the inputs' hospitals.csv gives pool and coefficient, for
    every year of the budget. Basic groups / primary-care diseases use the uniform coefficient
    basic_group_coefficient at every hospital (000_… 一(四)). -#}
{{ config(materialized='view') }}

with

years as (
    select year, basic_group_coefficient as uniform_coefficient
    from {{ ref('int_payment__parameters') }}
),

{%- if payment_inputs_mode() == 'files' %}

hospitals as (
    select
        years.year,
        cast(h.fixmedins_code as varchar) as fixmedins_code,
        cast(h.fixmedins_name as varchar) as fixmedins_name,
        upper(trim(h.pool)) as pool,
        cast(null as integer) as level_tier,
        cast(null as decimal(12, 4)) as base_coefficient,
        cast(null as decimal(12, 4)) as addon_coefficient,
        cast(h.coefficient as decimal(12, 4)) as coefficient,
        years.uniform_coefficient,
        'inputs' as coefficient_source
    from {{ payment_file_table('hospitals') }} as h
    cross join years
),

{%- else %}

coefficient_parameters as (
    select
        cast(year as integer) as year,
        {%- for tier in range(1, 8) %}
        max(case when parameter = 'hospital_base_coefficient_tier{{ tier }}' then cast(value as decimal(12, 4)) end) as tier{{ tier }},
        {%- endfor %}
        max(case when parameter = 'hospital_addon_primary_care' then cast(value as decimal(12, 4)) end) as addon_primary_care,
        max(case when parameter = 'hospital_addon_tcm' then cast(value as decimal(12, 4)) end) as addon_tcm,
        max(case when parameter = 'hospital_addon_key_specialty' then cast(value as decimal(12, 4)) end) as addon_key_specialty
    from {{ ref('policy_parameters') }}
    group by 1
),

registry as (
    select
        years.year,
        years.uniform_coefficient,
        h.*
    from {{ ref('hospitals') }} as h
    inner join years
        on cast(h.valid_from as date) <= make_date(years.year, 12, 31)
        and (h.valid_to is null or cast(h.valid_to as date) >= make_date(years.year, 1, 1))
    -- a registry change within the year: the version valid at the year's end pays
    qualify row_number() over (partition by years.year, h.fixmedins_code order by cast(h.valid_from as date) desc) = 1
),

hospitals as (
    select
        r.year,
        r.fixmedins_code,
        r.fixmedins_name,
        upper(r.payment_method) as pool,
        cast(r.level_tier as integer) as level_tier,
        {%- set base %}case cast(r.level_tier as integer){% for tier in range(1, 8) %} when {{ tier }} then c.tier{{ tier }}{% endfor %} end{% endset %}
        {{ payment_required(base, "'hospital_base_coefficient_tier' || r.level_tier || ' is missing for year ' || r.year || ' in seeds/policy_parameters.csv'") }} as base_coefficient,
        cast(
            coalesce(r.primary_care_flag, 0) * coalesce(c.addon_primary_care, 0)
            + coalesce(r.tcm_flag, 0) * coalesce(c.addon_tcm, 0)
            + coalesce(r.key_specialty_flag, 0) * coalesce(c.addon_key_specialty, 0)
        as decimal(12, 4)) as addon_coefficient,
        r.uniform_coefficient,
        'registry' as coefficient_source
    from registry as r
    left join coefficient_parameters as c on c.year = r.year
),

{%- endif %}

final as (
    select
        year,
        fixmedins_code,
        fixmedins_name,
        pool,
        level_tier,
        base_coefficient,
        addon_coefficient,
        {%- if payment_inputs_mode() == 'files' %}
        coefficient,
        {%- else %}
        cast(base_coefficient + addon_coefficient as decimal(12, 4)) as coefficient,
        {%- endif %}
        cast(uniform_coefficient as decimal(12, 4)) as uniform_coefficient,
        coefficient_source
    from hospitals
)

select * from final
