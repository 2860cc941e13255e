{#- 入组率 (grouping rate) per hospital, discharge month and MDC (001_… 二(四) 运行监测组):
    cases that reach a valid DRG / cases with a settlement list, with the count of each
    ungroupable reason (seeds/drg_reason_codes.csv). Cases without an MDC (invalid principal
    diagnosis, 0000) are counted under mdc = 'NONE'. The policy threshold `min_grouping_rate`
    applies to the hospital-month, so its figures are repeated on each MDC row. Monthly partition. -#}

with

cases as (
    select fixmedins_code, payment_method, data_month, coalesce(mdc, 'NONE') as mdc, group_status, reason_code
    from {{ ref('fct_drg_case') }}
    where {{ in_partition() }}
),

params as (
    select {{ policy_param('min_grouping_rate', 'decimal(9,4)') }} as min_grouping_rate
),

per_mdc as (
    select
        fixmedins_code,
        payment_method,
        data_month,
        mdc,
        count(*) as cases,
        count(*) filter (where group_status = 'grouped') as grouped_cases,
        count(*) filter (where reason_code = 'QY') as ambiguous_cases,
        count(*) filter (where group_status = 'ungroupable' and reason_code <> 'QY') as invalid_cases
    from cases
    group by all
),

reason_counts as (
    select fixmedins_code, data_month, mdc, to_json(map(list(reason_code order by reason_code), list(n order by reason_code))) as ungroupable_by_reason
    from (
        select fixmedins_code, data_month, mdc, reason_code, count(*) as n
        from cases
        where group_status = 'ungroupable'
        group by all
    )
    group by all
),

final as (
    select
        cast(m.fixmedins_code as varchar) as fixmedins_code,
        m.payment_method,
        cast(m.data_month as varchar) as data_month,
        m.mdc,
        cast(m.cases as integer) as cases,
        cast(m.grouped_cases as integer) as grouped_cases,
        cast(m.cases - m.grouped_cases as integer) as ungroupable_cases,
        cast(m.invalid_cases as integer) as invalid_cases,
        cast(m.ambiguous_cases as integer) as ambiguous_cases,
        cast(coalesce(r.ungroupable_by_reason, '{}') as varchar) as ungroupable_by_reason,
        cast(round(m.grouped_cases / m.cases, 4) as decimal(9,4)) as grouping_rate,
        cast(sum(m.cases) over hospital_month as integer) as hospital_month_cases,
        cast(sum(m.grouped_cases) over hospital_month as integer) as hospital_month_grouped_cases,
        cast(round(sum(m.grouped_cases) over hospital_month / sum(m.cases) over hospital_month, 4)
            as decimal(9,4)) as hospital_month_grouping_rate,
        p.min_grouping_rate,
        -- compared unrounded: grouped >= threshold × cases
        sum(m.grouped_cases) over hospital_month >= p.min_grouping_rate * sum(m.cases) over hospital_month
            as hospital_month_passed
    from per_mdc as m
    left join reason_counts as r
        on r.fixmedins_code = m.fixmedins_code and r.data_month = m.data_month and r.mdc = m.mdc
    cross join params as p
    window hospital_month as (partition by m.fixmedins_code, m.data_month)
)

select * from final
