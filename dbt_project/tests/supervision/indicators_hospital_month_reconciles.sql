{{ config(meta={'dagster': {'ref': {'name': 'mart_supervision__hospital_month'}}}) }}
{#- Reconciliation: each hospital-month of mart_supervision__hospital_month counts every case of
    int_supervision__cases once (cases, grouped cases, weight, cost, fund, out-of-pocket, points) and
    every readmission pair once; no hospital-month with cases is missing. Only the months the mart
    holds are compared. Returns the lines that do not add up (both sides shown). -#}
with

indicators as (
    select * from {{ ref('mart_supervision__hospital_month') }}
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
    where data_month in (select data_month from indicators)
    group by all
),

pairs as (
    select data_month, fixmedins_code, count(*) as readmissions_31d
    from {{ ref('int_supervision__readmission_pairs') }}
    where data_month in (select data_month from indicators)
    group by all
)

select
    coalesce(i.data_month, c.data_month) as data_month,
    coalesce(i.fixmedins_code, c.fixmedins_code) as fixmedins_code,
    i.cases as mart_cases, c.cases as case_count,
    i.grouped_cases as mart_grouped, c.grouped_cases as case_grouped,
    i.total_weight as mart_weight, c.total_weight as case_weight,
    i.total_cost as mart_cost, c.total_cost as case_cost,
    i.fund_amount as mart_fund, c.fund_amount as case_fund,
    i.out_of_pocket as mart_out_of_pocket, c.out_of_pocket as case_out_of_pocket,
    i.points as mart_points, c.points as case_points,
    i.readmissions_31d as mart_readmissions, coalesce(p.readmissions_31d, 0) as pairs
from indicators as i
full outer join cases as c using (data_month, fixmedins_code)
left join pairs as p on p.data_month = coalesce(i.data_month, c.data_month)
    and p.fixmedins_code = coalesce(i.fixmedins_code, c.fixmedins_code)
where i.cases is distinct from c.cases
    or i.grouped_cases is distinct from c.grouped_cases
    or i.total_weight is distinct from c.total_weight
    or i.total_cost is distinct from c.total_cost
    or i.fund_amount is distinct from c.fund_amount
    or i.out_of_pocket is distinct from c.out_of_pocket
    or i.points is distinct from c.points
    or i.readmissions_31d is distinct from coalesce(p.readmissions_31d, 0)
