{{ config(meta={'dagster': {'ref': {'name': 'mart_supervision__hospital_month_dip'}}}) }}
{#- Reconciliation and ranges of mart_supervision__hospital_month_dip: the disease rows of a DIP
    hospital-month add up to its cases in int_supervision__cases (cases, cost, points), every
    DIP hospital-month with cases is there, and the counts nest (high + low ≤ group-paid ≤ cases).
    Only the months the mart holds are compared. Returns the hospital-months that fail. -#}
with

disease_rows as (
    select * from {{ ref('mart_supervision__hospital_month_dip') }}
),

disease_sums as (
    select
        data_month,
        fixmedins_code,
        sum(cases) as cases,
        sum(total_cost) as total_cost,
        sum(points) as points,
        count(*) filter (where high_multiple_cases + low_multiple_cases > group_paid_cases
            or group_paid_cases > cases or cases <= 0) as rows_out_of_range
    from disease_rows
    group by all
),

cases as (
    select data_month, fixmedins_code, count(*) as cases, sum(medfee_sumamt) as total_cost, sum(points) as points
    from {{ ref('int_supervision__cases') }}
    where payment_method = 'DIP' and data_month in (select data_month from disease_rows)
    group by all
)

select
    coalesce(d.data_month, c.data_month) as data_month,
    coalesce(d.fixmedins_code, c.fixmedins_code) as fixmedins_code,
    d.cases as disease_cases, c.cases as case_count,
    d.total_cost as disease_cost, c.total_cost as case_cost,
    d.points as disease_points, c.points as case_points,
    d.rows_out_of_range
from disease_sums as d
full outer join cases as c using (data_month, fixmedins_code)
where d.cases is distinct from c.cases
    or d.total_cost is distinct from c.total_cost
    or d.points is distinct from c.points
    or d.rows_out_of_range > 0
