{#- One row per inpatient case (settlement list) of the month with its CHS-DRG group (病组) and the
    whole trace of how it got there. Every hospital's cases are grouped, whatever its payment
    method (the agency groups all inpatient cases, 000_… 二(一)); `payment_method` says which ones
    DRG pays, and the payment marts filter on it.

    DRG = ADRG + severity suffix from seeds/drg_groups.csv: 1 with MCC, 3 with CC, 5 without,
    9 not split. When the ADRG has no group for the case's level, the next lower-severity group
    it has is used (MCC → 1, else 3, else 5; CC → 3, else 5). Ungroupable cases get `0000`
    (reasons E01–E07) or the MDC's ambiguity group `<letter>QY` (reason QY). Monthly partition. -#}

with

mdc as (
    select * from {{ ref('int_drg__mdc') }} where {{ in_partition() }}
),

adrg as (
    select * from {{ ref('int_drg__adrg') }} where {{ in_partition() }}
),

severity as (
    select * from {{ ref('int_drg__severity') }} where {{ in_partition() }}
),

groups as (
    select scheme_version, drg, adrg, drg_name, severity_suffix, cast(basic_group as integer) = 1 as basic_group
    from {{ ref('drg_groups') }}
),

reasons as (
    select reason_code, description from {{ ref('drg_reason_codes') }}
),

-- the registry entry valid at discharge
hospitals as (
    select fixmedins_code, payment_method, valid_from, valid_to
    from {{ ref('hospitals') }}
),

cases as (
    select
        -- the ADRG step carries the MDC step's reason forward, with its own (QY, E06)
        m.* exclude (reason_code, reason_detail),
        a.adrg,
        a.adrg_name,
        a.adrg_type,
        a.adrg_qualified_by,
        a.candidate_adrgs,
        a.unrelated_or_procedures,
        a.reason_code as adrg_reason_code,
        a.reason_detail as adrg_reason_detail,
        s.severity,
        s.severity_diag_code,
        s.cc_counted,
        s.cc_excluded,
        case s.severity when 'MCC' then '1' when 'CC' then '3' else '5' end as target_suffix
    from mdc as m
    inner join adrg as a on a.setl_id = m.setl_id
    inner join severity as s on s.setl_id = m.setl_id
),

-- the group of the ADRG at each target level, else the next lower-severity one it has: decided
-- once per (scheme, ADRG, target suffix) on the small groups seed, then joined to the cases by
-- equality (a per-case arg_min over the cases' rows cost a wide materialised CTE and a 1M-group
-- aggregate on a province)
drg_choice as (
    select
        g.scheme_version,
        g.adrg,
        t.target_suffix,
        arg_min(
            {'drg': g.drg, 'drg_name': g.drg_name, 'severity_suffix': g.severity_suffix, 'basic_group': g.basic_group},
            {'below_target': g.severity_suffix < t.target_suffix,
             'at_or_above': case when g.severity_suffix >= t.target_suffix then g.severity_suffix end,
             'below_desc': -cast(g.severity_suffix as integer)}
        ) as choice
    from groups as g
    cross join (values ('1'), ('3'), ('5')) as t (target_suffix)
    group by g.scheme_version, g.adrg, t.target_suffix
),

resolved as (
    select
        c.*,
        h.payment_method,
        coalesce(c.adrg_reason_code, case when d.choice is null then 'E06' end) as reason_code,
        case
            when c.adrg_reason_code is not null then c.adrg_reason_detail
            when d.choice is null then 'ADRG ' || c.adrg || ' has no group in drg_groups'
        end as reason_detail,
        d.choice.drg as grouped_drg,
        d.choice.drg_name as grouped_drg_name,
        d.choice.severity_suffix as severity_suffix,
        d.choice.basic_group as basic_group
    from cases as c
    left join drg_choice as d
        on c.adrg_reason_code is null
        and d.scheme_version = c.scheme_version and d.adrg = c.adrg and d.target_suffix = c.target_suffix
    left join hospitals as h
        on h.fixmedins_code = c.fixmedins_code
        and cast(c.dscg_time as date) >= cast(h.valid_from as date)
        and (h.valid_to is null or cast(c.dscg_time as date) <= cast(h.valid_to as date))
),

labelled as (
    select
        r.*,
        case
            when r.reason_code is null then r.grouped_drg
            when r.reason_code = 'QY' then substr(r.mdc, 4, 1) || 'QY'
            else '0000'
        end as drg,
        case when r.reason_code is null then 'grouped' else 'ungroupable' end as group_status,
        rc.description as reason_description
    from resolved as r
    left join reasons as rc on rc.reason_code = coalesce(r.reason_code, '00')
),

final as (
    select
        l.setl_id,
        l.mdtrt_id,
        l.psn_no,
        l.fixmedins_code,
        l.payment_method,
        l.data_month,
        l.dscg_time,
        l.scheme_version,
        l.principal_diag_code,
        -- a case with an invalid principal diagnosis has no MDC (0000); QY and sex conflicts keep it
        case when l.reason_code in ('E01', 'E02', 'E03', 'E04', 'E07') then null else l.mdc end as mdc,
        l.mdc_source,
        case when l.reason_code is null then l.adrg end as adrg,
        case when l.reason_code is null then l.adrg_type end as adrg_type,
        l.drg,
        coalesce(g.drg_name, case when l.reason_code is null then l.grouped_drg_name end) as drg_name,
        case when l.reason_code is null then l.severity end as severity,
        case when l.reason_code is null then l.severity_diag_code end as severity_diag_code,
        coalesce(l.basic_group, false) as basic_group,
        l.group_status,
        coalesce(l.reason_code, '00') as reason_code,
        l.reason_description,
        l.medfee_sumamt,
        l.act_ipt_days,
        l.dscg_way,
        concat_ws('; ',
            'scheme ' || coalesce(l.scheme_version, '?'),
            'principal ' || coalesce(l.principal_diag_code, '-'),
            case when l.mdc is not null then l.mdc || ' by ' || l.mdc_source || ' ' || l.mdc_rule end,
            case when l.reason_code is null then l.adrg || ' (' || l.adrg_type || ') by ' || l.adrg_qualified_by end,
            case when l.reason_code is null then 'severity ' || l.severity
                || coalesce(' by ' || l.severity_diag_code, '') end,
            case when l.reason_code is null and len(l.cc_excluded) > 0 then 'excluded '
                || array_to_string(list_transform(l.cc_excluded, lambda x: x.diag_code || ' ' || x.level || ' (' || x.excluded_by || ')'), ', ')
            end,
            'DRG ' || l.drg,
            case when l.reason_code is not null then l.reason_code || ': ' || l.reason_detail end
        ) as trace_summary,
        -- a STRUCT, not JSON text: serialising 1M traces cost ~40% of the grouper; readers that want
        -- JSON call to_json(trace) (drgdip group does), SQL reads trace.severity.excluded directly
        {
            'scheme': {
                'version': l.scheme_version,
                'source': 'policy_parameters drg_scheme_version ' || left(l.data_month, 4)},
            'principal_diagnosis': {
                'code': l.principal_diag_code,
                'flagged_count': l.principal_flag_count,
                'in_catalogue': l.principal_in_catalogue,
                'may_be_principal': l.principal_may_be_principal,
                'sex_restriction': l.principal_sex_restriction,
                'case_sex': l.gend},
            'pre_mdc': {
                'mdc': l.pre_mdc,
                'rule_id': l.pre_mdc_rule_id,
                'rules_matched': l.pre_mdc_rules_matched,
                'birth_weight_rule_id': l.birth_weight_rule_id},
            'mdc': {
                'mdc': l.mdc,
                'source': l.mdc_source,
                'rule': l.mdc_rule,
                'principal_diagnosis_mdc': l.diagnosis_mdc},
            'adrg': {
                'adrg': l.adrg,
                'name': l.adrg_name,
                'type': l.adrg_type,
                'qualified_by': l.adrg_qualified_by,
                'candidates': l.candidate_adrgs,
                'unrelated_or_procedures': l.unrelated_or_procedures},
            'severity': {
                'level': l.severity,
                'decided_by': l.severity_diag_code,
                'counted': l.cc_counted,
                'excluded': l.cc_excluded},
            'drg': {
                'drg': l.drg,
                'target_suffix': l.target_suffix,
                'suffix_used': l.severity_suffix,
                'basic_group': l.basic_group},
            'result': {
                'status': l.group_status,
                'reason_code': coalesce(l.reason_code, '00'),
                'reason': l.reason_description,
                'detail': l.reason_detail}
        } as trace
    from labelled as l
    left join groups as g on g.scheme_version = l.scheme_version and g.drg = l.drg and l.reason_code is not null
)

select * from final
