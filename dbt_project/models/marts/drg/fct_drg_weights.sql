{#- Relative weights (相对权重, RW) of the DRGs for payment year var('year'): one row per group of
    the year's scheme (seeds/drg_groups.csv).

    computed_weight = trimmed mean cost of the DRG / trimmed mean cost of all cases, over the grouped
    cases discharged in the history years (the drg_weight_history_years years before the payment
    year; when none of them holds a case, e.g. the first year of the warehouse, the payment year's
    own cases, and weight_basis says so). Trimming: within a DRG, cases whose log cost lies more
    than drg_weight_trim_sd standard deviations from the DRG's mean log cost are left out, both for
    the DRG mean and for the overall mean. Payment uses the agency's official weight when
    seeds/drg_weights_official.csv gives one for the year and DRG (weight_source = official), else
    the computed one (computed), else none. History cases keep the DRG code of their own scheme
    version (the demo's 1.1 and 2.0 tables agree; a real switch regroups the history first).
    Yearly partition (tag yearly): a run for var('year') rebuilds that year. -#}
{{ config(tags=['yearly']) }}

with

params as (
    select
        {{ partition_year() }} as year,
        {{ policy_param('drg_scheme_version', 'varchar', partition_year()) }} as scheme_version,
        {{ policy_param('drg_weight_history_years', 'integer', partition_year()) }} as history_years,
        {{ policy_param('drg_weight_trim_sd', 'double', partition_year()) }} as trim_sd
),

grouped_cases as (
    select f.drg, cast(left(f.data_month, 4) as integer) as discharge_year, f.medfee_sumamt
    from {{ ref('fct_drg_case') }} as f
    where f.group_status = 'grouped' and f.medfee_sumamt > 0
),

history_window as (
    select
        p.*,
        case when exists (
            select 1 from grouped_cases as g
            where g.discharge_year between p.year - p.history_years and p.year - 1
        ) then 'history' else 'same_year' end as weight_basis
    from params as p
),

basis_cases as (
    select g.drg, g.medfee_sumamt, ln(cast(g.medfee_sumamt as double)) as log_cost
    from grouped_cases as g
    cross join history_window as w
    where (w.weight_basis = 'history' and g.discharge_year between w.year - w.history_years and w.year - 1)
       or (w.weight_basis = 'same_year' and g.discharge_year = w.year)
),

log_stats as (
    select drg, avg(log_cost) as mean_log, stddev_samp(log_cost) as sd_log, count(*) as cases
    from basis_cases
    group by drg
),

kept as (
    select b.drg, b.medfee_sumamt
    from basis_cases as b
    inner join log_stats as s on s.drg = b.drg
    cross join params as p
    -- a DRG with one case (no spread) keeps it
    where s.sd_log is null or s.sd_log = 0 or abs(b.log_cost - s.mean_log) <= p.trim_sd * s.sd_log
),

drg_means as (
    select drg, count(*) as kept_cases, avg(medfee_sumamt) as mean_cost
    from kept
    group by drg
),

overall as (
    select avg(medfee_sumamt) as overall_mean_cost from kept
),

official as (
    select o.drg, o.weight as official_weight, o.source as official_source
    from {{ ref('drg_weights_official') }} as o
    cross join params as p
    where o.year = p.year and o.scheme_version = p.scheme_version
),

groups as (
    select g.drg, g.drg_name, cast(g.basic_group as integer) = 1 as basic_group
    from {{ ref('drg_groups') }} as g
    cross join params as p
    where g.scheme_version = p.scheme_version and cast(g.groupable as integer) = 1
),

final as (
    select
        cast(w.year as integer) as year,
        w.scheme_version,
        g.drg,
        g.drg_name,
        g.basic_group,
        w.weight_basis,
        cast(case when w.weight_basis = 'history' then w.year - w.history_years else w.year end as integer)
            as basis_from_year,
        cast(case when w.weight_basis = 'history' then w.year - 1 else w.year end as integer) as basis_to_year,
        cast(w.trim_sd as double) as trim_sd,
        cast(coalesce(s.cases, 0) as integer) as cases,
        cast(coalesce(m.kept_cases, 0) as integer) as kept_cases,
        cast(m.mean_cost as decimal(18,2)) as mean_cost,
        cast(o.overall_mean_cost as decimal(18,2)) as overall_mean_cost,
        cast(round(m.mean_cost / o.overall_mean_cost, 4) as decimal(12,4)) as computed_weight,
        cast(off.official_weight as decimal(12,4)) as official_weight,
        cast(coalesce(off.official_weight, round(m.mean_cost / o.overall_mean_cost, 4)) as decimal(12,4)) as weight,
        case
            when off.official_weight is not null then 'official'
            when m.mean_cost is not null then 'computed'
            else 'none'
        end as weight_source,
        off.official_source
    from groups as g
    cross join history_window as w
    cross join overall as o
    left join log_stats as s on s.drg = g.drg
    left join drg_means as m on m.drg = g.drg
    left join official as off on off.drg = g.drg
)

select * from final
