{#- Reconciliation: every pool's clearing budget is distributed to its hospitals (Σ D_h = pool
    clearing budget), also for a pool none of whose cases reached the payment models (then the
    whole budget would stay undistributed: a DIP pool with no DIP case points, for instance). -#}
select year, pool, pool_clearing_budget, pre_clearing_total, hospitals
from {{ ref('mart_clearing__budget') }}
where pre_clearing_total <> pool_clearing_budget
