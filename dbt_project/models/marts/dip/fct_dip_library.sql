{#- The DIP disease library (病种库) of payment year var('year') with each disease's score (病种分值),
    one row per disease, built from int_dip__basis_cases (the reference years before the year).

    Score = trimmed mean cost of the disease / benchmark cost × dip_score_scale (004_… 第十九条);
    for bed-day diseases (床日病种) the score is points per bed-day: the kept cases' total cost /
    their total bed-days / benchmark × scale. Benchmark (dip_benchmark): regional_mean = the mean
    cost of all kept basis cases except bed-day stays (区域内住院平均医疗费用), or base_disease =
    the trimmed mean cost of the disease dip_base_disease names (基准病种; a run stops if it is not
    in the computed library). An official library (seeds/dip_library_official.csv, 官方病种库)
    overrides: where it gives a score for the year and disease, that score pays
    (library_source = official); diseases it lists that the history lacks are added. Flags
    primary_care_disease (基层病种) and tcm_advantage_disease (中医优势病种) from
    seeds/dip_disease_flags.csv: the disease's diagnosis (category4, or category3 of a
    comprehensive disease) starts with the entry's prefix and the procedure class matches.
    Residual comprehensive diseases `*#<procedure_class>` (兜底综合病种: all core and comprehensive
    basis cases of the class, region-wide) score a case whose combination and diagnosis category
    the basis never saw, rather than leaving it without points.
    Yearly partition (tag yearly). -#}
{{ config(tags=['yearly']) }}

with

params as (
    select
        {{ partition_year() }} as year,
        {{ policy_param('dip_scheme_version', 'varchar', partition_year()) }} as scheme_version,
        {{ policy_param('dip_score_scale', 'decimal(18,4)', partition_year()) }} as score_scale,
        {{ policy_param('dip_core_min_cases', 'decimal(18,4)', partition_year()) }} as core_min_cases,
        {{ policy_param('dip_benchmark', 'varchar', partition_year()) }} as benchmark_choice,
        {{ policy_param('dip_base_disease', 'varchar', partition_year()) }} as base_disease
),

basis as (
    select * from {{ ref('int_dip__basis_cases') }} where year = {{ partition_year() }}
),

diseases as (
    select
        disease_code,
        any_value(disease_type) as disease_type,
        -- the diagnosis a disease is defined by: category4, or category3 for a comprehensive one
        any_value(case when disease_type = 'comprehensive' then diag_category3 else diag_category4 end) as diag_code,
        any_value(case when disease_type = 'comprehensive' then null else disease_key end) as disease_key,
        any_value(case when disease_type in ('core', 'day_surgery') then procedure_set end) as procedure_set,
        any_value(procedure_class) filter (where disease_type <> 'bed_day') as procedure_class,
        any_value(library_basis) as library_basis,
        any_value(basis_from_year) as basis_from_year,
        any_value(basis_to_year) as basis_to_year,
        any_value(basis_years) as basis_years,
        count(*) as cases,
        count(*) filter (where kept) as kept_cases,
        avg(medfee_sumamt) filter (where kept) as mean_cost,
        sum(medfee_sumamt) filter (where kept) / sum(bed_days) filter (where kept) as mean_cost_per_day,
        sum(bed_days) filter (where kept) as kept_bed_days
    from basis
    group by disease_code
),

-- residual comprehensive diseases (兜底综合病种), one per procedure class over the whole region:
-- the last resort for a case whose combination and diagnosis category the basis never saw
residual as (
    select
        '*#' || procedure_class as disease_code,
        'comprehensive' as disease_type,
        '*' as diag_code,
        cast(null as varchar) as disease_key,
        cast(null as varchar) as procedure_set,
        procedure_class,
        any_value(library_basis) as library_basis,
        any_value(basis_from_year) as basis_from_year,
        any_value(basis_to_year) as basis_to_year,
        any_value(basis_years) as basis_years,
        count(*) as cases,
        count(*) filter (where kept) as kept_cases,
        avg(medfee_sumamt) filter (where kept) as mean_cost,
        cast(null as double) as mean_cost_per_day,
        cast(null as bigint) as kept_bed_days
    from basis
    where disease_type in ('core', 'comprehensive')
    group by procedure_class
),

all_diseases as (
    select * from diseases
    union all by name
    select * from residual
),

regional as (
    select avg(medfee_sumamt) as regional_mean_cost from basis where kept and disease_type <> 'bed_day'
),

