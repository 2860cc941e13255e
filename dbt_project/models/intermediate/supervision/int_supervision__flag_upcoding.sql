{#- Upcoding (高套分组 / 高编高套, 001_… 四(三)): a hospital codes MCC/CC far more often than its
    peers of the same tier in the same ADRGs. One row per hospital of the month evaluated.

    Compared set: the hospital's grouped cases of the trailing window (supervision_window_months
    months ending at the month) in ADRGs where at least one peer (another hospital of the same
    level_tier) has grouped cases in the window. For a case in ADRG a, p_a = the peers' MCC/CC
    cases / the peers' cases in a (pooled). O = the hospital's MCC/CC cases, E = Σ_cases p_a,
    V = Σ_cases p_a (1 − p_a); score = (O − E) / sqrt(V), the binomial z. measure = O / n,
    peer_value = E / n. Fires when z ≥ supervision_upcoding_min_z and O / E ≥
    supervision_upcoding_min_ratio. Not evaluated (no row) with fewer than supervision_min_cases
    cases in the compared set, or V = 0 (every peer rate 0 or 1: no spread to test against).

    Evidence: the secondary diagnoses that made the cases MCC/CC (severity_diag_code), top 5 by
    excess cases = the hospital's cases with the diagnosis − E × its share among the peers'
    MCC/CC cases of the same ADRGs. Monthly partition (period). -#}
{{ config(partition_column='period') }}

with

month_hospitals as (
    {{ flag_month_hospitals() }}
),

parameters as (
    select
        {{ flag_window_from() }} as window_from,
        {{ policy_param('supervision_min_cases', 'integer') }} as min_cases,
        {{ policy_param('supervision_upcoding_min_z', 'double') }} as min_z,
        {{ policy_param('supervision_upcoding_min_ratio', 'double') }} as min_ratio
),

window_cases as (
    select fixmedins_code, level_tier, adrg, high_severity, coalesce(severity_diag_code, 'unknown') as severity_diag_code
    from {{ ref('int_supervision__cases') }}
    where data_month between (select window_from from parameters) and {{ partition_month() }}
      and group_status = 'grouped' and adrg is not null and level_tier is not null
),

hospital_adrgs as (
    select fixmedins_code, level_tier, adrg, count(*) as n, count(*) filter (where high_severity) as high
    from window_cases
    group by fixmedins_code, level_tier, adrg
),

compared_adrgs as (
    -- the hospital's ADRGs with the peers' pooled MCC/CC rate (peers: other hospitals, same tier)
    select
        h.fixmedins_code,
        h.adrg,
        any_value(h.n) as n,
        any_value(h.high) as high,
        sum(p.high) / sum(p.n) as peer_rate,
        list(p.fixmedins_code) as peer_list
    from hospital_adrgs as h
    inner join month_hospitals as m using (fixmedins_code)
    inner join hospital_adrgs as p
        on p.level_tier = h.level_tier and p.adrg = h.adrg and p.fixmedins_code <> h.fixmedins_code
    group by h.fixmedins_code, h.adrg
),

totals as (
    select
        fixmedins_code,
        cast(sum(n) as bigint) as n,
        cast(sum(high) as bigint) as observed,
        sum(n * peer_rate) as expected,
        sum(n * peer_rate * (1 - peer_rate)) as variance,
        length(list_distinct(flatten(list(peer_list)))) as peers
    from compared_adrgs
    group by fixmedins_code
),

hospital_diagnoses as (
    select w.fixmedins_code, w.severity_diag_code, count(*) as cases
    from window_cases as w
    inner join compared_adrgs as c using (fixmedins_code, adrg)
    where w.high_severity
    group by w.fixmedins_code, w.severity_diag_code
),

peer_diagnoses as (
    -- the peers' MCC/CC cases in the hospital's compared ADRGs, by the diagnosis that made them so
    select c.fixmedins_code, w.severity_diag_code, count(*) as cases
    from compared_adrgs as c
    inner join month_hospitals as m using (fixmedins_code)
    inner join window_cases as w
        on w.level_tier = m.level_tier and w.adrg = c.adrg and w.fixmedins_code <> c.fixmedins_code
    where w.high_severity
    group by c.fixmedins_code, w.severity_diag_code
),

