{#- Reconciliation: Σ cleared = clearing budget − surplus kept by the fund + adjustment fund used,
    to the cent, per year; the adjustment fund used never exceeds what is available. Returns the
    years that do not add up. -#}
with

pools as (
    select year, pool, max(pool_clearing_budget) as pool_clearing_budget, max(adjustment_fund_available) as adjustment_fund_available
    from {{ ref('mart_clearing__hospital_year') }}
    group by year, pool
),

budget as (
    select year, sum(pool_clearing_budget) as clearing_budget, max(adjustment_fund_available) as adjustment_fund_available
    from pools
    group by year
),

cleared as (
    select
        year,
        sum(cleared_amount) as cleared,
        sum(surplus_kept_by_fund) as surplus_kept_by_fund,
        sum(adjustment_fund_used) as adjustment_fund_used,
        -- no_fund_amount hospitals are cleared at 0: their D_h also stays in the fund
        sum(case when band = 'no_fund_amount' then pre_clearing_amount else 0 end) as kept_without_fund_amount
    from {{ ref('mart_clearing__hospital_year') }}
    group by year
)

select
    c.year,
    b.clearing_budget,
    c.surplus_kept_by_fund,
    c.kept_without_fund_amount,
    c.adjustment_fund_used,
    b.adjustment_fund_available,
    c.cleared
from cleared as c
inner join budget as b using (year)
where c.cleared <> b.clearing_budget - c.surplus_kept_by_fund - c.kept_without_fund_amount + c.adjustment_fund_used
    or c.adjustment_fund_used > b.adjustment_fund_available
