{#- Step 3 of the CHS-DRG grouper (核心疾病诊断相关组, ADRG): one row per settlement list of the month
    with the ADRG chosen within its MDC (seeds/drg_adrg.csv and its qualifying lists).

    Candidates, ranked by type then the scheme's order (`priority`) within the MDC:
    1. surgical ADRGs (second letter A–J), qualified by an operating-room procedure
       (icd9_procedures.is_or = 1) in their procedure list (`*` = any OR procedure);
    2. non-OR ADRGs (K–Q), qualified by any procedure in their list;
    3. medical ADRGs (R–Z), qualified by the principal diagnosis in their diagnosis list
       (`*` = any principal diagnosis of the MDC), or, in MDCP, by the birth-weight band of
       seeds/drg_pre_mdc_rules.csv (rule type newborn_weight).
    Among procedures qualifying the same ADRG, the main procedure (oprn_oprt_type = 1) then the
    lowest oprn_srt_no is reported. No surgical candidate but an OR procedure that no surgical or
    non-OR list of the MDC names → the MDC's ambiguity group (reason QY). No candidate at all → E06.
    Cases already ungroupable at the MDC step keep their reason. Monthly partition. -#}

with

-- only the columns this step reads: the CTE is read twice, so DuckDB materialises it, and the
-- MDC step's full width (trace columns) made that copy the costliest part of the step
mdc_cases as (
    select
        setl_id, data_month, scheme_version, mdc, principal_diag_code, birth_weight_rule_id,
        birth_weight_adrg, nwb_bir_wt, reason_code, reason_detail
    from {{ ref('int_drg__mdc') }}
    where {{ in_partition() }}
),

groupable as (
    select setl_id, scheme_version, mdc, principal_diag_code, birth_weight_rule_id, birth_weight_adrg, nwb_bir_wt
    from mdc_cases
    where reason_code is null
),

adrgs as (
    select
        scheme_version,
        adrg,
        mdc,
        adrg_name,
        adrg_type,
        priority,
        case adrg_type when 'surgical' then 1 when 'non_or' then 2 else 3 end as type_rank
    from {{ ref('drg_adrg') }}
),

or_flags as (
    select oprn_code, bool_or(cast(is_or as integer) = 1) as is_or
    from {{ ref('icd9_procedures') }}
    group by oprn_code
),

procedures as (
    select
        o.setl_id,
        {{ drg_code('o.oprn_oprt_code') }} as oprn_code,
        coalesce(trim(o.oprn_oprt_type) = '1', false) as is_main,
        o.oprn_srt_no,
        coalesce(f.is_or, false) as is_or
    from {{ ref('stg_oprninfo') }} as o
    left join or_flags as f on f.oprn_code = {{ drg_code('o.oprn_oprt_code') }}
    where {{ in_partition('o.data_month') }}
      and {{ drg_code('o.oprn_oprt_code') }} is not null
),

procedure_prefixes as (
    select *, left(oprn_code, n) as code_prefix
    from (select *, {{ drg_prefix_length('oprn_code') }} as n from procedures)
),

procedure_list as (
    select scheme_version, adrg, {{ drg_code('oprn_code') }} as list_code
    from {{ ref('drg_adrg_procedures') }}
),

diagnosis_list as (
    select scheme_version, adrg, {{ drg_code('diag_code') }} as list_code
    from {{ ref('drg_adrg_diagnoses') }}
),

-- procedure-qualified ADRGs of the case's MDC: listed codes/prefixes, then the `*` wildcards
procedure_hits as (
    select
        g.setl_id, a.adrg, a.adrg_type, a.type_rank, a.priority,
        p.oprn_code, p.is_main, p.oprn_srt_no, l.list_code
    from procedure_prefixes as p
    inner join groupable as g on g.setl_id = p.setl_id
    inner join procedure_list as l on l.scheme_version = g.scheme_version and l.list_code = p.code_prefix
    inner join adrgs as a on a.scheme_version = l.scheme_version and a.adrg = l.adrg and a.mdc = g.mdc
    where a.adrg_type = 'non_or' or (a.adrg_type = 'surgical' and p.is_or)

    union all

    select
        g.setl_id, a.adrg, a.adrg_type, a.type_rank, a.priority,
        p.oprn_code, p.is_main, p.oprn_srt_no, l.list_code
    from procedures as p
    inner join groupable as g on g.setl_id = p.setl_id
    inner join procedure_list as l on l.scheme_version = g.scheme_version and l.list_code = '*'
    inner join adrgs as a on a.scheme_version = l.scheme_version and a.adrg = l.adrg and a.mdc = g.mdc
    where a.adrg_type = 'non_or' or (a.adrg_type = 'surgical' and p.is_or)
),

principal_prefixes as (
    select setl_id, scheme_version, mdc, principal_diag_code, left(principal_diag_code, n) as code_prefix
    from (select *, {{ drg_prefix_length('principal_diag_code') }} as n from groupable)
),

diagnosis_hits as (
    select g.setl_id, a.adrg, a.adrg_type, a.type_rank, a.priority, l.list_code
    from principal_prefixes as g
    inner join diagnosis_list as l on l.scheme_version = g.scheme_version and l.list_code = g.code_prefix
    inner join adrgs as a on a.scheme_version = l.scheme_version and a.adrg = l.adrg and a.mdc = g.mdc
    where a.adrg_type = 'medical'

    union all

    select g.setl_id, a.adrg, a.adrg_type, a.type_rank, a.priority, l.list_code
    from groupable as g
    inner join diagnosis_list as l on l.scheme_version = g.scheme_version and l.list_code = '*'
    inner join adrgs as a on a.scheme_version = l.scheme_version and a.adrg = l.adrg and a.mdc = g.mdc
    where a.adrg_type = 'medical'
),

candidates as (
    select
        setl_id, adrg, adrg_type, type_rank, priority,
        'procedure' as source, oprn_code, is_main, oprn_srt_no, list_code
    from procedure_hits

    union all

    select
        setl_id, adrg, adrg_type, type_rank, priority,
        'principal_diagnosis', null, false, null, list_code
    from diagnosis_hits

    union all

    select
        g.setl_id, a.adrg, a.adrg_type, a.type_rank, a.priority,
        'birth_weight', null, false, null, g.birth_weight_rule_id
    from groupable as g
    inner join adrgs as a
        on a.scheme_version = g.scheme_version and a.adrg = g.birth_weight_adrg and a.mdc = g.mdc
    where g.mdc = 'MDCP'
),

-- one pass per case: the best candidate by (type, scheme order, main procedure, sort number),
-- every candidate ADRG, and whether any surgical one qualified (arg_min beats a window sort here)
chosen as (
    select
        setl_id,
        arg_min(
            {'adrg': adrg, 'adrg_type': adrg_type, 'source': source, 'oprn_code': oprn_code,
             'is_main': is_main, 'list_code': list_code},
            {'type_rank': type_rank, 'priority': priority, 'not_main': not is_main,
             'sort_no': coalesce(oprn_srt_no, 2147483647), 'code': coalesce(oprn_code, '')}
        ) as best,
        array_to_string(list_sort(list_distinct(list(adrg))), ',') as candidate_adrgs,
        bool_or(adrg_type = 'surgical') as has_surgical
    from candidates
    group by setl_id
),

ranked as (
    select
        setl_id,
        best.adrg as adrg,
        best.adrg_type as adrg_type,
        case best.source
            when 'procedure' then 'procedure ' || best.oprn_code || case when best.is_main then ' (main)' else '' end
                || ' in list entry ' || best.list_code
            when 'principal_diagnosis' then 'principal diagnosis ' || g.principal_diag_code
                || ' in list entry ' || best.list_code
            else 'birth weight ' || cast(g.nwb_bir_wt as varchar) || ' g (' || best.list_code || ')'
        end as qualified_by,
        candidate_adrgs,
        has_surgical
    from chosen
    inner join groupable as g using (setl_id)
),

-- OR procedures that no surgical or non-OR list of the case's MDC names (the QY test)
unrelated_or as (
    select
        p.setl_id,
        array_to_string(list_sort(list_distinct(list(p.oprn_code))), ',') as unrelated_or_procedures
    from procedures as p
    where p.is_or
      and p.setl_id in (select setl_id from groupable)
      and not exists (
          select 1 from procedure_hits as h
          where h.setl_id = p.setl_id and h.oprn_code = p.oprn_code
      )
    group by p.setl_id
),

final as (
    select
        m.setl_id,
        m.data_month,
        m.scheme_version,
        m.mdc,
        case when chosen_reason.reason_code is null then r.adrg end as adrg,
        case when chosen_reason.reason_code is null then a.adrg_name end as adrg_name,
        case when chosen_reason.reason_code is null then r.adrg_type end as adrg_type,
        case when chosen_reason.reason_code is null then r.qualified_by end as adrg_qualified_by,
        r.candidate_adrgs,
        u.unrelated_or_procedures,
        chosen_reason.reason_code,
        chosen_reason.reason_detail
    from mdc_cases as m
    left join ranked as r on r.setl_id = m.setl_id
    left join adrgs as a on a.scheme_version = m.scheme_version and a.adrg = r.adrg
    left join unrelated_or as u on u.setl_id = m.setl_id
    cross join lateral (
        select
            case
                when m.reason_code is not null then m.reason_code
                when not coalesce(r.has_surgical, false) and u.unrelated_or_procedures is not null then 'QY'
                when r.adrg is null then 'E06'
            end as reason_code,
            case
                when m.reason_code is not null then m.reason_detail
                when not coalesce(r.has_surgical, false) and u.unrelated_or_procedures is not null
                    then 'OR procedure(s) ' || u.unrelated_or_procedures || ' unrelated to ' || m.mdc
                when r.adrg is null
                    then 'principal diagnosis ' || m.principal_diag_code || ' qualifies no ADRG of ' || m.mdc
            end as reason_detail
    ) as chosen_reason
)

select * from final
