{#-
    Helpers of the CHS-DRG grouper (models/intermediate/drg, models/marts/drg).

    The grouper is data-driven: every list it consults is a seed versioned by `scheme_version`
    (seeds/drg_*.csv, documented in seeds/_drg_seeds.yml), every threshold a row of
    seeds/policy_parameters.csv. These macros only spell the SQL idioms the models share.
-#}

{#- The monthly partition being built (discharge month, YYYY-MM), validated. -#}
{% macro drg_month() -%}
    {%- set month = var('month') | string -%}
    {%- if not modules.re.match('^[0-9]{4}-(0[1-9]|1[0-2])$', month) -%}
        {{ exceptions.raise_compiler_error("var('month') must be YYYY-MM, got '" ~ month ~ "'") }}
    {%- endif -%}
    '{{ month }}'
{%- endmacro %}

{#- The year of the monthly partition: policy parameters and the scheme version are per year. -#}
{% macro drg_month_year() -%}
    cast(left({{ drg_month() }}, 4) as integer)
{%- endmacro %}

{#- The yearly partition (var('year')), validated. -#}
{% macro drg_year() -%}
    {%- set year = var('year') | string -%}
    {%- if not modules.re.match('^[0-9]{4}$', year) -%}
        {{ exceptions.raise_compiler_error("var('year') must be YYYY, got '" ~ year ~ "'") }}
    {%- endif -%}
    {{ year }}
{%- endmacro %}

{#- pre_hook of the monthly DRG models: empty the month first, so a rerun replaces it exactly
    (also when none of its rows remain, which delete+insert on a key would miss). -#}
{% macro drg_delete_month() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where data_month = {{ drg_month() }}
    {%- else -%}
        select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}

{#- pre_hook of the yearly DRG models (keyed by `year`). -#}
{% macro drg_delete_year() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where year = {{ drg_year() }}
    {%- else -%}
        select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}

{#- One policy parameter of a year as a scalar subquery. A missing parameter stops the run with a
    message naming it, instead of letting comparisons with NULL pass silently. -#}
{% macro drg_param(name, type='decimal(18,4)', year=none) -%}
    {%- set year_sql = year if year is not none else drg_month_year() -%}
    coalesce(
        (
            select cast(max(pp.value) as {{ type }})
            from {{ ref('policy_parameters') }} as pp
            where pp.parameter = '{{ name }}' and cast(pp.year as integer) = {{ year_sql }}
        ),
        error('policy parameter {{ name }} is missing for year ' || cast({{ year_sql }} as varchar)
              || ' in seeds/policy_parameters.csv')
    )
{%- endmacro %}

{#- Code normalisation of a delivered diagnosis or procedure code: trimmed, upper case, NULL when
    blank. Seeds hold codes in the same dotted form (`I21.0`, `36.07`). -#}
{% macro drg_code(column) -%}
    nullif(upper(trim({{ column }})), '')
{%- endmacro %}

{#- Every leading prefix of a code, as rows: `select ..., {{ drg_prefix_length('code') }} as n`
    then `left(code, n)`. Seeds list codes or prefixes (`I21`, `33.5`); joining on the prefixes of
    the delivered code turns "starts with" into an equality join, which stays fast on a province. -#}
{% macro drg_prefix_length(column) -%}
    unnest(range(1, length({{ column }}) + 1))
{%- endmacro %}
