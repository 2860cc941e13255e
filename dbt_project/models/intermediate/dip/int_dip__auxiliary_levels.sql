{#- The auxiliary-catalogue levels (辅助目录分型, 004_… 第二十条) of every case of the month, from the
    case itself (no history needed): comorbidity level from the Charlson-like index of its secondary
    diagnoses (seeds/dip_comorbidity_weights.csv: a diagnosis in a condition's ICD-10 range scores
    the condition's weight; within a condition_group only the heaviest condition counts, so
    diabetes with complications is not also counted without, nor a metastatic tumour also as a
    tumour), age band and discharge level (death / leaving against advice, dscg_way 5 / 4), each
    mapped to a level of seeds/dip_auxiliary_levels.csv. The coefficients of the levels come from
    the yearly fct_dip_auxiliary. Monthly partition. -#}

with

cases as (
    select setl_id, data_month, scheme_version, principal_diag_code, age, dscg_way
    from {{ ref('int_dip__disease_key') }}
    where {{ in_partition() }}
),

-- secondary diagnoses: not flagged principal and not a repeat of the principal code
secondary as (
    select distinct d.setl_id, c.scheme_version, {{ drg_code('d.diag_code') }} as diag_code
    from {{ ref('stg_diseinfo') }} as d
    inner join cases as c on c.setl_id = d.setl_id
    where not coalesce(trim(d.maindiag_flag) = '1', false)
      and {{ drg_code('d.diag_code') }} is not null
      and {{ drg_code('d.diag_code') }} is distinct from c.principal_diag_code
),

condition_hits as (
    select s.setl_id, s.diag_code, w.condition, w.condition_group, cast(w.weight as integer) as weight
    from secondary as s
    inner join {{ ref('dip_comorbidity_weights') }} as w
        on w.scheme_version = s.scheme_version
        and left(s.diag_code, length(w.code_from)) >= w.code_from
        and left(s.diag_code, length(w.code_to)) <= w.code_to
),

-- the heaviest condition of each group counts once
group_scores as (
    select
        setl_id,
        condition_group,
        max(weight) as weight,
        arg_max(condition, weight) as condition,
        arg_max(diag_code, weight) as diag_code
    from condition_hits
    group by setl_id, condition_group
),

per_case as (
    select
        setl_id,
        sum(weight) as comorbidity_index,
        list_sort(list({'condition': condition, 'diag_code': diag_code, 'weight': weight})) as comorbidity_conditions
    from group_scores
    group by setl_id
),

levels as (
    select scheme_version, factor, level, cast(min_value as integer) as min_value, cast(max_value as integer) as max_value
    from {{ ref('dip_auxiliary_levels') }}
),

valued as (
    select
        c.setl_id,
        c.data_month,
        c.scheme_version,
        cast(coalesce(p.comorbidity_index, 0) as integer) as comorbidity_index,
        coalesce(p.comorbidity_conditions, []) as comorbidity_conditions,
        c.age,
        try_cast(trim(c.dscg_way) as integer) as dscg_way_value,
        c.dscg_way
    from cases as c
    left join per_case as p on p.setl_id = c.setl_id
),

final as (
    select
        v.setl_id,
        v.data_month,
        v.scheme_version,
        v.comorbidity_index,
        v.comorbidity_conditions,
        lc.level as comorbidity_level,
        v.age,
        la.level as age_band,
        v.dscg_way,
        ld.level as discharge_level
    from valued as v
    left join levels as lc
        on lc.scheme_version = v.scheme_version and lc.factor = 'comorbidity'
        and v.comorbidity_index between lc.min_value and lc.max_value
    left join levels as la
        on la.scheme_version = v.scheme_version and la.factor = 'age'
        and v.age between la.min_value and la.max_value
    left join levels as ld
        on ld.scheme_version = v.scheme_version and ld.factor = 'discharge'
        and v.dscg_way_value between ld.min_value and ld.max_value
)

select * from final
