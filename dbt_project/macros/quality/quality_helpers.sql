{#- Helpers of the quality models (intermediate/quality, marts/quality). -#}

{#- One policy parameter (seeds/policy_parameters.csv) as a scalar subquery, of the partition's
    year by default, or of `year` (an SQL integer expression, e.g. partition_year() in a yearly
    model). A missing parameter stops the run with a message naming it, rather than letting
    every comparison with NULL pass silently. -#}
{% macro policy_param(name, type='decimal(18,4)', year=none) -%}
    {%- set year_sql = year if year is not none else partition_window_year() -%}
    coalesce(
        (
            select cast(max(pp.value) as {{ type }})
            from {{ ref('policy_parameters') }} as pp
            where pp.parameter = '{{ name }}'
              and cast(pp.year as integer) = {{ year_sql }}
        ),
        error('policy parameter {{ name }} is missing for year ' || cast({{ year_sql }} as varchar)
              || ' in seeds/policy_parameters.csv')
    )
{%- endmacro %}
