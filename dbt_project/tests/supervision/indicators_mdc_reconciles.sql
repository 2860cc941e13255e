{{ config(meta={'dagster': {'ref': {'name': 'mart_supervision__hospital_month_mdc'}}}) }}
{#- Reconciliation: the MDC rows of a hospital-month in mart_supervision__hospital_month_mdc add up
    to the hospital-month's cases in int_supervision__cases (cases, grouped cases, weight, cost,
    fund, out-of-pocket, points, readmission pairs): every case under exactly one MDC (or NONE).
    Only the months the mart holds are compared. Returns the hospital-months that do not add up. -#}
with

mdc_sums as (
    select
        data_month,
        fixmedins_code,
        sum(cases) as cases,
        sum(grouped_cases) as grouped_cases,
        sum(total_weight) as total_weight,
        sum(total_cost) as total_cost,
        sum(fund_amount) as fund_amount,
        sum(out_of_pocket) as out_of_pocket,
        sum(points) as points,
        sum(readmissions_31d) as readmissions_31d
    from {{ ref('mart_supervision__hospital_month_mdc') }}
    group by all
),

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
    where data_month in (select data_month from mdc_sums)
    group by all
),

pairs as (
    select data_month, fixmedins_code, count(*) as readmissions_31d
    from {{ ref('int_supervision__readmission_pairs') }}
    where data_month in (select data_month from mdc_sums)
    group by all
)

select
    coalesce(m.data_month, c.data_month) as data_month,
    coalesce(m.fixmedins_code, c.fixmedins_code) as fixmedins_code,
    m.cases as mdc_cases, c.cases as case_count,
    m.grouped_cases as mdc_grouped, c.grouped_cases as case_grouped,
    m.total_weight as mdc_weight, c.total_weight as case_weight,
    m.total_cost as mdc_cost, c.total_cost as case_cost,
    m.fund_amount as mdc_fund, c.fund_amount as case_fund,
    m.out_of_pocket as mdc_out_of_pocket, c.out_of_pocket as case_out_of_pocket,
    m.points as mdc_points, c.points as case_points,
    m.readmissions_31d as mdc_readmissions, coalesce(p.readmissions_31d, 0) as pairs
from mdc_sums as m
full outer join cases as c using (data_month, fixmedins_code)
left join pairs as p on p.data_month = coalesce(m.data_month, c.data_month)
    and p.fixmedins_code = coalesce(m.fixmedins_code, c.fixmedins_code)
where m.cases is distinct from c.cases
    or m.grouped_cases is distinct from c.grouped_cases
    or m.total_weight is distinct from c.total_weight
    or m.total_cost is distinct from c.total_cost
    or m.fund_amount is distinct from c.fund_amount
    or m.out_of_pocket is distinct from c.out_of_pocket
    or m.points is distinct from c.points
    or m.readmissions_31d is distinct from coalesce(p.readmissions_31d, 0)
