{#- Step 1 of the CHS-DRG grouper (先期分组, pre-MDC): one row per settlement list of the month
    with its scheme version, its principal diagnosis and the pre-MDC rule that decides its MDC,
    if any (seeds/drg_pre_mdc_rules.csv: MDCA transplants / long ventilation with tracheostomy,
    MDCP newborns by age in days, MDCY HIV, MDCZ multiple significant trauma). Also the birth-weight
    band that qualifies a newborn's ADRG later (used only when the case lands in MDCP).
    Ephemeral: compiled into int_drg__mdc as a CTE (the MDC step keeps these columns, the winning
    rule's type and evidence inside its mdc_rule, so a table of its own was a second write and read
    of the month's cases). -#}
{{ config(materialized='ephemeral') }}

with

-- the month's cases, narrow: the rules read these columns, and a CTE read several times is
-- materialised at its width (the other header columns are read once, in `final`)
cases as (
    select setl_id, nwb_age, nwb_bir_wt, vent_used_dura
    from {{ ref('stg_setlinfo') }}
    where {{ in_partition() }}
),

case_headers as (
    select
        setl_id,
        mdtrt_id,
        psn_no,
        fixmedins_code,
        data_month,
        dscg_time,
        gend,
        age,
        nwb_age,
        nwb_bir_wt,
        vent_used_dura,
        act_ipt_days,
        dscg_way,
        medfee_sumamt
    from {{ ref('stg_setlinfo') }}
    where {{ in_partition() }}
),

-- the scheme version of the discharge year (policy parameter drg_scheme_version); NULL → E07
scheme as (
    select {{ drg_month_scheme() }} as scheme_version
),

-- a line is staged in its header's data month (macros/staging.sql list_line_status), so the
-- month's diagnosis and procedure rows are the month's cases' rows (a line another month's older
-- staging build still holds for a case since moved to this month is not read)
diagnoses as (
    select
        d.setl_id,
        {{ drg_code('d.diag_code') }} as diag_code,
        coalesce(trim(d.maindiag_flag) = '1', false) as is_principal,
        d.diag_srt_no
    from {{ ref('stg_diseinfo') }} as d
    where {{ in_partition('d.data_month') }}
      and {{ drg_code('d.diag_code') }} is not null
),

procedures as (
    select
        o.setl_id,
        {{ drg_code('o.oprn_oprt_code') }} as oprn_code
    from {{ ref('stg_oprninfo') }} as o
    where {{ in_partition('o.data_month') }}
      and {{ drg_code('o.oprn_oprt_code') }} is not null
),

-- the principal diagnosis is the flagged one; several flags: the first by diag_srt_no (traced)
principal as (
    select
        setl_id,
        count(*) as principal_flag_count,
        arg_min(diag_code, diag_srt_no) as principal_diag_code
    from diagnoses
    where is_principal
    group by setl_id
),

-- thresholds named by a policy parameter are read for the partition's year
rules as (
    select
        r.rule_id,
        r.mdc,
        r.priority,
        r.rule_type,
        {{ drg_code('r.code') }} as code,
        {{ drg_rule_bound('min', 'pmin') }} as min_value,
        {{ drg_rule_bound('max', 'pmax') }} as max_value,
        r.adrg
    from {{ ref('drg_pre_mdc_rules') }} as r
    inner join scheme as s on r.scheme_version = s.scheme_version
    left join {{ ref('policy_parameters') }} as pmin
        on pmin.parameter = r.min_parameter and cast(pmin.year as integer) = {{ partition_window_year() }}
    left join {{ ref('policy_parameters') }} as pmax
        on pmax.parameter = r.max_parameter and cast(pmax.year as integer) = {{ partition_window_year() }}
),

procedure_prefixes as (
    select setl_id, oprn_code, left(oprn_code, n) as code_prefix
    from (select *, {{ drg_prefix_length('oprn_code') }} as n from procedures)
),

-- only diagnoses that can match a diagnosis rule (HIV, trauma) are expanded: on a province the
-- prefixes of every diagnosis would be ten times the rows
diagnosis_initials as (
    select distinct left(code, 1) as initial from rules where rule_type = 'principal_diagnosis'
    union
    select distinct left(t.diag_code, 1) from {{ ref('drg_trauma_regions') }} as t
),

diagnosis_prefixes as (
    select setl_id, diag_code, left(diag_code, n) as code_prefix
    from (
        select *, {{ drg_prefix_length('diag_code') }} as n
        from diagnoses
        where left(diag_code, 1) in (select initial from diagnosis_initials)
    )
),

-- MDCA: a listed procedure (transplant, ECMO), or a tracheostomy with ventilation ≥ the threshold
procedure_hits as (
    select
        p.setl_id,
        r.rule_id,
        r.mdc,
        r.priority,
        r.rule_type,
        case r.rule_type
            when 'procedure' then 'procedure ' || p.oprn_code
            else 'ventilation ' || cast(c.vent_used_dura as varchar) || ' h >= '
                || cast(r.min_value as varchar) || ' h with procedure ' || p.oprn_code
        end as evidence
    from procedure_prefixes as p
    inner join rules as r
        on r.code = p.code_prefix and r.rule_type in ('procedure', 'ventilation_procedure')
    inner join cases as c on c.setl_id = p.setl_id
    where r.rule_type = 'procedure' or coalesce(c.vent_used_dura, 0) >= r.min_value
),

-- MDCP: age in days within the newborn range
newborn_hits as (
    select
        c.setl_id,
        r.rule_id,
        r.mdc,
        r.priority,
        r.rule_type,
        'nwb_age ' || cast(c.nwb_age as varchar) || ' days in ['
            || cast(r.min_value as varchar) || ', ' || cast(r.max_value as varchar) || ']' as evidence
    from cases as c
    inner join rules as r on r.rule_type = 'newborn_age'
    where c.nwb_age between r.min_value and r.max_value
),

-- MDCY: the principal diagnosis is listed (HIV disease)
principal_hits as (
    select distinct
        pr.setl_id,
        r.rule_id,
        r.mdc,
        r.priority,
        r.rule_type,
        'principal diagnosis ' || pr.principal_diag_code as evidence
    from principal as pr
    inner join diagnosis_prefixes as d
        on d.setl_id = pr.setl_id and d.diag_code = pr.principal_diag_code
    inner join rules as r on r.rule_type = 'principal_diagnosis' and r.code = d.code_prefix
),

-- MDCZ: significant trauma in at least min_value body regions, the principal diagnosis one of them
trauma_diagnoses as (
    select distinct d.setl_id, d.diag_code, t.body_region
    from diagnosis_prefixes as d
    inner join {{ ref('drg_trauma_regions') }} as t on t.diag_code = d.code_prefix
    inner join scheme as s on t.scheme_version = s.scheme_version
),

trauma_cases as (
    select
        t.setl_id,
        count(distinct t.body_region) as body_regions,
        string_agg(distinct t.body_region, ',' order by t.body_region) as body_region_list,
        bool_or(t.diag_code = pr.principal_diag_code) as principal_is_trauma
    from trauma_diagnoses as t
    inner join principal as pr on pr.setl_id = t.setl_id
    group by t.setl_id
),

trauma_hits as (
    select
        t.setl_id,
        r.rule_id,
        r.mdc,
        r.priority,
        r.rule_type,
        cast(t.body_regions as varchar) || ' significant trauma body regions (' || t.body_region_list
            || ') >= ' || cast(r.min_value as varchar) as evidence
    from trauma_cases as t
    inner join rules as r on r.rule_type = 'trauma_regions'
    where t.principal_is_trauma and t.body_regions >= r.min_value
),

all_hits as (
    select * from procedure_hits
    union all select * from newborn_hits
    union all select * from principal_hits
    union all select * from trauma_hits
),

-- lowest priority number first (MDCA before MDCP before MDCY before MDCZ), then rule order
ranked_hits as (
    select
        *,
        row_number() over (partition by setl_id order by priority, rule_id, evidence) as hit_rank
    from all_hits
),

hit_summary as (
    select
        setl_id,
        string_agg(rule_id || ' ' || mdc || ': ' || evidence, '; ' order by hit_rank) as pre_mdc_rules_matched
    from ranked_hits
    group by setl_id
),

-- MDCP birth-weight band (qualifies PS1..PS3 in the ADRG step)
weight_bands as (
    select
        c.setl_id,
        r.rule_id as birth_weight_rule_id,
        r.adrg as birth_weight_adrg,
        row_number() over (partition by c.setl_id order by r.priority, r.rule_id) as band_rank
    from cases as c
    inner join rules as r on r.rule_type = 'newborn_weight'
    where c.nwb_bir_wt between r.min_value and r.max_value
),

final as (
    select
        c.setl_id,
        c.mdtrt_id,
        c.psn_no,
        c.fixmedins_code,
        c.data_month,
        c.dscg_time,
        c.gend,
        c.age,
        c.nwb_age,
        c.nwb_bir_wt,
        c.vent_used_dura,
        c.act_ipt_days,
        c.dscg_way,
        c.medfee_sumamt,
        s.scheme_version,
        pr.principal_diag_code,
        cast(coalesce(pr.principal_flag_count, 0) as integer) as principal_flag_count,
        h.mdc as pre_mdc,
        h.rule_id as pre_mdc_rule_id,
        h.rule_type as pre_mdc_rule_type,
        h.evidence as pre_mdc_evidence,
        hs.pre_mdc_rules_matched,
        w.birth_weight_rule_id,
        w.birth_weight_adrg
    from case_headers as c
    cross join scheme as s
    left join principal as pr on pr.setl_id = c.setl_id
    left join ranked_hits as h on h.setl_id = c.setl_id and h.hit_rank = 1
    left join hit_summary as hs on hs.setl_id = c.setl_id
    left join weight_bands as w on w.setl_id = c.setl_id and w.band_rank = 1
)

select * from final
