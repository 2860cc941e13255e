{#- The supervision base: one row per DRG-grouped (or ungroupable) case of the month, of every
    hospital, with what the indicators and flags compare: the person (pseudonymised certno), the
    stay, the group and its severity, the year's relative weight, cost, fund and out-of-pocket
    amounts, and the case type the hospital is paid by (high/low multiple).

    Every case is grouped by CHS-DRG (fct_drg_case), also at DIP hospitals, so CMI and the peer
    comparisons use one yardstick across the region. rw and drg_mean_cost come from
    fct_drg_weights of the discharge year (built by annual_reference); multiple_type and points
    from fct_payment_case (built by monthly_payment), so a month is built after its payment month.
    out_of_pocket = psn_selfpay (自付) + psn_ownpay (自费) of the settlement list.
    Monthly partition (data_month = discharge month). -#}

with

drg_cases as (
    select
        setl_id, fixmedins_code, payment_method, data_month, dscg_time, principal_diag_code, mdc, adrg,
        drg, drg_name, group_status, severity, severity_diag_code, medfee_sumamt, act_ipt_days, dscg_way
    from {{ ref('fct_drg_case') }}
    where data_month = {{ partition_month() }}
),

lists as (
    select setl_id, certno_hmac, adm_time, hifp_pay, psn_selfpay, psn_ownpay
    from {{ ref('stg_setlinfo') }}
    where data_month = {{ partition_month() }}
),

hospitals as (
    select fixmedins_code, fixmedins_name, cast(level_tier as integer) as level_tier
    from {{ ref('hospitals') }}
),

weights as (
    select drg, weight as rw, mean_cost as drg_mean_cost
    from {{ ref('fct_drg_weights') }}
    where year = {{ partition_window_year() }}
),

paid as (
    select setl_id, pool, case_type, points, cross_region, group_code
    from {{ ref('fct_payment_case') }}
    where data_month = {{ partition_month() }}
),

final as (
    select
        c.setl_id,
        c.fixmedins_code,
        h.fixmedins_name,
        h.level_tier,
        c.payment_method,
        coalesce(p.pool, c.payment_method) as pool,
        c.data_month,
        cast(left(c.data_month, 4) as integer) as year,
        l.certno_hmac as person_key,
        l.adm_time,
        c.dscg_time,
        cast(c.act_ipt_days as integer) as los_days,
        coalesce(c.dscg_way = '5', false) as died,
        c.principal_diag_code,
        left(c.principal_diag_code, 3) as principal_category,
        c.mdc,
        c.adrg,
        c.drg,
        c.drg_name,
        c.group_status,
        c.severity,
        coalesce(c.severity in ('MCC', 'CC'), false) as high_severity,
        c.severity_diag_code,
        cast(w.rw as decimal(12, 4)) as rw,
        cast(w.drg_mean_cost as decimal(18, 2)) as drg_mean_cost,
        cast(c.medfee_sumamt as decimal(18, 2)) as medfee_sumamt,
        cast(coalesce(l.hifp_pay, 0) as decimal(18, 2)) as fund_amount,
        cast(coalesce(l.psn_selfpay, 0) + coalesce(l.psn_ownpay, 0) as decimal(18, 2)) as out_of_pocket,
        case when p.case_type in ('high', 'low', 'normal') then p.case_type else 'other' end as multiple_type,
        cast(p.points as decimal(18, 4)) as points,
        coalesce(p.cross_region, false) as cross_region,
        case when p.pool = 'DIP' then p.group_code end as dip_disease_code
    from drg_cases as c
    left join lists as l using (setl_id)
    left join hospitals as h using (fixmedins_code)
    left join weights as w on w.drg = c.drg and c.group_status = 'grouped'
    left join paid as p using (setl_id)
)

select * from final
