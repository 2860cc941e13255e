{#- Special-case applications and decisions (特例单议) of every year (input layer):
    seeds/payment_special_cases.csv or the inputs' special_cases.csv. -#}
{{ config(materialized='view') }}

with

applications as (
    {%- if payment_inputs_mode() == 'files' %}
    select * from {{ payment_file_table('special_cases') }}
    {%- else %}
    select * from {{ ref('payment_special_cases') }}
    {%- endif %}
),

final as (
    select
        cast(year as integer) as year,
        cast(application_id as varchar) as application_id,
        cast(setl_id as varchar) as setl_id,
        cast(fixmedins_code as varchar) as fixmedins_code,
        cast(applied_on as date) as applied_on,
        cast(reason as varchar) as reason,
        lower(trim(decision)) as decision,
        cast(decided_points as decimal(18, 4)) as decided_points,
        cast(decided_on as date) as decided_on,
        cast(expert_group as varchar) as expert_group
    from applications
)

select * from final
