{#- Reconciliation: Σ D_h (pre-clearing amounts) = the pool's clearing budget, to the cent, for
    every year and pool cleared. Returns the pools that do not add up. -#}
select
    year,
    pool,
    max(pool_clearing_budget) as pool_clearing_budget,
    sum(pre_clearing_amount) as sum_pre_clearing_amount
from {{ ref('mart_clearing__hospital_year') }}
group by year, pool
having sum(pre_clearing_amount) <> max(pool_clearing_budget)
    or count(distinct pool_clearing_budget) > 1
