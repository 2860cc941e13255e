{#- One row per raw row that staging refused (隔离), with the field, the reason code and a message
    naming the file, row, field and value (personal values never shown), for the feedback sent back
    to the hospital. Rows refused at ingestion (whole files, malformed lines) are in raw.quarantine.
    Partitioned by data month: a run deletes and rebuilds exactly its months. -#}

with

row_status as (
    select * from {{ ref('stg_row_status') }}
    where {{ in_partition() }}
),

reasons as (
    select reason_code, description from {{ ref('quarantine_reasons') }}
),

final as (
    select
        row_status.part,
        row_status.data_month,
        row_status._landing_month,
        row_status._source_file,
        row_status._row_number,
        row_status.fixmedins_code,
        row_status.setl_id,
        row_status.field,
        row_status.reason_code,
        row_status.message,
        reasons.description as reason_description,
        'staging' as stage
    from row_status
    left join reasons
        on row_status.reason_code = reasons.reason_code
    where row_status.row_status = 'quarantined'
)

select * from final
