{#- Step 2 of the CHS-DRG grouper (主要诊断大类, MDC): one row per settlement list of the month with
    its MDC: the pre-MDC rule's if one matched, else the principal diagnosis' by
    seeds/mdc_diagnosis_rules.csv (highest priority among the ranges holding the code). Validates
    the principal diagnosis against the ICD-10 catalogue and checks sex (MDCM/MDCN/MDCO and the
    code's own sex restriction). `reason_code` (seeds/drg_reason_codes.csv) is set when the case
    cannot be grouped: E07 no scheme version, E01 no principal diagnosis, E02 not in the
    catalogue, E03 may not be principal, E04 no MDC, E05 sex conflict. Monthly partition. -#}

with

pre as (
    select * from {{ ref('int_drg__pre_mdc') }}
    where {{ in_partition() }}
),

-- one row per code (the catalogue may hold several versions of a code: any version that allows
-- the code as principal makes it valid)
catalogue as (
    select
        diag_code,
        bool_or(cast(may_be_principal as integer) = 1) as may_be_principal,
        max(nullif(trim(sex_restriction), '')) as sex_restriction,
        max(principal_restriction_reason) as principal_restriction_reason
    from {{ ref('icd10_diagnoses') }}
    group by diag_code
),

-- the range lookup runs once per distinct principal code, then joins back by equality; the
-- codes are taken from the month's flagged diagnoses (a superset of the chosen principals), not
-- from `pre`, which this would make a CTE read twice, materialised at its full width
principal_codes as (
    select distinct {{ drg_month_scheme() }} as scheme_version, {{ drg_code('diag_code') }} as principal_diag_code
    from {{ ref('stg_diseinfo') }}
    where {{ in_partition() }}
      and trim(maindiag_flag) = '1'
      and {{ drg_code('diag_code') }} is not null
),

range_hits as (
    select
        p.scheme_version,
        p.principal_diag_code,
        r.mdc,
        nullif(trim(r.sex), '') as mdc_sex,
        r.priority,
        r.code_from,
        r.code_to,
        row_number() over (
            partition by p.scheme_version, p.principal_diag_code
            order by r.priority desc, r.code_from desc, r.mdc
        ) as hit_rank
    from principal_codes as p
    inner join {{ ref('mdc_diagnosis_rules') }} as r
        on r.scheme_version = p.scheme_version
        and left(p.principal_diag_code, length(r.code_from)) >= r.code_from
        and left(p.principal_diag_code, length(r.code_to)) <= r.code_to
),

diagnosis_mdc as (
    select * from range_hits where hit_rank = 1
),

joined as (
    select
        pre.*,
        cat.diag_code is not null as principal_in_catalogue,
        cat.may_be_principal as principal_may_be_principal,
        cat.principal_restriction_reason,
        cat.sex_restriction as principal_sex_restriction,
        dm.mdc as diagnosis_mdc,
        dm.mdc_sex as diagnosis_mdc_sex,
        dm.code_from || '–' || dm.code_to || ' (priority ' || cast(dm.priority as varchar) || ')'
            as diagnosis_mdc_rule
    from pre
    left join catalogue as cat on cat.diag_code = pre.principal_diag_code
    left join diagnosis_mdc as dm
        on dm.scheme_version = pre.scheme_version and dm.principal_diag_code = pre.principal_diag_code
),

decided as (
    select
        *,
        coalesce(pre_mdc, diagnosis_mdc) as mdc,
        case when pre_mdc is not null then 'pre_mdc' when diagnosis_mdc is not null then 'principal_diagnosis' end
            as mdc_source,
        case
            when pre_mdc is not null then pre_mdc_rule_id || ': ' || pre_mdc_evidence
            else diagnosis_mdc_rule
        end as mdc_rule,
        -- gend 1 male / 2 female; 9 or empty (unknown) contradicts nothing
        case
            when principal_sex_restriction = 'M' and gend = '2'
                then 'principal diagnosis ' || principal_diag_code || ' is for males, case sex ' || gend
            when principal_sex_restriction = 'F' and gend = '1'
                then 'principal diagnosis ' || principal_diag_code || ' is for females, case sex ' || gend
            when pre_mdc is null and diagnosis_mdc_sex = 'M' and gend = '2'
                then diagnosis_mdc || ' requires sex M, case sex ' || gend
            when pre_mdc is null and diagnosis_mdc_sex = 'F' and gend = '1'
                then diagnosis_mdc || ' requires sex F, case sex ' || gend
        end as sex_conflict
    from joined
),

final as (
    select
        *,
        case
            when scheme_version is null then 'E07'
            when principal_diag_code is null then 'E01'
            when not principal_in_catalogue then 'E02'
            when not principal_may_be_principal then 'E03'
            when mdc is null then 'E04'
            when sex_conflict is not null then 'E05'
        end as reason_code,
        case
            when scheme_version is null then 'no drg_scheme_version for year ' || left(data_month, 4)
            when principal_diag_code is null then 'no diagnosis with maindiag_flag = 1'
            when not principal_in_catalogue then principal_diag_code || ' is not in the ICD-10 catalogue'
            when not principal_may_be_principal then principal_diag_code || ' may not be principal ('
                || coalesce(principal_restriction_reason, 'catalogue') || ')'
            when mdc is null then principal_diag_code || ' falls in no range of mdc_diagnosis_rules'
            when sex_conflict is not null then sex_conflict
        end as reason_detail
    from decided
)

-- everything the later steps and the trace use; the working columns of this step stay here
select * exclude (pre_mdc_rule_type, pre_mdc_evidence, principal_restriction_reason, diagnosis_mdc_sex,
                  diagnosis_mdc_rule, sex_conflict)
from final
