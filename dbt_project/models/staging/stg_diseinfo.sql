{#- One row per diagnosis of a current settlement list (setl_id, diag_srt_no), typed.
    Partitioned by data month: a run deletes and rebuilds exactly its months. -#}

with

rows_of_month as (
    select * from {{ ref('base_raw__diseinfo') }}
    where {{ in_partition() }}
),

final as (
    select
        setl_id,
        dcla_time,
        diag_srt_no,
        diag_code,
        diag_name,
        maindiag_flag,
        adm_cond_type,
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
