{#- History-year points per payment year and pool (input layer): seeds/payment_history_points.csv
    or the inputs' history_points.csv. -#}
{{ config(materialized='view') }}

with

history as (
    {%- if payment_inputs_mode() == 'files' %}
    select * from {{ payment_file_table('history_points') }}
    {%- else %}
    select * from {{ ref('payment_history_points') }}
    {%- endif %}
),

final as (
    select
        cast(year as integer) as year,
        upper(trim(pool)) as pool,
        cast(history_year as integer) as history_year,
        cast(points as decimal(18, 4)) as points
    from history
)

select * from final
