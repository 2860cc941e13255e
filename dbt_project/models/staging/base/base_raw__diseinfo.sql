{#- One row per raw diagnosis line (every upload), typed, routed to the data month of its header and
    given its staging status (see macro list_line_status). -#}

with

raw_diseinfo as (
    select * from {{ source('raw', 'diseinfo') }}
),

typed as (
    select
        {{ stage_cast('setl_id', 'varchar') }} as setl_id,
        {{ stage_cast('dcla_time', 'timestamp') }} as dcla_time,
        {{ stage_cast('diag_srt_no', 'integer') }} as diag_srt_no,
        {{ stage_cast('diag_code', 'varchar') }} as diag_code,
        {{ stage_cast('diag_name', 'varchar') }} as diag_name,
        {{ stage_cast('maindiag_flag', 'varchar') }} as maindiag_flag,
        {{ stage_cast('adm_cond_type', 'varchar') }} as adm_cond_type,
        _landing_month,
        _source_file,
        _row_number,
        _file_hash,
        _loaded_at,
        {{ folder_hospital() }} as folder_hospital,
        {{ row_location() }} as row_location,
        {{ row_problems('diseinfo') }} as field_problems,
        -- an exact copy of an earlier row (same values, wherever delivered) is set aside
        {{ exact_copy_columns('diseinfo') }}
    from raw_diseinfo
),

{{ list_line_status('diseinfo', line_key='diag_srt_no') }},

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
        row_status,
        reason_code,
        problem_field,
        message,
        folder_hospital,
        _landing_month,
        _source_file,
        _row_number,
        _file_hash,
        _loaded_at
    from line_status
)

select * from final
