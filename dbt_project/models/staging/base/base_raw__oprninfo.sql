{#- One row per raw procedure line (every upload), typed, routed to the data month of its header and
    given its staging status (see macro list_line_status). -#}

with

raw_oprninfo as (
    select * from {{ source('raw', 'oprninfo') }}
),

typed as (
    select
        {{ stage_cast('setl_id', 'varchar') }} as setl_id,
        {{ stage_cast('dcla_time', 'timestamp') }} as dcla_time,
        {{ stage_cast('oprn_srt_no', 'integer') }} as oprn_srt_no,
        {{ stage_cast('oprn_oprt_code', 'varchar') }} as oprn_oprt_code,
        {{ stage_cast('oprn_oprt_name', 'varchar') }} as oprn_oprt_name,
        {{ stage_cast('oprn_oprt_type', 'varchar') }} as oprn_oprt_type,
        {{ stage_cast('oprn_oprt_date', 'date') }} as oprn_oprt_date,
        _landing_month,
        _source_file,
        _row_number,
        _file_hash,
        _loaded_at,
        {{ folder_hospital() }} as folder_hospital,
        {{ row_location() }} as row_location,
        {{ row_problems('oprninfo') }} as field_problems,
        -- an exact copy of an earlier row (same values, wherever delivered) is set aside
        {{ exact_copy_columns('oprninfo') }}
    from raw_oprninfo
),

{{ list_line_status('oprninfo', line_key='oprn_srt_no') }},

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
