{#- One row per raw row of every part routed to the month: staged, superseded (an earlier upload
    or delivery of a setl_id that a later one replaced) or quarantined (with its reason). Per month
    and part, raw rows = staged + superseded + quarantined: the row-accounting check reads this.
    Partitioned by data month: a run deletes and rebuilds exactly its months. -#}

{%- set parts = ['settlements', 'setlinfo', 'diseinfo', 'oprninfo', 'iteminfo'] %}

with

{% for part in parts %}
{{ part }}_rows as (
    select
        '{{ part }}' as part,
        data_month,
        _landing_month,
        _source_file,
        _row_number,
        folder_hospital as fixmedins_code,
        setl_id,
        row_status,
        reason_code,
        problem_field as field,
        message
    from {{ ref('base_raw__' ~ part) }}
    where {{ in_partition() }}
),

{% endfor %}
final as (
    {%- for part in parts %}
    select * from {{ part }}_rows
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select * from final
