{#- One row per procedure of a current settlement list (setl_id, oprn_srt_no), typed.
    Partitioned by data month: a run deletes and rebuilds exactly its months. -#}

with

rows_of_month as (
    select * from {{ ref('base_raw__oprninfo') }}
    where {{ in_partition() }}
),

final as (
    select
        setl_id,
        dcla_time,
        oprn_srt_no,
        oprn_oprt_code,
        oprn_oprt_name,
        oprn_oprt_type,
        oprn_oprt_date,
        data_month,
        _landing_month,
        _source_file,
        _row_number,
        _file_hash,
        _loaded_at
    from rows_of_month
    where row_status = 'staged'
)

select * from final
