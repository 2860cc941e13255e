{#- Published special-case counts (特例单议 公示) per hospital for year var('year'): applications,
    approved, rejected, pending, and the points the approved decisions added (after coefficient).
    One row per hospital with at least one application. Yearly partition (tag yearly). -#}
{{ config(tags=['yearly']) }}

{%- set year = payment_year(yearly=true) %}

with

applications as (
    select * from {{ ref('int_payment__special_cases') }}
    where year = {{ year }}
),

applied_points as (
    select special_case_application_id as application_id, computed_points, points
    from {{ ref('int_payment__clearing_cases') }}
    where year = {{ year }} and special_case_application_id is not null
),

final as (
    select
        {{ year }} as year,
        a.fixmedins_code,
        count(*) as applied,
        count(*) filter (where a.decision = 'approved') as approved,
        count(*) filter (where a.decision = 'rejected') as rejected,
        count(*) filter (where a.decision = 'pending') as pending,
        count(*) filter (where p.application_id is null) as applications_without_case,
        cast(coalesce(sum(p.points - p.computed_points) filter (where a.decision = 'approved'), 0) as decimal(18, 4))
            as approved_points_delta
    from applications as a
    left join applied_points as p using (application_id)
    group by a.fixmedins_code
)

select * from final
