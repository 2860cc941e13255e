{#- One row per (case, rule) failure of the month: the validity and consistency rules of the
    settlement list (DOMAIN.md §3; 001_… 二(四), 四(二); 004_… 第十一、十二条). What a hospital is
    sent back for correction. Thresholds come from seeds/policy_parameters.csv for the year. -#}

{#- Required fields per part, as orchestration/interface.py marks them (tests/test_quality.py
    checks the two lists agree). Keys (setl_id, dcla_time) are never empty here: staging
    quarantines rows without them. -#}
{% set required_setlinfo = ['mdtrt_id', 'psn_no', 'fixmedins_code', 'medcasno', 'gend', 'brdy', 'age',
    'insutype', 'insu_admdvs', 'ipt_med_type', 'adm_time', 'dscg_time', 'act_ipt_days', 'dscg_way',
    'medfee_sumamt', 'hifp_pay'] %}
{% set required_children = {
    'diseinfo': ['diag_srt_no', 'diag_code', 'maindiag_flag'],
    'oprninfo': ['oprn_srt_no', 'oprn_oprt_code', 'oprn_oprt_type'],
    'iteminfo': ['med_chrgitm', 'amt'],
} %}

with

-- import CTEs ------------------------------------------------------------------------------

lists as (
    select * from {{ ref('stg_setlinfo') }}
    where {{ in_partition() }}
),

settlements as (
    select * from {{ ref('stg_settlements') }}
    where {{ in_partition() }}
),

-- a list may be settled in another month than it is discharged: look its settlement up anywhere
all_settlements as (
    select setl_id, setl_time from {{ ref('stg_settlements') }}
),

-- every upload that reached the warehouse (staged, superseded or quarantined by staging): a
-- settlement whose list arrived but was quarantined is reported by its quarantine reason, not as
-- missing; the current upload is the latest by dcla_time
uploads as (
    select setl_id, max(dcla_time) as last_dcla_time
    from {{ ref('base_raw__setlinfo') }}
    where setl_id is not null
    group by setl_id
),

diagnoses as (
    select d.*, l.fixmedins_code, l.data_month, l.gend
    from {{ ref('stg_diseinfo') }} as d
    inner join lists as l on l.setl_id = d.setl_id
),

procedures as (
    select p.*, l.fixmedins_code, l.data_month
    from {{ ref('stg_oprninfo') }} as p
    inner join lists as l on l.setl_id = p.setl_id
),

items as (
    select i.*, l.fixmedins_code, l.data_month
    from {{ ref('stg_iteminfo') }} as i
    inner join lists as l on l.setl_id = i.setl_id
),

icd10 as (
    select * from {{ ref('icd10_diagnoses') }}
),

icd9 as (
    select * from {{ ref('icd9_procedures') }}
),

fee_categories as (
    select * from {{ ref('fee_categories') }}
),

params as (
    select
        {{ policy_param('upload_deadline_days', 'integer') }} as upload_deadline_days,
        {{ policy_param('fee_sum_tolerance', 'decimal(18,2)') }} as fee_sum_tolerance,
        {{ policy_param('newborn_age_days_weight_required', 'integer') }} as newborn_age_days_weight_required
),

-- completeness ------------------------------------------------------------------------------

required_setlinfo as (
    {% for col in required_setlinfo %}
    select setl_id, fixmedins_code, data_month, 'required_missing' as rule,
        'setlinfo.{{ col }}' as field, null::varchar as value, 'error' as severity,
        'required field setlinfo.{{ col }} is empty' as message
    from lists where {{ col }} is null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

required_children as (
    {% set child_cte = {'diseinfo': 'diagnoses', 'oprninfo': 'procedures', 'iteminfo': 'items'} %}
    {% set pairs = [] %}
    {% for part, cols in required_children.items() %}{% for col in cols %}
        {% do pairs.append((part, col)) %}
    {% endfor %}{% endfor %}
    {% for part, col in pairs %}
    select setl_id, fixmedins_code, data_month, 'required_missing' as rule,
        '{{ part }}.{{ col }}' as field, null::varchar as value, 'error' as severity,
        'required field {{ part }}.{{ col }} is empty' as message
    from {{ child_cte[part] }} where {{ col }} is null
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- settlement without a list: the hospital has not uploaded it (timeliness, upload rate)
list_missing as (
    select s.setl_id, s.fixmedins_code, s.data_month, 'list_missing' as rule,
        'setlinfo.setl_id' as field, s.setl_id as value, 'error' as severity,
        'settlement ' || s.setl_id || ' has no settlement list uploaded' as message
    from settlements as s
    where s.setl_id not in (select setl_id from uploads)
),

-- validity ----------------------------------------------------------------------------------

diag_code_unknown as (
    select d.setl_id, d.fixmedins_code, d.data_month, 'diag_code_unknown' as rule,
        'diseinfo.diag_code' as field, d.diag_code as value, 'error' as severity,
        'diagnosis code ' || d.diag_code || ' (diagnosis ' || d.diag_srt_no
            || ') is not in the ICD-10 catalogue' as message
    from diagnoses as d
    where d.diag_code is not null
      and d.diag_code not in (select diag_code from icd10)
),

oprn_code_unknown as (
    select p.setl_id, p.fixmedins_code, p.data_month, 'oprn_code_unknown' as rule,
        'oprninfo.oprn_oprt_code' as field, p.oprn_oprt_code as value, 'error' as severity,
        'procedure code ' || p.oprn_oprt_code || ' (procedure ' || p.oprn_srt_no
            || ') is not in the ICD-9-CM-3 catalogue' as message
    from procedures as p
    where p.oprn_oprt_code is not null
      and p.oprn_oprt_code not in (select oprn_code from icd9)
),

principal_not_allowed as (
    select d.setl_id, d.fixmedins_code, d.data_month, 'principal_diag_not_allowed' as rule,
        'diseinfo.diag_code' as field, d.diag_code as value, 'error' as severity,
        'diagnosis code ' || d.diag_code || ' may not be the principal diagnosis'
            || coalesce(': ' || nullif(c.principal_restriction_reason, ''), '') as message
    from diagnoses as d
    inner join icd10 as c on c.diag_code = d.diag_code
    where d.maindiag_flag = '1'
      and not cast(c.may_be_principal as boolean)
),

sex_mismatch as (
    select d.setl_id, d.fixmedins_code, d.data_month, 'sex_restriction_mismatch' as rule,
        'diseinfo.diag_code' as field, d.diag_code as value, 'error' as severity,
        'diagnosis code ' || d.diag_code || ' is for '
            || case c.sex_restriction when 'M' then 'males' else 'females' end
            || ' only but the patient''s sex (gend) is ' || d.gend as message
    from diagnoses as d
    inner join icd10 as c on c.diag_code = d.diag_code
    where (c.sex_restriction = 'M' and d.gend = '2')
       or (c.sex_restriction = 'F' and d.gend = '1')
),

code_not_allowed as (
    select setl_id, fixmedins_code, data_month, 'code_not_allowed' as rule,
        'setlinfo.gend' as field, gend as value, 'error' as severity,
        'sex (gend) ' || gend || ' is not one of 1 male, 2 female, 9 unspecified' as message
    from lists where gend not in ('1', '2', '9')
    union all
    select setl_id, fixmedins_code, data_month, 'code_not_allowed', 'setlinfo.dscg_way', dscg_way, 'error',
        'discharge way (dscg_way) ' || dscg_way || ' is not one of 1, 2, 3, 4, 5, 9'
    from lists where dscg_way not in ('1', '2', '3', '4', '5', '9')
    union all
    select setl_id, fixmedins_code, data_month, 'code_not_allowed', 'setlinfo.ipt_med_type', ipt_med_type,
        'error', 'inpatient type (ipt_med_type) ' || ipt_med_type || ' is not 1 inpatient or 2 day surgery'
    from lists where ipt_med_type not in ('1', '2')
    union all
    select setl_id, fixmedins_code, data_month, 'code_not_allowed', 'iteminfo.med_chrgitm', med_chrgitm,
        'error', 'fee category (med_chrgitm) ' || med_chrgitm || ' is not one of the 14 national categories'
    from items where med_chrgitm not in (select med_chrgitm from fee_categories)
),

-- consistency -------------------------------------------------------------------------------

dscg_before_adm as (
    select setl_id, fixmedins_code, data_month, 'dscg_before_adm' as rule,
        'setlinfo.dscg_time' as field, strftime(dscg_time, '%Y-%m-%d %H:%M:%S') as value, 'error' as severity,
        'discharge time ' || strftime(dscg_time, '%Y-%m-%d %H:%M:%S') || ' is before admission time '
            || strftime(adm_time, '%Y-%m-%d %H:%M:%S') as message
    from lists
    where dscg_time < adm_time
),

-- 实际住院天数: discharge date minus admission date, a same-day stay counting as one day
ipt_days as (
    select *, greatest(date_diff('day', cast(adm_time as date), cast(dscg_time as date)), 1) as expected_days
    from lists
    where dscg_time >= adm_time
),

ipt_days_mismatch as (
    select setl_id, fixmedins_code, data_month, 'ipt_days_mismatch' as rule,
        'setlinfo.act_ipt_days' as field, cast(act_ipt_days as varchar) as value, 'error' as severity,
        'actual stay days (act_ipt_days) ' || act_ipt_days || ' differ from the ' || expected_days
            || ' days between admission and discharge' as message
    from ipt_days
    where act_ipt_days <> expected_days
),

fee_sums as (
    select l.setl_id, l.fixmedins_code, l.data_month, l.medfee_sumamt,
        coalesce(sum(i.amt), 0) as item_sum, count(i.setl_id) as item_rows
    from lists as l
    left join items as i on i.setl_id = l.setl_id
    group by all
),

fee_sum_mismatch as (
    select f.setl_id, f.fixmedins_code, f.data_month, 'fee_sum_mismatch' as rule,
        'setlinfo.medfee_sumamt' as field, cast(f.medfee_sumamt as varchar) as value, 'error' as severity,
        'total cost (medfee_sumamt) ' || f.medfee_sumamt || ' differs from the sum of the fee categories '
            || f.item_sum || ' by more than ' || p.fee_sum_tolerance as message
    from fee_sums as f
    cross join params as p
    where f.medfee_sumamt is not null
      and abs(f.medfee_sumamt - f.item_sum) > p.fee_sum_tolerance
),

newborn_weight_missing as (
    select l.setl_id, l.fixmedins_code, l.data_month, 'newborn_weight_missing' as rule,
        case when l.nwb_bir_wt is null then 'setlinfo.nwb_bir_wt' else 'setlinfo.nwb_adm_wt' end as field,
        cast(l.nwb_age as varchar) as value, 'error' as severity,
        'newborn aged ' || l.nwb_age || ' days (at most ' || p.newborn_age_days_weight_required
            || ') has no ' || case when l.nwb_bir_wt is null then 'birth weight (nwb_bir_wt)'
            else 'admission weight (nwb_adm_wt)' end as message
    from lists as l
    cross join params as p
    where l.nwb_age is not null
      and l.nwb_age <= p.newborn_age_days_weight_required
      and (l.nwb_bir_wt is null or l.nwb_adm_wt is null)
),

principal_counts as (
    select l.setl_id, l.fixmedins_code, l.data_month,
        count(d.setl_id) filter (where d.maindiag_flag = '1') as principal_count
    from lists as l
    left join diagnoses as d on d.setl_id = l.setl_id
    group by all
),

principal_diag_count as (
    select setl_id, fixmedins_code, data_month, 'principal_diag_count' as rule,
        'diseinfo.maindiag_flag' as field, cast(principal_count as varchar) as value, 'error' as severity,
        'the list has ' || principal_count || ' principal diagnoses (maindiag_flag = 1); exactly one is required'
            as message
    from principal_counts
    where principal_count <> 1
),

-- timeliness --------------------------------------------------------------------------------

-- 结算清单上传时限: the latest upload within upload_deadline_days of the settlement (of discharge
-- when the settlement is missing), compared as timestamps
upload_late as (
    select l.setl_id, l.fixmedins_code, l.data_month, 'upload_late' as rule,
        'setlinfo.dcla_time' as field, strftime(u.last_dcla_time, '%Y-%m-%d %H:%M:%S') as value,
        'warning' as severity,
        'list uploaded ' || strftime(u.last_dcla_time, '%Y-%m-%d %H:%M:%S') || ', more than '
            || p.upload_deadline_days || ' days after '
            || case when s.setl_id is null then 'discharge' else 'settlement' end
            || ' on ' || strftime(coalesce(s.setl_time, l.dscg_time), '%Y-%m-%d %H:%M:%S') as message
    from lists as l
    inner join uploads as u on u.setl_id = l.setl_id
    left join all_settlements as s on s.setl_id = l.setl_id
    cross join params as p
    where u.last_dcla_time > coalesce(s.setl_time, l.dscg_time) + to_days(p.upload_deadline_days)
),

failures as (
    select * from required_setlinfo
    union all select * from required_children
    union all select * from list_missing
    union all select * from diag_code_unknown
    union all select * from oprn_code_unknown
    union all select * from principal_not_allowed
    union all select * from sex_mismatch
    union all select * from code_not_allowed
    union all select * from dscg_before_adm
    union all select * from ipt_days_mismatch
    union all select * from fee_sum_mismatch
    union all select * from newborn_weight_missing
    union all select * from principal_diag_count
    union all select * from upload_late
),

final as (
    select
        cast(setl_id as varchar) as setl_id,
        cast(fixmedins_code as varchar) as fixmedins_code,
        cast(data_month as varchar) as data_month,
        cast(rule as varchar) as rule,
        cast(field as varchar) as field,
        cast(value as varchar) as value,
        cast(severity as varchar) as severity,
        cast(message as varchar) as message
    from failures
)

select * from final