diagnoses as (
    select
        coalesce(h.fixmedins_code, p.fixmedins_code) as fixmedins_code,
        coalesce(h.severity_diag_code, p.severity_diag_code) as diag_code,
        coalesce(h.cases, 0) as cases,
        coalesce(h.cases, 0) / nullif(sum(h.cases) over (partition by coalesce(h.fixmedins_code, p.fixmedins_code)), 0)
            as hospital_share,
        coalesce(p.cases, 0) / nullif(sum(p.cases) over (partition by coalesce(h.fixmedins_code, p.fixmedins_code)), 0)
            as peer_share
    from hospital_diagnoses as h
    full outer join peer_diagnoses as p using (fixmedins_code, severity_diag_code)
),

ranked_diagnoses as (
    select
        d.*,
        coalesce(d.peer_share, 0) * t.expected as expected_cases,
        d.cases - coalesce(d.peer_share, 0) * t.expected as excess_cases,
        row_number() over (partition by d.fixmedins_code
                           order by d.cases - coalesce(d.peer_share, 0) * t.expected desc, d.diag_code) as rank
    from diagnoses as d
    inner join totals as t using (fixmedins_code)
),

evidence as (
    select
        fixmedins_code,
        list(struct_pack(
            diag_code := diag_code,
            cases := cases,
            hospital_share := round(coalesce(hospital_share, 0), 4),
            peer_share := round(coalesce(peer_share, 0), 4),
            expected_cases := round(expected_cases, 2),
            excess_cases := round(excess_cases, 2)
        ) order by rank) as diagnoses,
        string_agg(diag_code || ' (' || cases || case when cases = 1 then ' case, ' else ' cases, ' end
                   || {{ flag_num('expected_cases', 1) }} || ' expected)', ', '
                   order by rank) filter (where rank <= 3) as top_diagnoses
    from ranked_diagnoses
    where rank <= 5 and round(excess_cases, 6) > 0
    group by fixmedins_code
),

scored as (
    select
        t.*,
        (t.observed - t.expected) / sqrt(t.variance) as z,
        t.observed / t.expected as ratio
    from totals as t
    where t.n >= (select min_cases from parameters) and t.variance > 0
),

final as (
    select
        {{ flag_columns('upcoding', "'high_severity_rate'") }},
        (select window_from from parameters) as window_from,
        {{ partition_month() }} as window_to,
        cast(s.observed / s.n as double) as measure,
        cast(s.expected / s.n as double) as peer_value,
        cast(s.z as double) as score,
        (select min_z from parameters) as threshold,
        cast(s.n as integer) as cases,
        cast(s.peers as integer) as peers,
        s.z >= (select min_z from parameters) and s.ratio >= (select min_ratio from parameters) as fired,
        printf('%d of %d grouped cases (%s%%) in ADRGs shared with %d tier-%d peer(s) were coded MCC/CC, '
               || 'against %s expected at the peers'' rates in the same ADRGs (%s%%): O/E %s, binomial z %s '
               || '(fires at z >= %s and O/E >= %s)%s.',
               s.observed, s.n, {{ flag_num('100.0 * s.observed / s.n', 1) }}, s.peers, h.level_tier,
               {{ flag_num('s.expected', 1) }}, {{ flag_num('100.0 * s.expected / s.n', 1) }},
               {{ flag_num('s.ratio') }}, {{ flag_num('s.z') }},
               {{ flag_num('(select min_z from parameters)') }}, {{ flag_num('(select min_ratio from parameters)') }},
               coalesce('; secondary diagnoses in excess: ' || e.top_diagnoses, '')) as evidence_summary,
        coalesce(cast(to_json(e.diagnoses) as varchar), '[]') as evidence
    from scored as s
    inner join month_hospitals as h using (fixmedins_code)
    left join evidence as e using (fixmedins_code)
)

select * from final
