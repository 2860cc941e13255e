{{ config(meta={'dagster': {'ref': {'name': 'mart_supervision__hospital_month'}}}) }}
{#- Accepted ranges of the hospital-month and MDC indicator marts: the counts nest (a subset never
    exceeds its whole), so every share of counts lies in [0, 1]; CMI and the indices are not negative,
    money shares and means are not negative and a mean cost cannot fall by more than 100 %.
    Returns the rows out of range, naming the mart. -#}
with

indicator_rows as (
    select 'hospital_month' as mart, data_month, fixmedins_code, 'ALL' as mdc, *
        exclude (data_month, fixmedins_code)
    from {{ ref('mart_supervision__hospital_month') }}
    union all by name
    select 'hospital_month_mdc' as mart, *
    from {{ ref('mart_supervision__hospital_month_mdc') }}
)

select mart, data_month, fixmedins_code, mdc, cases, grouped_cases, weighted_cases, low_risk_cases,
    low_risk_deaths, readmissions_15d, readmissions_31d, high_severity_cases, group_paid_cases,
    high_multiple_cases, low_multiple_cases, cross_region_cases, cmi, cost_index, time_index,
    fund_share, out_of_pocket_share, mean_los, mean_cost, mean_cost_growth
from indicator_rows
where not (
        cases > 0
        and grouped_cases <= cases
        and weighted_cases <= grouped_cases
        and low_risk_deaths <= low_risk_cases
        and low_risk_cases <= grouped_cases
        and readmissions_15d <= readmissions_31d
        and readmissions_31d <= cases
        and high_severity_cases <= grouped_cases
        and high_multiple_cases + low_multiple_cases <= group_paid_cases
        and group_paid_cases <= cases
        and cross_region_cases <= cases
        and least(low_risk_deaths, readmissions_15d, high_severity_cases, high_multiple_cases,
            low_multiple_cases, cross_region_cases) >= 0
    )
    or cmi < 0
    or cost_index < 0
    or time_index < 0
    or fund_share < 0
    or out_of_pocket_share < 0
    or mean_los < 0
    or mean_cost < 0
    or mean_cost_growth < -1
