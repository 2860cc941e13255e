{#- Under-service (服务不足, 001_… 四(三)): a hospital discharges far more cases below the group's
    cost range (low-multiple cases, 低倍率) or keeps patients far shorter than its peers of the
    same tier for the same DRGs. Two measures, one row each per hospital of the month evaluated
    (measure_name; each fires on its own, each has its flag_id), both over the trailing window and
    DRGs where peers (other hospitals of the same tier) have cases:

    - low_multiple_ratio: compared set = the hospital's group-paid cases (multiple_type high, low
      or normal). multiple_type is the case type the hospital is paid by: the DRG multiple at DRG
      hospitals, the DIP deviation class at DIP hospitals, two rules with different bounds, so the
      peers of this measure are the other hospitals of the same tier AND payment method. q_d = the
      peers' low-multiple cases / their group-paid cases in DRG d (pooled); O = the hospital's
      low-multiple cases, E = Σ_cases q_d; measure = O / n, peer_value = E / n, score = O / E.
      Fires when O / E ≥ supervision_under_service_min_ratio. Not evaluated when E = 0.
    - stay_index: compared set = the hospital's grouped cases with a stay; E = Σ_cases the peers'
      mean stay of the DRG; measure = the hospital's mean stay (Σ los / n), peer_value = E / n,
      score = Σ los / E (the stay index). Fires when it is ≤
      supervision_under_service_max_time_index.

    Both not evaluated (no row) with fewer than supervision_min_cases cases in the compared set.
    Evidence: the DRGs driving it, top 5 (most excess low-multiple cases; most days short).
    Monthly partition (period). -#}
{{ config(partition_column='period') }}

with

month_hospitals as (
    {{ flag_month_hospitals() }}
),

parameters as (
    select
        {{ flag_window_from() }} as window_from,
        {{ policy_param('supervision_min_cases', 'integer') }} as min_cases,
        {{ policy_param('supervision_under_service_min_ratio', 'double') }} as min_ratio,
        {{ policy_param('supervision_under_service_max_time_index', 'double') }} as max_time_index
),

window_cases as (
    select fixmedins_code, level_tier, payment_method, drg, multiple_type, los_days
    from {{ ref('int_supervision__cases') }}
    where data_month between (select window_from from parameters) and {{ partition_month() }}
      and group_status = 'grouped' and drg is not null and level_tier is not null
),

hospital_drgs as (
    select
        fixmedins_code,
        level_tier,
        any_value(payment_method) as payment_method,
        drg,
        count(*) filter (where multiple_type in ('high', 'low', 'normal')) as paid,
        count(*) filter (where multiple_type = 'low') as low,
        count(los_days) as stays,
        sum(los_days) as los
    from window_cases
    group by fixmedins_code, level_tier, drg
),

peer_drgs as (
    -- per hospital of the month and DRG: its peers' pooled figures and which peers have them
    -- (low-multiple cases: peers of the same payment method only)
    select
        h.fixmedins_code,
        h.drg,
        any_value(h.paid) as paid,
        any_value(h.low) as low,
        any_value(h.stays) as stays,
        any_value(h.los) as los,
        coalesce(sum(p.paid) filter (where p.payment_method = h.payment_method), 0) as peer_paid,
        coalesce(sum(p.low) filter (where p.payment_method = h.payment_method), 0) as peer_low,
        sum(p.stays) as peer_stays,
        sum(p.los) as peer_los,
        list(p.fixmedins_code) filter (where p.paid > 0 and p.payment_method = h.payment_method) as paid_peers,
        list(p.fixmedins_code) filter (where p.stays > 0) as stay_peers
    from hospital_drgs as h
    inner join month_hospitals as m using (fixmedins_code)
    inner join hospital_drgs as p
        on p.level_tier = h.level_tier and p.drg = h.drg and p.fixmedins_code <> h.fixmedins_code
    group by h.fixmedins_code, h.drg
),

low_multiple_drgs as (
    select
        fixmedins_code, drg, paid as n, low as observed, cast(peer_low as double) / peer_paid as peer_rate,
        paid * cast(peer_low as double) / peer_paid as expected, paid_peers as peer_list
    from peer_drgs
    where paid > 0 and peer_paid > 0
),

stay_drgs as (
    select
        fixmedins_code, drg, stays as n, cast(los as double) as observed, cast(peer_los as double) / peer_stays as peer_mean,
        stays * cast(peer_los as double) / peer_stays as expected, stay_peers as peer_list
    from peer_drgs
    where stays > 0 and peer_stays > 0
),

