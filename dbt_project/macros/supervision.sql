{#- Supervision indicators (监管指标) of the month per hospital, or per hospital and MDC: the one
    body of mart_supervision__hospital_month (by_mdc=false) and mart_supervision__hospital_month_mdc
    (by_mdc=true, cases without an MDC under 'NONE'), whose doc comments and YAML give the formulas.
    Reads int_supervision__cases and int_supervision__readmission_pairs; parameters
    supervision_window_months and supervision_low_risk_max_mortality. -#}
{% macro supervision_indicators(by_mdc=false) -%}
with

cases as (
    select
        setl_id, fixmedins_code, fixmedins_name, level_tier, payment_method, data_month, year,
        {%- if by_mdc %} coalesce(mdc, 'NONE') as mdc,{% endif %} los_days, died, drg, group_status,
        high_severity, rw, medfee_sumamt, fund_amount, out_of_pocket, multiple_type, points, cross_region
    from {{ ref('int_supervision__cases') }}
    where data_month = {{ partition_month() }}
),

previous_month_cases as (
    select fixmedins_code,{% if by_mdc %} coalesce(mdc, 'NONE') as mdc,{% endif %} medfee_sumamt
    from {{ ref('int_supervision__cases') }}
    where data_month = {{ flag_previous_month() }}
),

parameters as (
    select
        {{ policy_param('supervision_low_risk_max_mortality', 'double') }} as low_risk_max_mortality
),

window_cases as (
    -- the trailing window of the low-risk groups: supervision_window_months months ending at the month
    select drg, died
    from {{ ref('int_supervision__cases') }}
    where group_status = 'grouped'
      and data_month between {{ flag_window_from() }} and {{ partition_month() }}
),

readmissions as (
    select second_setl_id as setl_id, within_window
    from {{ ref('int_supervision__readmission_pairs') }}
    where data_month = {{ partition_month() }}
),

regional_drg_means as (
    -- all hospitals' grouped cases of the month
    select drg, avg(medfee_sumamt) as regional_mean_cost, avg(los_days) as regional_mean_los
    from cases
    where group_status = 'grouped'
    group by drg
),

low_risk_drgs as (
    select drg
    from window_cases
    group by drg
    having count(*) filter (where died) / count(*) < (select low_risk_max_mortality from parameters)
),

previous_month_means as (
    select fixmedins_code,{% if by_mdc %} mdc,{% endif %} avg(medfee_sumamt) as previous_mean_cost
    from previous_month_cases
    group by fixmedins_code{% if by_mdc %}, mdc{% endif %}
),

case_facts as (
    select
        c.*,
        c.group_status = 'grouped' as grouped,
        m.regional_mean_cost,
        m.regional_mean_los,
        c.group_status = 'grouped' and l.drg is not null as low_risk,
        r.setl_id is not null as readmitted_31d,
        coalesce(r.within_window, false) as readmitted_15d
    from cases as c
    left join regional_drg_means as m on m.drg = c.drg and c.group_status = 'grouped'
    left join low_risk_drgs as l on l.drg = c.drg
    left join readmissions as r using (setl_id)
),

hospital_month as (
    select
        fixmedins_code,
        data_month,
        {%- if by_mdc %}
        mdc,
        {%- endif %}
        any_value(fixmedins_name) as fixmedins_name,
        any_value(level_tier) as level_tier,
        any_value(payment_method) as payment_method,
        any_value(year) as year,
        count(*) as cases,
        count(*) filter (where grouped) as grouped_cases,
        count(rw) filter (where grouped) as weighted_cases,
        sum(rw) filter (where grouped) as total_weight,
        sum(medfee_sumamt) filter (where grouped and medfee_sumamt is not null) as indexed_cost,
        sum(regional_mean_cost) filter (where grouped and medfee_sumamt is not null) as expected_cost,
        sum(los_days) filter (where grouped and los_days is not null) as indexed_los,
        sum(regional_mean_los) filter (where grouped and los_days is not null) as expected_los,
        avg(los_days) as mean_los,
        avg(medfee_sumamt) as mean_cost,
        sum(medfee_sumamt) as total_cost,
        sum(fund_amount) as fund_amount,
        sum(out_of_pocket) as out_of_pocket,
        count(*) filter (where low_risk) as low_risk_cases,
        count(*) filter (where low_risk and died) as low_risk_deaths,
        count(*) filter (where readmitted_15d) as readmissions_15d,
        count(*) filter (where readmitted_31d) as readmissions_31d,
        count(*) filter (where high_severity) as high_severity_cases,
        count(*) filter (where multiple_type in ('high', 'low', 'normal')) as group_paid_cases,
        count(*) filter (where multiple_type = 'high') as high_multiple_cases,
        count(*) filter (where multiple_type = 'low') as low_multiple_cases,
        count(*) filter (where cross_region) as cross_region_cases,
        sum(points) as points
    from case_facts
    group by fixmedins_code, data_month{% if by_mdc %}, mdc{% endif %}
),

final as (
    select
        h.fixmedins_code,
        h.fixmedins_name,
        cast(h.level_tier as integer) as level_tier,
        h.payment_method,
        h.data_month,
        cast(h.year as integer) as year,
        {%- if by_mdc %}
        h.mdc,
        {%- endif %}
        cast(h.cases as integer) as cases,
        cast(h.grouped_cases as integer) as grouped_cases,
        cast(h.weighted_cases as integer) as weighted_cases,
        cast(coalesce(h.total_weight, 0) as decimal(18, 4)) as total_weight,
        cast(h.total_weight / nullif(h.weighted_cases, 0) as double) as cmi,
        cast(h.indexed_cost / nullif(h.expected_cost, 0) as double) as cost_index,
        cast(h.indexed_los / nullif(h.expected_los, 0) as double) as time_index,
        cast(h.mean_los as double) as mean_los,
        cast(h.mean_cost as double) as mean_cost,
        cast(h.mean_cost / nullif(p.previous_mean_cost, 0) - 1 as double) as mean_cost_growth,
        cast(h.total_cost as decimal(18, 2)) as total_cost,
        cast(h.fund_amount as decimal(18, 2)) as fund_amount,
        cast(h.fund_amount / nullif(h.total_cost, 0) as double) as fund_share,
        cast(h.out_of_pocket as decimal(18, 2)) as out_of_pocket,
        cast(h.out_of_pocket / nullif(h.total_cost, 0) as double) as out_of_pocket_share,
        cast(h.low_risk_cases as integer) as low_risk_cases,
        cast(h.low_risk_deaths as integer) as low_risk_deaths,
        cast(h.low_risk_deaths / nullif(h.low_risk_cases, 0) as double) as low_risk_mortality,
        cast(h.readmissions_15d as integer) as readmissions_15d,
        cast(h.readmissions_15d / nullif(h.cases, 0) as double) as readmission_rate_15d,
        cast(h.readmissions_31d as integer) as readmissions_31d,
        cast(h.readmissions_31d / nullif(h.cases, 0) as double) as readmission_rate_31d,
        cast(h.high_severity_cases as integer) as high_severity_cases,
        cast(h.high_severity_cases / nullif(h.grouped_cases, 0) as double) as high_severity_share,
        cast(h.group_paid_cases as integer) as group_paid_cases,
        cast(h.high_multiple_cases as integer) as high_multiple_cases,
        cast(h.high_multiple_cases / nullif(h.group_paid_cases, 0) as double) as high_multiple_share,
        cast(h.low_multiple_cases as integer) as low_multiple_cases,
        cast(h.low_multiple_cases / nullif(h.group_paid_cases, 0) as double) as low_multiple_share,
        cast(h.cross_region_cases as integer) as cross_region_cases,
        cast(h.cross_region_cases / nullif(h.cases, 0) as double) as cross_region_share,
        cast(h.points as decimal(18, 4)) as points
    from hospital_month as h
    left join previous_month_means as p using (fixmedins_code{% if by_mdc %}, mdc{% endif %})
)

select * from final
{%- endmacro %}


{#- The body of a reconciliation test of a supervision indicator mart against the cases: expects a
    CTE `mart` with one row per (data_month, fixmedins_code) holding the mart's sums of cases,
    grouped_cases, total_weight, total_cost, fund_amount, out_of_pocket, points and
    readmissions_31d; adds the same sums from int_supervision__cases and
    int_supervision__readmission_pairs for the months the mart holds and returns the
    hospital-months that do not add up (both sides shown, `mart_*` and `case_*`). -#}
{% macro supervision_reconciliation() -%}
{%- set measures = ['cases', 'grouped_cases', 'total_weight', 'total_cost', 'fund_amount', 'out_of_pocket', 'points'] -%}
cases as (
    select
        data_month,
        fixmedins_code,
        count(*) as cases,
        count(*) filter (where group_status = 'grouped') as grouped_cases,
        coalesce(sum(rw) filter (where group_status = 'grouped'), 0) as total_weight,
        sum(medfee_sumamt) as total_cost,
        sum(fund_amount) as fund_amount,
        sum(out_of_pocket) as out_of_pocket,
        sum(points) as points
    from {{ ref('int_supervision__cases') }}
    where data_month in (select data_month from mart)
    group by all
),

pairs as (
    select data_month, fixmedins_code, count(*) as readmissions_31d
    from {{ ref('int_supervision__readmission_pairs') }}
    where data_month in (select data_month from mart)
    group by all
)

select
    coalesce(m.data_month, c.data_month) as data_month,
    coalesce(m.fixmedins_code, c.fixmedins_code) as fixmedins_code,
    {%- for measure in measures %}
    m.{{ measure }} as mart_{{ measure }}, c.{{ measure }} as case_{{ measure }},
    {%- endfor %}
    m.readmissions_31d as mart_readmissions_31d, coalesce(p.readmissions_31d, 0) as case_readmissions_31d
from mart as m
full outer join cases as c using (data_month, fixmedins_code)
left join pairs as p on p.data_month = coalesce(m.data_month, c.data_month)
    and p.fixmedins_code = coalesce(m.fixmedins_code, c.fixmedins_code)
where m.readmissions_31d is distinct from coalesce(p.readmissions_31d, 0)
    {%- for measure in measures %}
    or m.{{ measure }} is distinct from c.{{ measure }}
    {%- endfor %}
{%- endmacro %}
