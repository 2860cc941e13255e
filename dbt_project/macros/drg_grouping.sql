{#-
    Helpers of the CHS-DRG grouper (models/intermediate/drg, models/marts/drg).

    The grouper is data-driven: every list it consults is a seed versioned by `scheme_version`
    (seeds/drg_*.csv, documented in seeds/_drg_seeds.yml), every threshold a row of
    seeds/policy_parameters.csv. These macros only spell the SQL idioms of the grouper; the
    partition and parameter helpers are the shared ones: in_partition(), partition_year(),
    delete_partition(), partition_window_year() (macros/staging.sql) and
    policy_param(name, type, year) (macros/quality/quality_helpers.sql).
-#}

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


{#- A bound (side 'min' or 'max') of a pre-MDC rule (seeds/drg_pre_mdc_rules.csv): the literal
    `<side>_value`, or the policy parameter `<side>_parameter` names, read through the joined
    policy_parameters row `param_alias` of the partition's year; a named but missing parameter
    stops the run naming the rule. -#}
{% macro drg_rule_bound(side, param_alias) -%}
    case
        when r.{{ side }}_parameter is null then cast(r.{{ side }}_value as double)
        when {{ param_alias }}.value is null then error('policy parameter ' || r.{{ side }}_parameter || ' named by '
            || r.rule_id || ' in seeds/drg_pre_mdc_rules.csv is missing for year '
            || cast({{ partition_window_year() }} as varchar))
        else cast({{ param_alias }}.value as double)
    end
{%- endmacro %}



{#- The CHS-DRG scheme version of the partition's discharge year (policy parameter
    drg_scheme_version) as a scalar subquery; NULL when the year has none (reason E07). Every case
    of a monthly partition has this one version, so the grouping steps filter the versioned seeds
    to it once instead of carrying the version through every join. -#}
{% macro drg_month_scheme() -%}
    (select max(value) from {{ ref('policy_parameters') }}
     where parameter = 'drg_scheme_version' and cast(year as integer) = {{ partition_window_year() }})
{%- endmacro %}
