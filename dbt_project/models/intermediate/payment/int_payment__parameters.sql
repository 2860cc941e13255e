{#- The payment parameters of every year, one row per year (input layer). Warehouse: the rows of
    seeds/policy_parameters.csv; files: <inputs>/parameters.csv (same columns). A parameter
    missing for a year that has a budget stops the query with a message naming it. -#}
{{ config(materialized='view') }}

{%- set names = [
    'risk_reserve_rate', 'adjustment_fund_clearing_share', 'adjustment_fund_overspend_share',
    'payment_expected_points_growth', 'quality_guarantee_rate', 'monthly_holdback_rate',
    'clearing_surplus_cap_ratio', 'clearing_overspend_floor_ratio', 'overspend_fund_share',
    'basic_group_coefficient',
] %}
{%- set files = payment_inputs_mode() == 'files' %}
{%- set where = "parameters.csv of the inputs directory" if files else "seeds/policy_parameters.csv" %}

with

parameters as (
    {%- if files %}
    select cast(year as integer) as year, parameter, cast(value as varchar) as value
    from {{ payment_file_table('parameters') }}
    {%- else %}
    select cast(year as integer) as year, parameter, value
    from {{ ref('policy_parameters') }}
    {%- endif %}
),

years as (
    select distinct year from {{ ref('int_payment__budget_inputs') }}
),

pivoted as (
    select
        years.year,
        {%- for name in names %}
        max(case when p.parameter = '{{ name }}' then try_cast(p.value as decimal(18, 6)) end) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    from years
    left join parameters as p on p.year = years.year
    group by years.year
),

checked as (
    select
        *,
        -- the reserve remainder is split in two: the shares must add up (the fund takes the rest)
        case when adjustment_fund_clearing_share + adjustment_fund_overspend_share <> 1 then
            error('adjustment_fund_clearing_share + adjustment_fund_overspend_share must be 1 for year '
                || year || ' in {{ where }}, got ' || adjustment_fund_clearing_share || ' + ' || adjustment_fund_overspend_share)
        end as shares_checked
    from pivoted
),

final as (
    select
        year,
        {%- for name in names %}
        {{ payment_required(name, "'payment parameter " ~ name ~ " is missing (or not a number) for year ' || year || ' in " ~ where ~ "'") }} as {{ name }},
        {%- endfor %}
        '{{ where }}' as parameters_source
    from checked
)

select * from final
