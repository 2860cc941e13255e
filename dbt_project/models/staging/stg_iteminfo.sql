{#- One row per fee category of a current settlement list (setl_id, med_chrgitm), typed.
    Partitioned by data month: a run deletes and rebuilds exactly its months. -#}

with

rows_of_month as (
    select * from {{ ref('base_raw__iteminfo') }}
    where {{ in_partition() }}
),

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
        _landing_month,
        _source_file,
        _row_number,
        _file_hash,
        _loaded_at
    from rows_of_month
    where row_status = 'staged'
)

select * from final
