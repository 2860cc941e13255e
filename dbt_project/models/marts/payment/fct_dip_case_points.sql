{#- DIP case points (病例分值) of the month: one row per case of a DIP-paid hospital
    (int_dip__disease_key.payment_method = 'DIP'), reading the library of the discharge year
    (fct_dip_library, fct_dip_auxiliary, fct_dip_deviation_means: build the year's library first).

    1. disease (病种) from the year's library, in this order: bed_day `BD:<type>` (床日病种) when a
       bed-day rule holds the principal diagnosis; day_surgery `DS:<disease_key>` for a day-surgery
       case whose key has a day-surgery disease; core when the disease key is a core disease;
       comprehensive `<category3>#<procedure_class>` otherwise, else the residual comprehensive
       disease `*#<procedure_class>` of the class. None found → reason D05; no library
       for the year at all → D06; no key (D01–D04) from the grouping step.
    2. base_score = the disease's score (official when the official library gives one).
    3. auxiliary_coefficient = product of the case's comorbidity, age and discharge level
       coefficients (fct_dip_auxiliary; 1 for a level without one), bounded to
       [dip_aux_coefficient_min, dip_aux_coefficient_max]; core and comprehensive diseases only
       (day-surgery diseases: 1).
    4. deviation (偏差病例, 004_… 第二十一条): cost_ratio = medfee_sumamt / last year's mean cost of the
       disease at hospitals of the same level class (else the library mean of the disease).
       ratio < dip_deviation_low → low: points = score × aux × cost_ratio;
       ratio > dip_deviation_high → high: points = score × aux × (cost_ratio − dip_deviation_high + 1);
       otherwise normal: points = score × aux. At a threshold exactly the case is normal.
    5. bed-day diseases: points = points per day × bed days (act_ipt_days, at least 1); no
       auxiliary coefficient, no deviation.
    points are before the hospital coefficient (等级系数, the payment step). Monthly partition. -#}

with

cases as (
    select
        k.*,
        a.comorbidity_index,
        a.comorbidity_conditions,
        a.comorbidity_level,
        a.age_band,
        a.discharge_level
    from {{ ref('int_dip__disease_key') }} as k
    left join {{ ref('int_dip__auxiliary_levels') }} as a on a.setl_id = k.setl_id and a.data_month = k.data_month
    where {{ in_partition('k.data_month') }} and k.payment_method = 'DIP'
),

params as (
    select
        {{ policy_param('dip_deviation_low', 'decimal(18,4)') }} as deviation_low,
        {{ policy_param('dip_deviation_high', 'decimal(18,4)') }} as deviation_high,
        {{ policy_param('dip_aux_coefficient_min', 'decimal(12,4)') }} as coefficient_min,
        {{ policy_param('dip_aux_coefficient_max', 'decimal(12,4)') }} as coefficient_max
),

reasons as (
    select reason_code, description from {{ ref('dip_reason_codes') }}
),

level_classes as (
    select cast(level_tier as integer) as level_tier, level_class from {{ ref('dip_level_classes') }}
),

{#- The yearly library may not exist yet (a monthly build before the first yearly one): then every
    case gets D06 rather than the monthly build failing. -#}
{%- set library_relation = load_relation(ref('fct_dip_library')) %}
{%- set auxiliary_relation = load_relation(ref('fct_dip_auxiliary')) %}
{%- set deviation_relation = load_relation(ref('fct_dip_deviation_means')) %}
library as (
    {%- if library_relation is not none %}
    select disease_code, disease_type, score, mean_cost, library_source, benchmark_cost,
           primary_care_disease, tcm_advantage_disease
    from {{ ref('fct_dip_library') }}
    where year = {{ partition_window_year() }}
    {%- else %}
    select
        cast(null as varchar) as disease_code, cast(null as varchar) as disease_type,
        cast(null as decimal(18,4)) as score, cast(null as decimal(18,2)) as mean_cost,
        cast(null as varchar) as library_source, cast(null as decimal(18,2)) as benchmark_cost,
        cast(null as boolean) as primary_care_disease, cast(null as boolean) as tcm_advantage_disease
    where false
    {%- endif %}
),

auxiliary as (
    {%- if auxiliary_relation is not none %}
    select disease_code, factor, level, coefficient, coefficient_status
    from {{ ref('fct_dip_auxiliary') }}
    where year = {{ partition_window_year() }}
    {%- else %}
    select
        cast(null as varchar) as disease_code, cast(null as varchar) as factor, cast(null as varchar) as level,
        cast(null as decimal(12,4)) as coefficient, cast(null as varchar) as coefficient_status
    where false
    {%- endif %}
),

deviation_means as (
    {%- if deviation_relation is not none %}
    select disease_code, level_class, reference_year, cases, mean_cost
    from {{ ref('fct_dip_deviation_means') }}
    where year = {{ partition_window_year() }}
    {%- else %}
    select
        cast(null as varchar) as disease_code, cast(null as varchar) as level_class,
        cast(null as integer) as reference_year, cast(null as integer) as cases,
        cast(null as decimal(18,2)) as mean_cost
    where false
    {%- endif %}
),

library_size as (
    select count(*) as diseases from library
),

-- the first candidate the library holds, in the order bed_day, day_surgery, core, comprehensive
candidates as (
    select setl_id, 1 as candidate_rank, 'BD:' || bed_day_type as disease_code, 'bed_day' as wanted_type
    from cases where reason_code is null and bed_day_type is not null
    union all
    select setl_id, 2, 'DS:' || disease_key, 'day_surgery'
    from cases where reason_code is null and bed_day_type is null and is_day_surgery
    union all
    select setl_id, 3, disease_key, 'core'
    from cases where reason_code is null and bed_day_type is null
    union all
    select setl_id, 4, comprehensive_key, 'comprehensive'
    from cases where reason_code is null and bed_day_type is null
    union all
    select setl_id, 5, '*#' || procedure_class, 'comprehensive'
    from cases where reason_code is null and bed_day_type is null
),

matched as (
    select
        c.setl_id,
        arg_min({'disease_code': l.disease_code, 'disease_type': l.disease_type}, c.candidate_rank) as hit,
        string_agg(c.wanted_type || ' ' || c.disease_code, ', ' order by c.candidate_rank) as tried
    from candidates as c
    inner join library as l on l.disease_code = c.disease_code and l.disease_type = c.wanted_type
    group by c.setl_id
),

tried as (
    select setl_id, string_agg(wanted_type || ' ' || disease_code, ', ' order by candidate_rank) as tried
    from candidates
    group by setl_id
),

case_coefficients as (
    select
        c.setl_id,
        coalesce(ac.coefficient, 1) as comorbidity_coefficient,
        coalesce(aa.coefficient, 1) as age_coefficient,
        coalesce(ad.coefficient, 1) as discharge_coefficient,
        coalesce(ac.coefficient_status, 'no_level') as comorbidity_status,
        coalesce(aa.coefficient_status, 'no_level') as age_status,
        coalesce(ad.coefficient_status, 'no_level') as discharge_status
    from cases as c
    inner join matched as m on m.setl_id = c.setl_id
    left join auxiliary as ac
        on ac.disease_code = m.hit.disease_code and ac.factor = 'comorbidity' and ac.level = c.comorbidity_level
    left join auxiliary as aa
        on aa.disease_code = m.hit.disease_code and aa.factor = 'age' and aa.level = c.age_band
    left join auxiliary as ad
        on ad.disease_code = m.hit.disease_code and ad.factor = 'discharge' and ad.level = c.discharge_level
    where m.hit.disease_type in ('core', 'comprehensive')
),

resolved as (
    select
        c.*,
        lc.level_class,
        m.hit.disease_code as disease_code,
        m.hit.disease_type as disease_type,
        t.tried as library_candidates,
        l.score as base_score,
        l.mean_cost as library_mean_cost,
        l.library_source,
        l.benchmark_cost,
        coalesce(l.primary_care_disease, false) as primary_care_disease,
        coalesce(l.tcm_advantage_disease, false) as tcm_advantage_disease,
        cc.comorbidity_coefficient,
        cc.age_coefficient,
        cc.discharge_coefficient,
        cc.comorbidity_status,
        cc.age_status,
        cc.discharge_status,
        case
            when m.hit.disease_type = 'day_surgery' then 1
            when cc.setl_id is null then null
            else least(greatest(cc.comorbidity_coefficient * cc.age_coefficient * cc.discharge_coefficient,
                                p.coefficient_min), p.coefficient_max)
        end as auxiliary_coefficient,
        dm.mean_cost as level_mean_cost,
        dm.reference_year,
        dm.cases as level_mean_cases,
        p.deviation_low,
        p.deviation_high,
        coalesce(c.reason_code, case
            when (select diseases from library_size) = 0 then 'D06'
            when m.setl_id is null then 'D05'
        end) as final_reason_code
    from cases as c
    cross join params as p
    left join level_classes as lc on lc.level_tier = c.level_tier
    left join matched as m on m.setl_id = c.setl_id
    left join tried as t on t.setl_id = c.setl_id
    left join library as l on l.disease_code = m.hit.disease_code
    left join case_coefficients as cc on cc.setl_id = c.setl_id
    left join deviation_means as dm on dm.disease_code = m.hit.disease_code and dm.level_class = lc.level_class
),

measured as (
    select
        *,
        case when level_mean_cost is not null then 'last year at level ' || level_class
             when library_mean_cost is not null then 'library mean (no case last year at level ' || coalesce(level_class, '?') || ')'
        end as deviation_mean_source,
        coalesce(level_mean_cost, library_mean_cost) as deviation_mean_cost,
        greatest(coalesce(act_ipt_days, 1), 1) as bed_days
    from resolved
),

classified as (
    select
        *,
        case when deviation_mean_cost > 0 and disease_type <> 'bed_day'
             then cast(medfee_sumamt as decimal(18,4)) / deviation_mean_cost end as cost_ratio,
        case
            when final_reason_code is not null then 'none'
            when disease_type = 'bed_day' then 'not_applicable'
            when not (deviation_mean_cost > 0) or deviation_mean_cost is null then 'not_applicable'
            when medfee_sumamt / deviation_mean_cost < deviation_low then 'low'
            when medfee_sumamt / deviation_mean_cost > deviation_high then 'high'
            else 'normal'
        end as deviation_class
    from measured
),

pointed as (
    select
        *,
        base_score * auxiliary_coefficient as adjusted_score,
        case
            when final_reason_code is not null then null
            when disease_type = 'bed_day' then base_score * bed_days
            when deviation_class = 'low' then base_score * auxiliary_coefficient * cost_ratio
            when deviation_class = 'high' then base_score * auxiliary_coefficient * (cost_ratio - deviation_high + 1)
            else base_score * auxiliary_coefficient
        end as raw_points,
        case
            when final_reason_code is not null then null
            when disease_type = 'bed_day' then 'points per day × bed days'
            when deviation_class = 'low' then 'score × auxiliary × cost_ratio (below ' || cast(deviation_low as varchar) || ')'
            when deviation_class = 'high' then 'score × auxiliary × (cost_ratio − ' || cast(deviation_high as varchar) || ' + 1)'
            else 'score × auxiliary'
        end as points_formula
    from classified
),

final as (
    select
        p.setl_id,
        p.fixmedins_code,
        p.data_month,
        p.scheme_version,
        p.level_tier,
        p.level_class,
        p.disease_key,
        p.disease_code,
        p.disease_type,
        p.procedure_class,
        p.library_source,
        cast(p.base_score as decimal(18,4)) as base_score,
        cast(round(p.auxiliary_coefficient, 4) as decimal(12,4)) as auxiliary_coefficient,
        p.medfee_sumamt,
        cast(p.deviation_mean_cost as decimal(18,2)) as deviation_mean_cost,
        p.deviation_mean_source,
        cast(round(p.cost_ratio, 4) as decimal(12,4)) as cost_ratio,
        cast(p.deviation_low as decimal(12,4)) as deviation_low,
        cast(p.deviation_high as decimal(12,4)) as deviation_high,
        p.deviation_class,
        case when p.disease_type = 'bed_day' then cast(p.bed_days as integer) end as bed_days,
        cast(round(p.raw_points, 4) as decimal(18,4)) as points,
        p.primary_care_disease,
        p.tcm_advantage_disease,
        coalesce(p.final_reason_code, '00') as reason_code,
        r.description as reason_description,
        case
            when p.final_reason_code is not null then coalesce(p.reason_code, '') || ' '
                || coalesce(p.reason_detail, r.description) || case when p.library_candidates is not null
                    then ' (tried ' || p.library_candidates || ')' else '' end
            else p.disease_type || ' ' || p.disease_code || ' score ' || cast(cast(p.base_score as decimal(18,4)) as varchar)
                || ' (' || p.library_source || ')'
                || case when p.disease_type = 'bed_day'
                        then ' × ' || cast(p.bed_days as varchar) || ' days'
                        else ' × aux ' || cast(cast(round(p.auxiliary_coefficient, 4) as decimal(12,4)) as varchar)
                            || '; cost ' || cast(p.medfee_sumamt as varchar) || ' / mean '
                            || coalesce(cast(cast(p.deviation_mean_cost as decimal(18,2)) as varchar), '-')
                            || ' = ' || coalesce(cast(cast(round(p.cost_ratio, 4) as decimal(12,4)) as varchar), '-')
                            || ' → ' || p.deviation_class end
                || ' → ' || cast(cast(round(p.raw_points, 4) as decimal(18,4)) as varchar) || ' points'
        end as trace_summary,
        {
            'disease_key': {
                'principal_diagnosis': p.principal_diag_code,
                'category4': p.diag_category4,
                'procedures_counted': p.procedures_counted,
                'procedures_not_counted': p.procedures_not_counted,
                'procedure_set': p.procedure_set,
                'procedure_class': p.procedure_class,
                'disease_key': p.disease_key,
                'comprehensive_key': p.comprehensive_key,
                'bed_day_type': p.bed_day_type,
                'day_surgery': p.is_day_surgery},
            'library': {
                'year': cast(left(p.data_month, 4) as integer),
                'candidates': p.library_candidates,
                'disease_code': p.disease_code,
                'disease_type': p.disease_type,
                'source': p.library_source,
                'score': cast(p.base_score as decimal(18,4)),
                'benchmark_cost': p.benchmark_cost},
            'auxiliary': {
                'comorbidity_index': p.comorbidity_index,
                'comorbidity_conditions': p.comorbidity_conditions,
                'comorbidity': {'level': p.comorbidity_level, 'coefficient': p.comorbidity_coefficient, 'status': p.comorbidity_status},
                'age': {'level': p.age_band, 'coefficient': p.age_coefficient, 'status': p.age_status},
                'discharge': {'level': p.discharge_level, 'coefficient': p.discharge_coefficient, 'status': p.discharge_status},
                'coefficient': cast(round(p.auxiliary_coefficient, 4) as decimal(12,4))},
            'deviation': {
                'level_class': p.level_class,
                'mean_cost': cast(p.deviation_mean_cost as decimal(18,2)),
                'mean_source': p.deviation_mean_source,
                'reference_cases': p.level_mean_cases,
                'cost_ratio': cast(round(p.cost_ratio, 4) as decimal(12,4)),
                'low': p.deviation_low,
                'high': p.deviation_high,
                'class': p.deviation_class},
            'points': {
                'formula': p.points_formula,
                'points': cast(round(p.raw_points, 4) as decimal(18,4))},
            'result': {
                'reason_code': coalesce(p.final_reason_code, '00'),
                'reason': r.description,
                'detail': p.reason_detail}
        } as trace
    from pointed as p
    left join reasons as r on r.reason_code = coalesce(p.final_reason_code, '00')
)

select * from final
