{#- Helpers of the supervision models (int_supervision__*, the indicator marts and the flags). -#}

{#- The first month (YYYY-MM) of the trailing window of supervision_window_months months ending at
    the partition month, e.g. 2024-01 for 2024-03 and 3 months. -#}
{% macro flag_window_from() -%}
    strftime(cast({{ partition_month() }} || '-01' as date)
        - to_months({{ policy_param('supervision_window_months', 'integer') }} - 1), '%Y-%m')
{%- endmacro %}


{#- The month before the partition month (YYYY-MM): the end of the window's earlier months. -#}
{% macro flag_previous_month() -%}
    strftime(cast({{ partition_month() }} || '-01' as date) - interval 1 month, '%Y-%m')
{%- endmacro %}


{#- The hospitals evaluated for the month: those with cases in the partition month and a known
    tier, with their registry attributes. -#}
{% macro flag_month_hospitals() -%}
    select
        fixmedins_code,
        any_value(fixmedins_name) as fixmedins_name,
        any_value(level_tier) as level_tier,
        any_value(payment_method) as payment_method
    from {{ ref('int_supervision__cases') }}
    where data_month = {{ partition_month() }} and level_tier is not null
    group by fixmedins_code
{%- endmacro %}


{#- A number for the evidence sentences: at most `digits` decimals, trailing zeros dropped
    (1.3, 0.5, 2, 12.35). -#}
{% macro flag_num(expr, digits=2) -%}
    regexp_replace(regexp_replace(printf('%.{{ digits }}f', cast({{ expr }} as double)), '(\.[0-9]*?)0+$', '\1'), '\.$', '')
{%- endmacro %}


{#- The common columns of every flag, in the mart's order; `h` is the month's hospital. -#}
{% macro flag_columns(flag_kind, measure_name) -%}
        h.fixmedins_code,
        h.fixmedins_name,
        cast(h.level_tier as integer) as level_tier,
        h.payment_method,
        {{ partition_month() }} as period,
        cast(left({{ partition_month() }}, 4) as integer) as year,
        '{{ flag_kind }}' as flag_kind,
        {{ measure_name }} as measure_name
{%- endmacro %}
