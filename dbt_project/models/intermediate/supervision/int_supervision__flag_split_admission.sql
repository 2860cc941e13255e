{#- Split admissions (分解住院, 001_… 四(三)): stays of one person cut into two at the same hospital.
    One row per hospital of the month evaluated.

    Compared set: the hospital's cases of the MONTH (window_from = window_to = the month); k = its
    suspected pairs in int_supervision__readmission_pairs of the month (second stay discharged in
    the month; same person, same hospital, related principal diagnosis, gap ≤
    readmission_window_days). measure = k / n; peer_value = p = the peers' suspected pairs / the
    peers' cases of the month (pooled; peers: other hospitals of the same tier with cases in the
    month); score = (k − n p) / sqrt(n p (1 − p)), the binomial z (NULL when p = 0). Fires when
    k ≥ supervision_split_min_pairs: every suspected pair goes to review (threshold is that count).
    Not evaluated (no row) with fewer than supervision_min_cases cases or no peer with cases.

    Evidence: every suspected pair (first/second setl_id, gap_days, both principal diagnoses).
    Monthly partition (period). -#}
{{ config(partition_column='period') }}

with

month_hospitals as (
    {{ flag_month_hospitals() }}
),

parameters as (
    select
        {{ policy_param('supervision_min_cases', 'integer') }} as min_cases,
        {{ policy_param('supervision_split_min_pairs', 'integer') }} as min_pairs,
        {{ policy_param('readmission_window_days', 'integer') }} as window_days
),

month_cases as (
    select fixmedins_code, count(*) as n
    from {{ ref('int_supervision__cases') }}
    where data_month = {{ partition_month() }}
    group by fixmedins_code
),

suspected_pairs as (
    select
        fixmedins_code, first_setl_id, second_setl_id, gap_days, first_principal_diag, second_principal_diag,
        second_adm_time
    from {{ ref('int_supervision__readmission_pairs') }}
    where data_month = {{ partition_month() }} and suspected_split
),

hospitals as (
    select
        m.fixmedins_code,
        m.level_tier,
        c.n,
        (select count(*) from suspected_pairs as s where s.fixmedins_code = m.fixmedins_code) as k
    from month_hospitals as m
    inner join month_cases as c using (fixmedins_code)
),

peer_rates as (
    select
        h.fixmedins_code,
        count(*) as peers,
        sum(p.k) / sum(p.n) as peer_rate
    from hospitals as h
    inner join hospitals as p on p.level_tier = h.level_tier and p.fixmedins_code <> h.fixmedins_code
    group by h.fixmedins_code
),

evidence as (
    select
        fixmedins_code,
        list(struct_pack(
            first_setl_id := first_setl_id,
            second_setl_id := second_setl_id,
            gap_days := gap_days,
            first_principal_diag := first_principal_diag,
            second_principal_diag := second_principal_diag
        ) order by second_adm_time, second_setl_id) as pairs,
        string_agg(first_setl_id || '->' || second_setl_id || ' (' || gap_days || ' d, '
                   || coalesce(first_principal_diag, '?') || '/' || coalesce(second_principal_diag, '?') || ')', ', '
                   order by second_adm_time, second_setl_id) as pair_list
    from suspected_pairs
    group by fixmedins_code
),

scored as (
    select
        h.*,
        r.peers,
        r.peer_rate,
        case when r.peer_rate > 0 and r.peer_rate < 1
            then (h.k - h.n * r.peer_rate) / sqrt(h.n * r.peer_rate * (1 - r.peer_rate))
        end as z
    from hospitals as h
    inner join peer_rates as r using (fixmedins_code)
    where h.n >= (select min_cases from parameters)
),

final as (
    select
        {{ flag_columns('split_admission', "'suspected_split_rate'") }},
        {{ partition_month() }} as window_from,
        {{ partition_month() }} as window_to,
        cast(s.k / s.n as double) as measure,
        cast(s.peer_rate as double) as peer_value,
        cast(s.z as double) as score,
        cast((select min_pairs from parameters) as double) as threshold,
        cast(s.n as integer) as cases,
        cast(s.peers as integer) as peers,
        s.k >= (select min_pairs from parameters) as fired,
        printf('%d suspected split admission pair(s) (same person readmitted within %d days with a related '
               || 'principal diagnosis) among %d cases of the month (%s per 100), against %s per 100 at %d tier-%d '
               || 'peer(s)%s (fires at %d or more pairs)%s.',
               s.k, (select window_days from parameters), s.n, {{ flag_num('100.0 * s.k / s.n') }},
               {{ flag_num('100.0 * s.peer_rate') }}, s.peers, h.level_tier,
               coalesce(', binomial z ' || {{ flag_num('s.z') }}, ''), (select min_pairs from parameters),
               coalesce(': ' || e.pair_list, '')) as evidence_summary,
        coalesce(cast(to_json(e.pairs) as varchar), '[]') as evidence
    from scored as s
    inner join month_hospitals as h using (fixmedins_code)
    left join evidence as e using (fixmedins_code)
)

select * from final
