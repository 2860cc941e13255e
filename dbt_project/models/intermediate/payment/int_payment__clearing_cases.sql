{#- The cases of clearing year var('year') with their final points (yearly): an approved special
    case (特例单议) is paid by its decided points × the case's coefficient instead of its computed
    points; rejected and pending applications leave the computed points. One row per case.
    Yearly partition (tag yearly), depends on the twelve months of fct_payment_case. -#}
{{ config(tags=['yearly']) }}

with

cases as (
    select * from {{ ref('fct_payment_case') }}
    where year = {{ payment_year(yearly=true) }}
),

applications as (
    select * from {{ ref('int_payment__special_cases') }}
    where year = {{ payment_year(yearly=true) }}
),

final as (
    select
        c.year,
        c.setl_id,
        c.fixmedins_code,
        c.data_month,
        c.pool,
        c.coefficient,
        c.base_points,
        c.points as computed_points,
        a.application_id as special_case_application_id,
        a.decision as special_case_decision,
        a.decided_points as special_case_decided_points,
        cast(case
            when a.decision = 'approved' then round(a.decided_points * c.coefficient, 4)
            else c.points
        end as decimal(18, 4)) as points,
        c.fund_amount,
        c.insu_admdvs,
        c.cross_region
    from cases as c
    left join applications as a on a.setl_id = c.setl_id
)

select * from final
