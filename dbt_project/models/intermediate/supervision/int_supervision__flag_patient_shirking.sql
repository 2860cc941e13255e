{#- Patient shirking (推诿患者, 001_… 四(三)): a hospital's share of high-weight (costly) cases falls
    in the month against its own earlier months, while its peers' does not. One row per hospital
    of the month evaluated.

    High-weight case: grouped, rw ≥ supervision_shirking_rw, among the grouped cases with a weight
    (rw not NULL). r_h = the hospital's high-weight share in the month / its share in the window's
    earlier months (window_from .. the month before); r_p = the same ratio of its peers pooled
    (other hospitals of the same tier with weighted cases both in the month and earlier).
    measure = r_h, peer_value = r_p, score = r_h / r_p. Fires when score ≤
    supervision_shirking_max_ratio AND the fall is beyond chance: with E = month cases × earlier
    share × r_p (the high-weight cases expected in the month had the hospital moved like its
    peers), z = (month high-weight cases − E) / sqrt(E × (1 − E / month cases)) ≤
    −supervision_shirking_min_z (a handful of costly cases a month makes the ratio alone noisy:
    without the z condition a quarter of the demo's clean hospital-months fired). Not evaluated (no row) without earlier months (no earlier
    weighted case, or no high-weight case then, at the hospital or its peers), when the peers have
    no high-weight case in the month (r_p = 0), or with fewer than supervision_min_cases weighted
    cases in the window.

    Evidence: the high-weight DRGs whose share fell most (earlier share − month share), top 5.
    Monthly partition (period). -#}
{{ config(partition_column='period') }}

with

month_hospitals as (
    {{ flag_month_hospitals() }}
),

parameters as (
    select
        {{ flag_window_from() }} as window_from,
        {{ flag_previous_month() }} as earlier_to,
        {{ policy_param('supervision_min_cases', 'integer') }} as min_cases,
        {{ policy_param('supervision_shirking_rw', 'decimal(12,4)') }} as high_rw,
        {{ policy_param('supervision_shirking_max_ratio', 'double') }} as max_ratio,
        {{ policy_param('supervision_shirking_min_z', 'double') }} as min_z
),

weighted_cases as (
    select
        fixmedins_code,
        level_tier,
        drg,
        rw,
        data_month = {{ partition_month() }} as in_month,
        rw >= (select high_rw from parameters) as high_weight
    from {{ ref('int_supervision__cases') }}
    where data_month between (select window_from from parameters) and {{ partition_month() }}
      and group_status = 'grouped' and rw is not null and level_tier is not null
),

hospitals as (
    select
        fixmedins_code,
        any_value(level_tier) as level_tier,
        count(*) filter (where in_month) as month_n,
        count(*) filter (where in_month and high_weight) as month_high,
        count(*) filter (where not in_month) as earlier_n,
        count(*) filter (where not in_month and high_weight) as earlier_high
    from weighted_cases
    group by fixmedins_code
    having count(*) filter (where in_month) > 0 and count(*) filter (where not in_month) > 0
),

peer_ratios as (
    select
        h.fixmedins_code,
        count(*) as peers,
        sum(p.month_high) / sum(p.month_n) as peer_month_share,
        sum(p.earlier_high) / sum(p.earlier_n) as peer_earlier_share
    from hospitals as h
    inner join month_hospitals as m using (fixmedins_code)
    inner join hospitals as p on p.level_tier = h.level_tier and p.fixmedins_code <> h.fixmedins_code
    group by h.fixmedins_code
),

ratios as (
    select
        h.*,
        r.peers,
        h.month_high / h.month_n as month_share,
        h.earlier_high / h.earlier_n as earlier_share,
        (h.month_high / h.month_n) / (h.earlier_high / h.earlier_n) as hospital_ratio,
        r.peer_month_share / r.peer_earlier_share as peer_ratio,
        h.month_n * (h.earlier_high / h.earlier_n) * (r.peer_month_share / r.peer_earlier_share) as expected_month_high
    from hospitals as h
    inner join peer_ratios as r using (fixmedins_code)
    where h.earlier_high > 0 and r.peer_earlier_share > 0 and r.peer_month_share > 0
      and h.month_n + h.earlier_n >= (select min_cases from parameters)
),

hospital_drgs as (
    select
        w.fixmedins_code,
        w.drg,
        any_value(w.rw) as rw,
        count(*) filter (where w.in_month) as month_cases,
        count(*) filter (where not w.in_month) as earlier_cases,
        count(*) filter (where w.in_month) / any_value(r.month_n) as month_share,
        count(*) filter (where not w.in_month) / any_value(r.earlier_n) as earlier_share
    from weighted_cases as w
    inner join ratios as r using (fixmedins_code)
    where w.high_weight
    group by w.fixmedins_code, w.drg
),

evidence as (
    select
        fixmedins_code,
        list(struct_pack(
            drg := drg, rw := cast(rw as double), month_cases := month_cases, earlier_cases := earlier_cases,
            month_share := round(month_share, 4), earlier_share := round(earlier_share, 4)
        ) order by earlier_share - month_share desc, drg) filter (where rank <= 5) as drgs,
        string_agg(drg || ' (' || month_cases || ' vs ' || earlier_cases || ' earlier)', ', '
                   order by earlier_share - month_share desc, drg) filter (where rank <= 3) as top_drgs
    from (
        select *, row_number() over (partition by fixmedins_code order by earlier_share - month_share desc, drg) as rank
        from hospital_drgs
        where round(earlier_share - month_share, 6) > 0
    )
    group by fixmedins_code
),

final as (
    select
        {{ flag_columns('patient_shirking', "'high_weight_share_ratio'") }},
        (select window_from from parameters) as window_from,
        {{ partition_month() }} as window_to,
        cast(r.hospital_ratio as double) as measure,
        cast(r.peer_ratio as double) as peer_value,
        cast(r.hospital_ratio / r.peer_ratio as double) as score,
        (select max_ratio from parameters) as threshold,
        cast(r.month_n + r.earlier_n as integer) as cases,
        cast(r.peers as integer) as peers,
        r.hospital_ratio / r.peer_ratio <= (select max_ratio from parameters)
            and (r.month_high - r.expected_month_high)
                / sqrt(r.expected_month_high * greatest(1 - r.expected_month_high / r.month_n, 0.0001))
                <= -(select min_z from parameters) as fired,
        printf('High-weight cases (RW >= %s) were %d of %d weighted cases in the month (%s%%) against %d of %d '
               || '(%s%%) in %s..%s: ratio %s; %d tier-%d peer(s) pooled: ratio %s; relative %s, z %s (fires at <= %s and z <= -%s)%s.',
               {{ flag_num('(select high_rw from parameters)') }}, r.month_high, r.month_n,
               {{ flag_num('100.0 * r.month_share', 1) }}, r.earlier_high, r.earlier_n,
               {{ flag_num('100.0 * r.earlier_share', 1) }}, (select window_from from parameters),
               (select earlier_to from parameters), {{ flag_num('r.hospital_ratio') }}, r.peers, h.level_tier,
               {{ flag_num('r.peer_ratio') }}, {{ flag_num('r.hospital_ratio / r.peer_ratio') }},
               {{ flag_num('(r.month_high - r.expected_month_high) / sqrt(r.expected_month_high * greatest(1 - r.expected_month_high / r.month_n, 0.0001))') }},
               {{ flag_num('(select max_ratio from parameters)') }}, {{ flag_num('(select min_z from parameters)') }},
               coalesce('; fewer cases in ' || e.top_drgs, '')) as evidence_summary,
        coalesce(cast(to_json(e.drgs) as varchar), '[]') as evidence
    from ratios as r
    inner join month_hospitals as h using (fixmedins_code)
    left join evidence as e using (fixmedins_code)
)

select * from final
