{#-
    Helpers of the payment models (models/intermediate/payment, models/marts/payment).

    One input layer, two sources (var `payment_inputs`):
    - `warehouse` (default): the case-point marts, staging and the seeds of the warehouse;
    - `files`: the tables `drgdip clear --inputs DIR` loads from a CSV directory into schema
      `payment_inputs` of a scratch DuckDB. Then the monthly models process every month of
      var('year') in one run, so one `dbt build` clears a year.
    Everything downstream of the input layer is the same SQL for both.

    Money is DECIMAL; exact divisions are done on integers (cents, points × 10⁴) with half-up
    rounding (`payment_div_half_up`), because DuckDB divides decimals as DOUBLE.
-#}

{% macro payment_inputs_mode() -%}
    {%- set mode = var('payment_inputs', 'warehouse') | string -%}
    {%- if mode not in ('warehouse', 'files') -%}
        {{ exceptions.raise_compiler_error("var('payment_inputs') must be warehouse or files, got '" ~ mode ~ "'") }}
    {%- endif -%}
    {{ return(mode) }}
{%- endmacro %}


{#- A table `drgdip clear` loaded from the inputs directory (files mode only). -#}
{% macro payment_file_table(name) -%}
    "payment_inputs"."{{ name }}"
{%- endmacro %}


{#- The year a model works on: the yearly partition for yearly models and in files mode, else the year of
    the run's months. -#}
{% macro payment_year(yearly=false) -%}
    {%- if yearly or payment_inputs_mode() == 'files' -%}
        {{ partition_year() }}
    {%- else -%}
        {{ partition_window_year() }}
    {%- endif -%}
{%- endmacro %}


{#- Integer division rounded half up (num ≥ 0, den > 0), on HUGEINT: exact. -#}
{% macro payment_div_half_up(num, den) -%}
    ((2 * cast({{ num }} as hugeint) + cast({{ den }} as hugeint)) // (2 * cast({{ den }} as hugeint)))
{%- endmacro %}


{#- Money (decimal yuan) as integer cents, and back. -#}
{% macro payment_cents(amount) -%}
    cast(round({{ amount }} * 100) as hugeint)
{%- endmacro %}

{% macro payment_yuan(cents) -%}
    cast(cast({{ cents }} as decimal(38, 0)) * 0.01 as decimal(18, 2))
{%- endmacro %}


{#- Points (decimal with 4 places) as integer ten-thousandths. -#}
{% macro payment_points_e4(points) -%}
    cast(round({{ points }} * 10000) as hugeint)
{%- endmacro %}


{#- A required value: NULL stops the run with a message naming what is missing and where. -#}
{% macro payment_required(expr, message) -%}
    coalesce({{ expr }}, error({{ message }}))
{%- endmacro %}

