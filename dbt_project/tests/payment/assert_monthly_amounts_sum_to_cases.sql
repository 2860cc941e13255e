{{ config(meta={'dagster': {'ref': {'name': 'mart_payment__hospital_month'}}}) }}
{#- Reconciliation: each hospital-month line sums its cases (count, points, fund amount), the
    amount never exceeds the fund amount and paid = amount − guarantee − holdback. Returns the
    lines that do not add up (both sides shown). -#}
with

lines as (
    select * from {{ ref('mart_payment__hospital_month') }}
),

cases as (
    select data_month, fixmedins_code, pool, count(*) as cases, sum(points) as points, sum(fund_amount) as fund_amount
    from {{ ref('fct_payment_case') }}
    group by all
)

select
    coalesce(l.data_month, c.data_month) as data_month,
    coalesce(l.fixmedins_code, c.fixmedins_code) as fixmedins_code,
    coalesce(l.pool, c.pool) as pool,
    l.cases as line_cases, c.cases as case_count,
    l.points as line_points, c.points as case_points,
    l.fund_amount as line_fund_amount, c.fund_amount as case_fund_amount,
    l.amount, l.guarantee, l.holdback, l.paid
from lines as l
full outer join cases as c using (data_month, fixmedins_code, pool)
where l.cases is distinct from c.cases
    or l.points is distinct from c.points
    or l.fund_amount is distinct from c.fund_amount
    or l.amount > l.fund_amount
    or l.paid <> l.amount - l.guarantee - l.holdback
