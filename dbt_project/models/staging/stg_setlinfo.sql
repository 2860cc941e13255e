{#- One row per current settlement list (setl_id): the latest upload, typed; personal fields only as keyed hashes.
    Partitioned by data month: a run deletes and rebuilds exactly its months. -#}

with

rows_of_month as (
    select * from {{ ref('base_raw__setlinfo') }}
    where {{ in_partition() }}
),

final as (
    select
        setl_id,
        mdtrt_id,
        psn_no,
        fixmedins_code,
        fixmedins_name,
        medcasno,
        psn_name_hmac,
        certno_hmac,
        gend,
        brdy,
        age,
        nwb_age,
        nwb_bir_wt,
        nwb_adm_wt,
        insutype,
        insu_admdvs,
        ipt_med_type,
        adm_time,
        dscg_time,
        act_ipt_days,
        dscg_way,
        vent_used_dura,
        days_rinp_flag_31,
        hi_paymtd,
        medfee_sumamt,
        hifp_pay,
        psn_selfpay,
        psn_ownpay,
        psn_cashpay,
        dcla_time,
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
