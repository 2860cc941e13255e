{#- One row per raw settlement row (all delivered versions), typed, routed to its data month and
    given its staging status. Read by stg_settlements and stg_row_status for one month at a time. -#}

with

raw_settlements as (
    select * from {{ source('raw', 'settlements') }}
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
        {{ stage_cast('insutype', 'varchar') }} as insutype,
        {{ stage_cast('insu_admdvs', 'varchar') }} as insu_admdvs,
        {{ stage_cast('setl_time', 'timestamp') }} as setl_time,
        {{ stage_cast('medfee_sumamt', 'decimal') }} as medfee_sumamt,
        {{ stage_cast('hifp_pay', 'decimal') }} as hifp_pay,
        {{ stage_cast('psn_cash_pay', 'decimal') }} as psn_cash_pay,
        _landing_month,
        _source_file,
        _row_number,
        _file_hash,
        _loaded_at,
        {{ folder_hospital() }} as folder_hospital,
        {{ row_location() }} as row_location,
        {{ row_problems('settlements') }} as field_problems,
        -- an exact copy of an earlier row (same values, wherever delivered) is set aside
        {{ exact_copy_columns('settlements') }}
    from raw_settlements
),

{{ header_row_checks() }},

ordered as (
    select
        *,
        -- every delivery of a setl_id in order: delivery folder, file and row
        row_number() over (
            partition by setl_id
            order by _landing_month, _source_file, _row_number
        ) as version_order
    from checked
),

ranked as (
    select
        *,
        -- the latest stageable delivery wins; a faulty one never replaces a good one
        max(case when problem is null then version_order end) over (partition by setl_id) as winning_order
    from ordered
),

statused as (
    select
        *,
        case
            when version_order = winning_order then 'staged'
            -- replaced by a later good version: its faults no longer matter, nothing to correct
            when version_order < winning_order then 'superseded'
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
        insutype,
        insu_admdvs,
        setl_time,
        medfee_sumamt,
        hifp_pay,
        psn_cash_pay,
        -- routed by settlement month; a row whose month cannot be read stays in its delivery month
        coalesce(strftime(setl_time, '%Y-%m'), _landing_month) as data_month,
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
