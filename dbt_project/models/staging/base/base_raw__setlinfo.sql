{#- One row per raw settlement-list header (every upload), typed, routed to its discharge month
    and given its staging status: the latest stageable upload of a setl_id (by dcla_time, then
    delivery month, file and row) is staged, earlier ones are superseded. -#}

with

raw_setlinfo as (
    select * from {{ source('raw', 'setlinfo') }}
),

hospitals as (
    select distinct fixmedins_code from {{ ref('hospitals') }}
),

typed as (
    select
        {{ stage_cast('setl_id', 'varchar') }} as setl_id,
        {{ stage_cast('mdtrt_id', 'varchar') }} as mdtrt_id,
        {{ stage_cast('psn_no', 'varchar') }} as psn_no,
        {{ stage_cast('fixmedins_code', 'varchar') }} as fixmedins_code,
        {{ stage_cast('fixmedins_name', 'varchar') }} as fixmedins_name,
        {{ stage_cast('medcasno', 'varchar') }} as medcasno,
        {{ stage_cast('psn_name_hmac', 'varchar') }} as psn_name_hmac,
        {{ stage_cast('certno_hmac', 'varchar') }} as certno_hmac,
        {{ stage_cast('gend', 'varchar') }} as gend,
        {{ stage_cast('brdy', 'date') }} as brdy,
        {{ stage_cast('age', 'integer') }} as age,
        {{ stage_cast('nwb_age', 'integer') }} as nwb_age,
        {{ stage_cast('nwb_bir_wt', 'integer') }} as nwb_bir_wt,
        {{ stage_cast('nwb_adm_wt', 'integer') }} as nwb_adm_wt,
        {{ stage_cast('insutype', 'varchar') }} as insutype,
        {{ stage_cast('insu_admdvs', 'varchar') }} as insu_admdvs,
        {{ stage_cast('ipt_med_type', 'varchar') }} as ipt_med_type,
        {{ stage_cast('adm_time', 'timestamp') }} as adm_time,
        {{ stage_cast('dscg_time', 'timestamp') }} as dscg_time,
        {{ stage_cast('act_ipt_days', 'integer') }} as act_ipt_days,
        {{ stage_cast('dscg_way', 'varchar') }} as dscg_way,
        {{ stage_cast('vent_used_dura', 'integer') }} as vent_used_dura,
        {{ stage_cast('days_rinp_flag_31', 'varchar') }} as days_rinp_flag_31,
        {{ stage_cast('hi_paymtd', 'varchar') }} as hi_paymtd,
        {{ stage_cast('medfee_sumamt', 'decimal') }} as medfee_sumamt,
        {{ stage_cast('hifp_pay', 'decimal') }} as hifp_pay,
        {{ stage_cast('psn_selfpay', 'decimal') }} as psn_selfpay,
        {{ stage_cast('psn_ownpay', 'decimal') }} as psn_ownpay,
        {{ stage_cast('psn_cashpay', 'decimal') }} as psn_cashpay,
        {{ stage_cast('dcla_time', 'timestamp') }} as dcla_time,
        _landing_month,
        _source_file,
        _row_number,
        _file_hash,
        _loaded_at,
        {{ folder_hospital() }} as folder_hospital,
        {{ row_location() }} as row_location,
        {{ row_problems('setlinfo') }} as field_problems,
        -- an exact copy of an earlier row (same values, wherever delivered) is set aside
        {{ exact_copy_columns('setlinfo') }}
    from raw_setlinfo
),

{{ header_row_checks() }},

ordered as (
    select
        *,
        -- every upload of a setl_id in order: upload time, then delivery folder, file and row
        row_number() over (
            partition by setl_id
            order by dcla_time, _landing_month, _source_file, _row_number
        ) as version_order
    from checked
),

ranked as (
    select
        *,
        -- the latest stageable upload wins; a faulty one never replaces a good one
        max(case when problem is null then version_order end) over (partition by setl_id) as winning_order
    from ordered
),

statused as (
    select
        *,
        case
            when version_order = winning_order then 'staged'
            -- replaced by a later good version: its faults no longer matter, nothing to correct
            when version_order < winning_order and dcla_time is not null then 'superseded'
            else 'quarantined'
        end as row_status
    from ranked
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
        -- routed by discharge month; a header whose month cannot be read stays in its delivery month
        coalesce(strftime(dscg_time, '%Y-%m'), _landing_month) as data_month,
        row_status,
        case when row_status = 'quarantined' then problem.reason_code end as reason_code,
        case when row_status = 'quarantined' then problem.field end as problem_field,
        case when row_status = 'quarantined' then row_location || problem.message end as message,
        folder_hospital,
        _landing_month,
        _source_file,
        _row_number,
        _file_hash,
        _loaded_at
    from statused
)

select * from final
