{#- Case points under the point method (点数法): one row per case of the month at a DRG-paid
    hospital (fct_drg_case.payment_method = 'DRG').

    base_points = RW × drg_point_scale (100), RW from fct_drg_weights of the discharge year.
    cost_ratio = medfee_sumamt / the DRG's mean cost (fct_drg_weights.mean_cost). With
    high_threshold = drg_high_multiple_band1/2/3 by the DRG's RW (≤ drg_high_multiple_rw_band1_max,
    ≤ drg_high_multiple_rw_band2_max, above) and low_threshold = drg_low_multiple:
    - high-multiple case (高倍率, cost_ratio > high_threshold): points = base × (1 + cost_ratio − high_threshold),
      i.e. the group's points plus the cost above the threshold, re-pointed by actual cost;
    - low-multiple case (低倍率, cost_ratio < low_threshold): points = base × cost_ratio;
    - otherwise points = base.
    Ungroupable cases (0000, QY) and DRGs without a weight get no points (case_type says which);
    they are settled by the agency's rule for such cases. Basic groups (基础病组) carry the uniform
    coefficient basic_group_coefficient for every hospital (000_… 一(四)); the payment step
    applies it. All thresholds are policy parameters of the discharge year. Monthly partition;
    reads the yearly weights of the partition's year, which must be built first. -#}

with

cases as (
    select setl_id, fixmedins_code, data_month, scheme_version, drg, group_status, basic_group, medfee_sumamt
    from {{ ref('fct_drg_case') }}
    where {{ in_partition() }} and payment_method = 'DRG'
),

params as (
    select
        {{ policy_param('drg_point_scale', 'decimal(18,4)') }} as point_scale,
        {{ policy_param('drg_high_multiple_rw_band1_max', 'decimal(18,4)') }} as band1_max,
        {{ policy_param('drg_high_multiple_rw_band2_max', 'decimal(18,4)') }} as band2_max,
        {{ policy_param('drg_high_multiple_band1', 'decimal(18,4)') }} as high_band1,
        {{ policy_param('drg_high_multiple_band2', 'decimal(18,4)') }} as high_band2,
        {{ policy_param('drg_high_multiple_band3', 'decimal(18,4)') }} as high_band3,
        {{ policy_param('drg_low_multiple', 'decimal(18,4)') }} as low_multiple,
        {{ policy_param('basic_group_coefficient', 'decimal(18,4)') }} as basic_group_coefficient
),

{#- The yearly weights may not exist yet (a monthly build before the first yearly one): then every
    case is no_weight, rather than the monthly build failing. -#}
{%- set weights_relation = load_relation(ref('fct_drg_weights')) %}
weights as (
    {%- if weights_relation is not none %}
    select drg, weight, weight_source, mean_cost
    from {{ ref('fct_drg_weights') }}
    where year = {{ partition_window_year() }}
    {%- else %}
    select
        cast(null as varchar) as drg,
        cast(null as decimal(12,4)) as weight,
        cast(null as varchar) as weight_source,
        cast(null as decimal(18,2)) as mean_cost
    where false
    {%- endif %}
),

priced as (
    select
        c.*,
        w.weight as rw,
        w.weight_source,
        w.mean_cost as drg_mean_cost,
        p.point_scale,
        p.low_multiple as low_threshold,
        p.basic_group_coefficient,
        case
            when w.weight is null then null
            when w.weight <= p.band1_max then p.high_band1
            when w.weight <= p.band2_max then p.high_band2
            else p.high_band3
        end as high_threshold,
        case when w.mean_cost > 0 then cast(c.medfee_sumamt as decimal(18,4)) / w.mean_cost end as cost_ratio
    from cases as c
    cross join params as p
    left join weights as w on w.drg = c.drg
),

classified as (
    select
        *,
        case
            when group_status <> 'grouped' then 'ungroupable'
            when rw is null then 'no_weight'
            when cost_ratio > high_threshold then 'high'
            when cost_ratio < low_threshold then 'low'
            else 'normal'
        end as case_type,
        rw * point_scale as base_points
    from priced
),

final as (
    select
        setl_id,
        fixmedins_code,
        data_month,
        scheme_version,
        drg,
        coalesce(basic_group, false) as basic_group,
        cast(rw as decimal(12,4)) as rw,
        weight_source,
        cast(drg_mean_cost as decimal(18,2)) as drg_mean_cost,
        medfee_sumamt,
        cast(round(cost_ratio, 4) as decimal(12,4)) as cost_ratio,
        cast(high_threshold as decimal(12,4)) as high_threshold,
        cast(low_threshold as decimal(12,4)) as low_threshold,
        case_type,
        cast(round(base_points, 4) as decimal(18,4)) as base_points,
        cast(round(case case_type
            when 'normal' then base_points
            when 'high' then base_points * (1 + cost_ratio - high_threshold)
            when 'low' then base_points * cost_ratio
        end, 4) as decimal(18,4)) as points,
        case when basic_group then cast(basic_group_coefficient as decimal(12,4)) end as basic_group_coefficient
    from classified
)

select * from final
