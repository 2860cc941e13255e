{#- One row per raw fee (charge category) line (every upload), typed, routed to the data month of its header and
    given its staging status (see macro list_line_status). -#}

with

raw_iteminfo as (
    select * from {{ source('raw', 'iteminfo') }}
),

typed as (
    select
        {{ stage_cast('setl_id', 'varchar') }} as setl_id,
        {{ stage_cast('dcla_time', 'timestamp') }} as dcla_time,
        {{ stage_cast('med_chrgitm', 'varchar') }} as med_chrgitm,
        {{ stage_cast('amt', 'decimal') }} as amt,
        {{ stage_cast('claa_sumfee', 'decimal') }} as claa_sumfee,
        {{ stage_cast('clab_amt', 'decimal') }} as clab_amt,
        {{ stage_cast('fulamt_ownpay_amt', 'decimal') }} as fulamt_ownpay_amt,
        {{ stage_cast('oth_amt', 'decimal') }} as oth_amt,
        _landing_month,
        _source_file,
        _row_number,
        _file_hash,
        _loaded_at,
        {{ folder_hospital() }} as folder_hospital,
        {{ row_location() }} as row_location,
        {{ row_problems('iteminfo') }} as field_problems,
        -- an exact copy of an earlier row (same values, wherever delivered) is set aside
        {{ exact_copy_columns('iteminfo') }}
    from raw_iteminfo
),

{{ list_line_status('iteminfo', line_key='med_chrgitm') }},

final as (
    select
        setl_id,
        dcla_time,
        med_chrgitm,
        amt,
        claa_sumfee,
        clab_amt,
        fulamt_ownpay_amt,
        oth_amt,
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
