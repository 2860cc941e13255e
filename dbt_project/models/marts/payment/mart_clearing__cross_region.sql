{#- Cross-region inpatient cases (异地就医, 003_…; 000_… 一(六)) treated here, per insured region
    and pool for year var('year'): paid by this region's standards and budget, reported for
    settlement between regions. amount = round(points × the pool's clearing point value, 2) at
    the region line. Yearly partition (tag yearly). -#}
{{ config(tags=['yearly']) }}

{%- set year = payment_year(yearly=true) %}

with

cases as (
    select * from {{ ref('int_payment__clearing_cases') }}
    where year = {{ year }} and cross_region
),

values_by_pool as (
    select distinct pool, clearing_point_value
    from {{ ref('mart_clearing__hospital_year') }}
    where year = {{ year }}
),

final as (
    select
        {{ year }} as year,
        c.insu_admdvs,
        c.pool,
        count(*) as cases,
        count(distinct c.fixmedins_code) as hospitals,
        cast(sum(c.points) as decimal(18, 4)) as points,
        cast(sum(c.fund_amount) as decimal(18, 2)) as fund_amount,
        v.clearing_point_value,
        cast(round(sum(c.points) * v.clearing_point_value, 2) as decimal(18, 2)) as amount_at_clearing_value
    from cases as c
    left join values_by_pool as v using (pool)
    group by c.insu_admdvs, c.pool, v.clearing_point_value
)

select * from final