benchmark as (
    select
        p.benchmark_choice,
        case p.benchmark_choice
            when 'regional_mean' then 'regional mean cost of all kept cases (bed-day stays left out)'
            when 'base_disease' then 'mean cost of the base disease ' || p.base_disease
        end as benchmark_basis,
        case p.benchmark_choice
            when 'regional_mean' then r.regional_mean_cost
            when 'base_disease' then coalesce(
                (select d.mean_cost from diseases as d where d.disease_code = p.base_disease),
                error('dip_base_disease ' || p.base_disease || ' is not a disease of the computed DIP library of '
                      || cast(p.year as varchar) || ' (no kept reference case); choose another base disease '
                      || 'or dip_benchmark = regional_mean in seeds/policy_parameters.csv'))
            else error('policy parameter dip_benchmark must be regional_mean or base_disease, got '
                       || p.benchmark_choice || ' for year ' || cast(p.year as varchar))
        end as benchmark_cost
    from params as p
    cross join regional as r
),

official as (
    select o.disease_code, o.disease_type, o.score as official_score, o.source as official_source
    from {{ ref('dip_library_official') }} as o
    cross join params as p
    where o.year = p.year and o.scheme_version = p.scheme_version
),

computed as (
    select
        d.*,
        b.benchmark_choice,
        b.benchmark_basis,
        b.benchmark_cost,
        case when d.disease_type = 'bed_day' then d.mean_cost_per_day else d.mean_cost end
            / b.benchmark_cost * p.score_scale as computed_score
    from all_diseases as d
    cross join benchmark as b
    cross join params as p
),

merged as (
    select
        coalesce(c.disease_code, o.disease_code) as disease_code,
        coalesce(c.disease_type, o.disease_type) as disease_type,
        c.* exclude (disease_code, disease_type),
        o.official_score,
        o.official_source
    from computed as c
    full outer join official as o on o.disease_code = c.disease_code
),

flag_rules as (
    select f.flag, f.diag_prefix, f.procedure_class
    from {{ ref('dip_disease_flags') }} as f
    cross join params as p
    where f.scheme_version = p.scheme_version
),

flags as (
    select
        m.disease_code,
        bool_or(f.flag = 'primary_care') as primary_care_disease,
        bool_or(f.flag = 'tcm_advantage') as tcm_advantage_disease,
        string_agg(f.flag || ' ' || f.diag_prefix || ' × ' || f.procedure_class, '; ' order by f.flag, f.diag_prefix)
            as flag_rules
    from merged as m
    inner join flag_rules as f
        on starts_with(coalesce(m.diag_code, split_part(split_part(m.disease_code, '|', 1), '#', 1)), f.diag_prefix)
        and (f.procedure_class = '*' or f.procedure_class = m.procedure_class)
    where m.disease_type <> 'bed_day'
    group by m.disease_code
),

final as (
    select
        cast(p.year as integer) as year,
        p.scheme_version,
        m.disease_code,
        m.disease_type,
        m.diag_code,
        m.disease_key,
        m.procedure_set,
        m.procedure_class,
        m.library_basis,
        cast(m.basis_from_year as integer) as basis_from_year,
        cast(m.basis_to_year as integer) as basis_to_year,
        cast(m.basis_years as integer) as basis_years,
        cast(coalesce(m.cases, 0) as integer) as cases,
        cast(round(m.cases / m.basis_years, 2) as decimal(12,2)) as annual_cases,
        cast(p.core_min_cases as integer) as core_min_cases,
        cast(coalesce(m.kept_cases, 0) as integer) as kept_cases,
        cast(m.mean_cost as decimal(18,2)) as mean_cost,
        cast(m.mean_cost_per_day as decimal(18,2)) as mean_cost_per_day,
        cast(m.kept_bed_days as integer) as kept_bed_days,
        m.benchmark_choice,
        m.benchmark_basis,
        cast(m.benchmark_cost as decimal(18,2)) as benchmark_cost,
        cast(p.score_scale as decimal(18,4)) as score_scale,
        cast(round(m.computed_score, 4) as decimal(18,4)) as computed_score,
        cast(m.official_score as decimal(18,4)) as official_score,
        cast(coalesce(m.official_score, round(m.computed_score, 4)) as decimal(18,4)) as score,
        case when m.official_score is not null then 'official' else 'computed' end as library_source,
        m.official_source,
        coalesce(f.primary_care_disease, false) as primary_care_disease,
        coalesce(f.tcm_advantage_disease, false) as tcm_advantage_disease,
        f.flag_rules
    from merged as m
    cross join params as p
    left join flags as f on f.disease_code = m.disease_code
)

select * from final
