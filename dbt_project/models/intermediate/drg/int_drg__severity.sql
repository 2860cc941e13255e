{#- Step 4 of the CHS-DRG grouper (并发症或合并症, MCC/CC): one row per settlement list of the month
    with its severity from the secondary diagnoses. Each secondary diagnosis takes the level of its
    most specific entry in seeds/drg_cc_list.csv; it counts only if no row of
    seeds/drg_cc_exclusions.csv excludes it for the principal diagnosis (`listed`: CC code/prefix ×
    principal code/prefix; `same_category3`: same 3-character category as the principal).
    severity = MCC if a counted MCC, else CC if a counted CC, else none. Which diagnosis decided it,
    which counted and which were excluded (and why) are kept as lists of structs. Monthly partition. -#}

with

-- runs after the ADRG step, as the scheme orders them (pre-MDC → MDC → ADRG → severity → DRG):
-- on a small machine the two costliest steps slowed each other down when dbt ran them at once
-- depends_on: {{ ref('int_drg__adrg') }}
cases as (
    select setl_id, data_month, scheme_version, principal_diag_code
    from {{ ref('int_drg__mdc') }}
    where {{ in_partition() }}
),

-- the month's MCC/CC list and exclusions (every case of a monthly partition has the year's one
-- scheme version)
cc_list as (
    select {{ drg_code('diag_code') }} as list_code, cc_level
    from {{ ref('drg_cc_list') }}
    where scheme_version = {{ drg_month_scheme() }}
),

-- secondary diagnoses: not flagged principal (a line is staged in its header's data month, so the
-- month's rows are the month's cases' rows: no join to the cases needed to find them; see
-- int_drg__pre_mdc)
secondary as (
    select
        d.setl_id,
        {{ drg_code('d.diag_code') }} as diag_code,
        d.diag_srt_no
    from {{ ref('stg_diseinfo') }} as d
    where {{ in_partition('d.data_month') }}
      and not coalesce(trim(d.maindiag_flag) = '1', false)
      and {{ drg_code('d.diag_code') }} is not null
),

-- only the prefix lengths some MCC/CC list entry has: a shorter or longer prefix can match none,
-- and expanding every length was most of this step's rows
entry_lengths as (
    select distinct length(list_code) as n from cc_list
),

secondary_prefixes as (
    select setl_id, diag_code, diag_srt_no, left(diag_code, n) as code_prefix, n as prefix_length
    from (select *, {{ drg_prefix_length('diag_code') }} as n from secondary)
    where n in (select n from entry_lengths)
),

-- the most specific (longest) MCC/CC list entry of each secondary code of a case (a code listed
-- twice counts once, at its first sort number); a repeat of the principal code is not secondary.
-- Only listed codes reach the join with the cases, a third of the secondary rows.
listed as (
    select
        s.setl_id,
        s.diag_code,
        min(s.diag_srt_no) as diag_srt_no,
        arg_max(l.cc_level, s.prefix_length) as cc_level,
        arg_max(s.code_prefix, s.prefix_length) as cc_entry
    from secondary_prefixes as s
    inner join cc_list as l on l.list_code = s.code_prefix
    group by s.setl_id, s.diag_code
),

cc_hits as (
    select h.*, c.principal_diag_code
    from listed as h
    inner join cases as c on c.setl_id = h.setl_id
    where h.diag_code is distinct from c.principal_diag_code
),

exclusion_rules as (
    select
        {{ drg_code('cc_code') }} as cc_code,
        {{ drg_code('principal_code') }} as principal_code,
        exclusion_type,
        note
    from {{ ref('drg_cc_exclusions') }}
    where scheme_version = {{ drg_month_scheme() }}
),

-- listed exclusions: the prefixes of the MCC/CC code joined by equality, then the principal's
-- prefix tested
exclusion_hits as (
    select
        h.setl_id,
        h.diag_code,
        'listed ' || e.cc_code || ' × ' || e.principal_code || ': ' || e.note as exclusion
    from (select *, {{ drg_prefix_length('diag_code') }} as n from cc_hits) as h
    inner join exclusion_rules as e
        on e.exclusion_type = 'listed'
        and e.cc_code = left(h.diag_code, h.n)
    where starts_with(h.principal_diag_code, e.principal_code)
      and h.n in (select length(cc_code) from exclusion_rules where exclusion_type = 'listed')

    union all

    select
        h.setl_id,
        h.diag_code,
        'same_category3 ' || left(h.diag_code, 3) || ': ' || e.note
    from cc_hits as h
    inner join exclusion_rules as e
        on e.exclusion_type = 'same_category3'
    where left(h.diag_code, 3) = left(h.principal_diag_code, 3)
),

exclusions as (
    select setl_id, diag_code, string_agg(exclusion, ' | ' order by exclusion) as excluded_by
    from exclusion_hits
    group by setl_id, diag_code
),

judged as (
    select
        h.*,
        x.excluded_by,
        x.excluded_by is null as counts,
        case h.cc_level when 'MCC' then 1 when 'CC' then 2 end as level_rank
    from cc_hits as h
    left join exclusions as x on x.setl_id = h.setl_id and x.diag_code = h.diag_code
),

-- lists sorted by their leading struct fields (level rank, then diag_srt_no): cheaper than ordered
-- aggregates on a province; the first counted entry decides the severity
per_case as (
    select
        setl_id,
        list_sort(list({'level_rank': level_rank, 'diag_srt_no': diag_srt_no, 'diag_code': diag_code,
                        'level': cc_level, 'entry': cc_entry}) filter (where counts)) as counted,
        list_sort(list({'level_rank': level_rank, 'diag_srt_no': diag_srt_no, 'diag_code': diag_code,
                        'level': cc_level, 'entry': cc_entry, 'excluded_by': excluded_by}) filter (where not counts))
            as excluded
    from judged
    group by setl_id
),

final as (
    select
        c.setl_id,
        c.data_month,
        c.scheme_version,
        c.principal_diag_code,
        coalesce(p.counted[1].level, 'none') as severity,
        p.counted[1].diag_code as severity_diag_code,
        coalesce(p.counted, []) as cc_counted,
        coalesce(p.excluded, []) as cc_excluded
    from cases as c
    left join per_case as p on p.setl_id = c.setl_id
)

select * from final
