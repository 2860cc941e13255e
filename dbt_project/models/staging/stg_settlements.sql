{#- One row per settlement (setl_id): the latest delivered version, typed.
    Partitioned by data month: a run deletes and rebuilds exactly its months. -#}

with

rows_of_month as (
    select * from {{ ref('base_raw__settlements') }}
    where {{ in_partition() }}
),

final as (
    select
        setl_id,
        mdtrt_id,
        psn_no,
        fixmedins_code,
        insutype,
        insu_admdvs,
        setl_time,
        medfee_sumamt,
        hifp_pay,
        psn_cash_pay,
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
