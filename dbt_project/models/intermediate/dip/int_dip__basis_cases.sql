{#- The cases a DIP library for payment year var('year') is built from, one row per case, each with
    the disease it counts for. Basis: the cases of all hospitals discharged in the
    dip_reference_years years before the payment year (近3年出院病例, 002_… 二(三)1(2)); when none of
    them holds a case (the first year of the warehouse), the payment year's own cases
    (library_basis = same_year). Cases with a reason code or without a positive cost are left out.

    The disease of a case, in this order:
    1. bed_day: its principal diagnosis is in a bed-day rule → `BD:<bed_day_type>` (床日病种);
    2. day_surgery: a day-surgery case (ipt_med_type 2) whose disease key has at least
       dip_day_surgery_min_cases day-surgery cases a year in the basis → `DS:<disease_key>`;
    3. core: its disease key has at least dip_core_min_cases cases a year (cases of the key,
       bed-day and own-day-surgery cases apart, / the number of basis years holding cases)
       → the disease key (核心病种);
    4. comprehensive: otherwise → `<category3>#<procedure_class>` (综合病种).
    Trimming: within a disease, a case whose log cost lies more than dip_trim_sd standard
    deviations from the disease's mean log cost is not kept (kept = false) for the means.
    Yearly partition (tag yearly). -#}
{{ config(tags=['yearly']) }}

with

params as (
    select
        {{ partition_year() }} as year,
        {{ policy_param('dip_scheme_version', 'varchar', partition_year()) }} as scheme_version,
        {{ policy_param('dip_reference_years', 'integer', partition_year()) }} as reference_years,
        {{ policy_param('dip_core_min_cases', 'decimal(18,4)', partition_year()) }} as core_min_cases,
        {{ policy_param('dip_day_surgery_min_cases', 'decimal(18,4)', partition_year()) }} as day_surgery_min_cases,
        {{ policy_param('dip_trim_sd', 'double', partition_year()) }} as trim_sd
),

level_classes as (
    select cast(level_tier as integer) as level_tier, level_class from {{ ref('dip_level_classes') }}
),

all_cases as (
    select
        k.setl_id,
        k.data_month,
        cast(left(k.data_month, 4) as integer) as discharge_year,
        k.fixmedins_code,
        k.level_tier,
        k.is_day_surgery,
        k.bed_day_type,
        k.disease_key,
        k.comprehensive_key,
        k.diag_category3,
        k.diag_category4,
        k.procedure_set,
        k.procedure_class,
        k.medfee_sumamt,
        greatest(coalesce(k.act_ipt_days, 1), 1) as bed_days,
        a.comorbidity_level,
        a.age_band,
        a.discharge_level
    from {{ ref('int_dip__disease_key') }} as k
    left join {{ ref('int_dip__auxiliary_levels') }} as a on a.setl_id = k.setl_id and a.data_month = k.data_month
    where k.reason_code is null and k.medfee_sumamt > 0
),

basis_window as (
    select
        p.*,
        case when exists (
            select 1 from all_cases as c
            where c.discharge_year between p.year - p.reference_years and p.year - 1
        ) then 'history' else 'same_year' end as library_basis
    from params as p
),

basis as (
    select c.*, w.library_basis
    from all_cases as c
    cross join basis_window as w
    where (w.library_basis = 'history' and c.discharge_year between w.year - w.reference_years and w.year - 1)
       or (w.library_basis = 'same_year' and c.discharge_year = w.year)
),

-- "a year": counts are divided by the number of basis years that hold cases
basis_years as (
    select count(distinct discharge_year) as years, min(discharge_year) as from_year, max(discharge_year) as to_year
    from basis
),

day_surgery_keys as (
    select b.disease_key
    from basis as b
    cross join params as p
    cross join basis_years as y
    where b.is_day_surgery and b.bed_day_type is null
    group by b.disease_key, p.day_surgery_min_cases, y.years
    having count(*) / y.years >= p.day_surgery_min_cases
),

stage_one as (
    select
        b.*,
        case
            when b.bed_day_type is not null then 'bed_day'
            when b.is_day_surgery and d.disease_key is not null then 'day_surgery'
        end as special_type
    from basis as b
    left join day_surgery_keys as d on d.disease_key = b.disease_key
),

core_keys as (
    select s.disease_key, count(*) as key_cases
    from stage_one as s
    cross join params as p
    cross join basis_years as y
    where s.special_type is null
    group by s.disease_key, p.core_min_cases, y.years
    having count(*) / y.years >= p.core_min_cases
),

assigned as (
    select
        s.*,
        coalesce(s.special_type, case when k.disease_key is not null then 'core' else 'comprehensive' end) as disease_type,
        case
            when s.special_type = 'bed_day' then 'BD:' || s.bed_day_type
            when s.special_type = 'day_surgery' then 'DS:' || s.disease_key
            when k.disease_key is not null then s.disease_key
            else s.comprehensive_key
        end as disease_code,
        ln(cast(s.medfee_sumamt as double)) as log_cost
    from stage_one as s
    left join core_keys as k on k.disease_key = s.disease_key
),

log_stats as (
    select disease_code, avg(log_cost) as mean_log, stddev_samp(log_cost) as sd_log
    from assigned
    group by disease_code
),

final as (
    select
        cast(w.year as integer) as year,
        w.scheme_version,
        w.library_basis,
        cast(y.from_year as integer) as basis_from_year,
        cast(y.to_year as integer) as basis_to_year,
        cast(y.years as integer) as basis_years,
        a.setl_id,
        a.data_month,
        a.discharge_year,
        a.fixmedins_code,
        a.level_tier,
        lc.level_class,
        a.disease_code,
        a.disease_type,
        a.disease_key,
        a.comprehensive_key,
        a.diag_category3,
        a.diag_category4,
        a.procedure_set,
        a.procedure_class,
        a.bed_day_type,
        a.is_day_surgery,
        a.medfee_sumamt,
        cast(a.bed_days as integer) as bed_days,
        a.comorbidity_level,
        a.age_band,
        a.discharge_level,
        -- a disease with one case (no spread) keeps it
        (s.sd_log is null or s.sd_log = 0 or abs(a.log_cost - s.mean_log) <= w.trim_sd * s.sd_log) as kept
    from assigned as a
    inner join log_stats as s on s.disease_code = a.disease_code
    cross join basis_window as w
    cross join basis_years as y
    left join level_classes as lc on lc.level_tier = a.level_tier
)

select * from final