measures as (
    select 'low_multiple_ratio' as measure_name, fixmedins_code, cast(sum(n) as bigint) as n,
        cast(sum(observed) as double) as observed, sum(expected) as expected,
        length(list_distinct(flatten(list(peer_list)))) as peers
    from low_multiple_drgs
    group by fixmedins_code
    union all
    select 'stay_index', fixmedins_code, cast(sum(n) as bigint), sum(observed), sum(expected),
        length(list_distinct(flatten(list(peer_list))))
    from stay_drgs
    group by fixmedins_code
),

low_multiple_evidence as (
    select
        fixmedins_code,
        list(struct_pack(
            drg := drg, cases := n, low_multiple_cases := observed, expected := round(expected, 2),
            peer_rate := round(peer_rate, 4)
        ) order by observed - expected desc, drg) filter (where rank <= 5) as drgs,
        string_agg(drg || ' (' || observed || ' low vs ' || {{ flag_num('expected', 1) }} || ' expected)', ', '
                   order by observed - expected desc, drg) filter (where rank <= 3) as top_drgs
    from (
        select *, row_number() over (partition by fixmedins_code order by observed - expected desc, drg) as rank
        from low_multiple_drgs
        where round(observed - expected, 6) > 0
    )
    group by fixmedins_code
),

stay_evidence as (
    select
        fixmedins_code,
        list(struct_pack(
            drg := drg, cases := n, mean_los := round(observed / n, 2), peer_mean_los := round(peer_mean, 2),
            days_short := round(expected - observed, 2)
        ) order by expected - observed desc, drg) filter (where rank <= 5) as drgs,
        string_agg(drg || ' (' || {{ flag_num('observed / n', 1) }} || ' vs ' || {{ flag_num('peer_mean', 1) }} || ' days)',
                   ', ' order by expected - observed desc, drg) filter (where rank <= 3) as top_drgs
    from (
        select *, row_number() over (partition by fixmedins_code order by expected - observed desc, drg) as rank
        from stay_drgs
        where round(expected - observed, 6) > 0
    )
    group by fixmedins_code
),

scored as (
    select
        m.*,
        m.observed / m.expected as ratio,
        cast(to_json(case m.measure_name when 'low_multiple_ratio' then l.drgs end) as varchar) as low_multiple_json,
        cast(to_json(case m.measure_name when 'stay_index' then s.drgs end) as varchar) as stay_json,
        case m.measure_name when 'low_multiple_ratio' then l.top_drgs else s.top_drgs end as top_drgs
    from measures as m
    left join low_multiple_evidence as l using (fixmedins_code)
    left join stay_evidence as s using (fixmedins_code)
    where m.n >= (select min_cases from parameters) and m.expected > 0 and m.peers > 0
),

final as (
    select
        {{ flag_columns('under_service', 's.measure_name') }},
        (select window_from from parameters) as window_from,
        {{ partition_month() }} as window_to,
        cast(s.observed / s.n as double) as measure,
        cast(s.expected / s.n as double) as peer_value,
        cast(s.ratio as double) as score,
        case s.measure_name when 'low_multiple_ratio' then (select min_ratio from parameters)
            else (select max_time_index from parameters) end as threshold,
        cast(s.n as integer) as cases,
        cast(s.peers as integer) as peers,
        case s.measure_name when 'low_multiple_ratio' then s.ratio >= (select min_ratio from parameters)
            else s.ratio <= (select max_time_index from parameters) end as fired,
        case s.measure_name
            when 'low_multiple_ratio' then printf(
                '%d of %d group-paid cases (%s%%) were low-multiple (below the group''s cost range), against %s '
                || 'expected at %d tier-%d peer(s)'' rates of the same DRGs (%s%%): O/E %s (fires at >= %s)%s.',
                cast(s.observed as bigint), s.n, {{ flag_num('100.0 * s.observed / s.n', 1) }}, {{ flag_num('s.expected', 1) }},
                s.peers, h.level_tier, {{ flag_num('100.0 * s.expected / s.n', 1) }}, {{ flag_num('s.ratio') }},
                {{ flag_num('(select min_ratio from parameters)') }},
                coalesce('; DRGs in excess: ' || s.top_drgs, ''))
            else printf(
                'Mean stay %s days over %d grouped cases, against %s days at %d tier-%d peer(s)'' mean stays of the '
                || 'same DRGs: stay index %s (fires at <= %s)%s.',
                {{ flag_num('s.observed / s.n', 1) }}, s.n, {{ flag_num('s.expected / s.n', 1) }}, s.peers, h.level_tier,
                {{ flag_num('s.ratio') }}, {{ flag_num('(select max_time_index from parameters)') }},
                coalesce('; shortest against peers: ' || s.top_drgs, ''))
        end as evidence_summary,
        coalesce(s.low_multiple_json, s.stay_json, '[]') as evidence
    from scored as s
    inner join month_hospitals as h using (fixmedins_code)
)

select * from final
