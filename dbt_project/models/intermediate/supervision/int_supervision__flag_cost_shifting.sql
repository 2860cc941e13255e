{#- Cost shifting (转移费用, 001_… 四(三)): patients pay far more out of pocket (自付 + 自费) than
    at peers of the same tier for the same groups. One row per hospital of the month evaluated.

    Compared set: the hospital's grouped cases with a cost of the trailing window in DRGs where
    peers (other hospitals of the same tier) have grouped cases with a cost. s_d = the peers'
    Σ out_of_pocket / Σ medfee_sumamt in DRG d (pooled). O = Σ out_of_pocket, E = Σ_cases
    medfee_sumamt × s_d; measure = O / Σ cost, peer_value = E / Σ cost, score = O / E. Fires when
    O / E ≥ supervision_cost_shift_min_ratio. Not evaluated (no row) with fewer than
    supervision_min_cases cases in the compared set, or E = 0.

    Evidence: the DRGs contributing most excess out-of-pocket (O_d − E_d > 0), top 5.
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
        {{ policy_param('supervision_cost_shift_min_ratio', 'double') }} as min_ratio
),

hospital_drgs as (
    select
        fixmedins_code,
        level_tier,
        drg,
        count(*) as n,
        sum(medfee_sumamt) as cost,
        sum(coalesce(out_of_pocket, 0)) as out_of_pocket
    from {{ ref('int_supervision__cases') }}
    where data_month between (select window_from from parameters) and {{ partition_month() }}
      and group_status = 'grouped' and drg is not null and level_tier is not null and medfee_sumamt is not null
    group by fixmedins_code, level_tier, drg
),

compared_drgs as (
    select
        h.fixmedins_code,
        h.drg,
        any_value(h.n) as n,
        any_value(h.cost) as cost,
        any_value(h.out_of_pocket) as out_of_pocket,
        cast(sum(p.out_of_pocket) as double) / sum(p.cost) as peer_share,
        list(p.fixmedins_code) as peer_list
    from hospital_drgs as h
    inner join month_hospitals as m using (fixmedins_code)
    inner join hospital_drgs as p
        on p.level_tier = h.level_tier and p.drg = h.drg and p.fixmedins_code <> h.fixmedins_code
    group by h.fixmedins_code, h.drg
    having sum(p.cost) > 0
),

totals as (
    select
        fixmedins_code,
        cast(sum(n) as bigint) as n,
        cast(sum(cost) as double) as cost,
        cast(sum(out_of_pocket) as double) as observed,
        sum(cost * peer_share) as expected,
        length(list_distinct(flatten(list(peer_list)))) as peers
    from compared_drgs
    group by fixmedins_code
),

ranked_drgs as (
    select
        *,
        cost * peer_share as expected,
        out_of_pocket - cost * peer_share as excess,
        row_number() over (partition by fixmedins_code order by out_of_pocket - cost * peer_share desc, drg) as rank
    from compared_drgs
),

evidence as (
    select
        fixmedins_code,
        list(struct_pack(
            drg := drg,
            cases := n,
            cost := cast(cost as double),
            out_of_pocket := cast(out_of_pocket as double),
            expected_out_of_pocket := round(expected, 2),
            hospital_share := round(cast(out_of_pocket as double) / nullif(cost, 0), 4),
            peer_share := round(peer_share, 4),
            excess := round(excess, 2)
        ) order by rank) as drgs,
        string_agg(drg || ' (' || {{ flag_num('100.0 * out_of_pocket / nullif(cost, 0)', 1) }} || '% vs '
                   || {{ flag_num('100.0 * peer_share', 1) }} || '%)', ', ' order by rank)
            filter (where rank <= 3) as top_drgs
    from ranked_drgs
    where rank <= 5 and round(excess, 6) > 0
    group by fixmedins_code
),

scored as (
    select t.*, t.observed / t.expected as ratio
    from totals as t
    where t.n >= (select min_cases from parameters) and t.expected > 0
),

final as (
    select
        {{ flag_columns('cost_shifting', "'out_of_pocket_share'") }},
        (select window_from from parameters) as window_from,
        {{ partition_month() }} as window_to,
        cast(s.observed / s.cost as double) as measure,
        cast(s.expected / s.cost as double) as peer_value,
        cast(s.ratio as double) as score,
        (select min_ratio from parameters) as threshold,
        cast(s.n as integer) as cases,
        cast(s.peers as integer) as peers,
        s.ratio >= (select min_ratio from parameters) as fired,
        printf('Patients paid %s yuan out of pocket on %s yuan of cost in %d grouped cases (%s%%), against %s yuan '
               || 'expected at %d tier-%d peer(s)'' out-of-pocket shares of the same DRGs (%s%%): O/E %s '
               || '(fires at >= %s)%s.',
               {{ flag_num('s.observed') }}, {{ flag_num('s.cost') }}, s.n, {{ flag_num('100.0 * s.observed / s.cost', 1) }},
               {{ flag_num('s.expected') }}, s.peers, h.level_tier, {{ flag_num('100.0 * s.expected / s.cost', 1) }},
               {{ flag_num('s.ratio') }}, {{ flag_num('(select min_ratio from parameters)') }},
               coalesce('; DRGs in excess: ' || e.top_drgs, '')) as evidence_summary,
        coalesce(cast(to_json(e.drgs) as varchar), '[]') as evidence
    from scored as s
    inner join month_hospitals as h using (fixmedins_code)
    left join evidence as e using (fixmedins_code)
)

select * from final
