{#- Readmissions (再住院): one row per pair whose second stay is discharged in the month: the same
    pseudonymised person (person_key = certno_hmac) admitted again at the same hospital
    gap_days = date(second adm_time) − date(first dscg_time) days after the first discharge,
    0 ≤ gap_days ≤ readmission_indicator_days (31). Each second stay is paired with its nearest
    earlier stay only, which may be discharged in an earlier month (read from earlier partitions).

    related: the same principal diagnosis category (ICD-10 3 characters) or the same ADRG;
    within_window: gap_days ≤ readmission_window_days (15); suspected_split (疑似分解住院) =
    related and within_window: the pairs the split-admission flag lists. Monthly partition. -#}

with

second_stays as (
    select setl_id, fixmedins_code, data_month, person_key, adm_time, principal_diag_code,
        principal_category, drg, adrg
    from {{ ref('int_supervision__cases') }}
    where data_month = {{ partition_month() }} and person_key is not null and adm_time is not null
),

earlier_stays as (
    -- the month and the one before cover any gap up to 31 days
    select setl_id, fixmedins_code, data_month, person_key, dscg_time, principal_diag_code,
        principal_category, drg, adrg
    from {{ ref('int_supervision__cases') }}
    where data_month between {{ flag_previous_month() }}
        and {{ partition_month() }}
      and person_key is not null and dscg_time is not null
),

candidates as (
    select
        s.fixmedins_code,
        s.data_month,
        f.setl_id as first_setl_id,
        s.setl_id as second_setl_id,
        s.person_key,
        f.dscg_time as first_dscg_time,
        s.adm_time as second_adm_time,
        date_diff('day', cast(f.dscg_time as date), cast(s.adm_time as date)) as gap_days,
        f.principal_diag_code as first_principal_diag,
        s.principal_diag_code as second_principal_diag,
        f.drg as first_drg,
        s.drg as second_drg,
        f.adrg as first_adrg,
        s.adrg as second_adrg,
        f.principal_category as first_category,
        s.principal_category as second_category
    from second_stays as s
    inner join earlier_stays as f
        on f.person_key = s.person_key
        and f.fixmedins_code = s.fixmedins_code
        and f.setl_id <> s.setl_id
        and f.dscg_time <= s.adm_time
    where date_diff('day', cast(f.dscg_time as date), cast(s.adm_time as date))
        <= {{ policy_param('readmission_indicator_days', 'integer') }}
    qualify row_number() over (partition by s.setl_id order by f.dscg_time desc, f.setl_id) = 1
),

final as (
    select
        fixmedins_code,
        data_month,
        first_setl_id,
        second_setl_id,
        person_key,
        first_dscg_time,
        second_adm_time,
        cast(gap_days as integer) as gap_days,
        first_principal_diag,
        second_principal_diag,
        first_drg,
        second_drg,
        first_adrg,
        second_adrg,
        coalesce(first_principal_diag = second_principal_diag, false) as same_principal,
        coalesce(first_category = second_category, false) or coalesce(first_adrg = second_adrg, false) as related,
        gap_days <= {{ policy_param('readmission_window_days', 'integer') }} as within_window,
        (coalesce(first_category = second_category, false) or coalesce(first_adrg = second_adrg, false))
            and gap_days <= {{ policy_param('readmission_window_days', 'integer') }} as suspected_split
    from candidates
)

select * from final
