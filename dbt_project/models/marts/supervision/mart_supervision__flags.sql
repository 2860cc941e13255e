{#- Supervision flags (监管疑点): one row per EVALUATED hospital × month × flag kind (under_service:
    × measure), of every kind computed by int_supervision__flag_* (their doc comments and
    _supervision__flags.yml give each formula); `fired` says whether it fires. Flags never change
    money by themselves: only an officer's confirmation (seed supervision_confirmations, through
    mart_supervision__flag_reviews) reaches the clearing's penalties.

    flag_id = md5(fixmedins_code | period | flag_kind), under_service: md5(… | flag_kind |
    measure_name): stable across rebuilds, the key the confirmations refer to.
    Monthly partition (period = the month evaluated). -#}
{{ config(partition_column='period') }}

{%- set kinds = ['upcoding', 'split_admission', 'cost_shifting', 'under_service', 'patient_shirking'] %}

with

flags as (
    {%- for kind in kinds %}
    select * from {{ ref('int_supervision__flag_' ~ kind) }}
    where period = {{ partition_month() }}
    {%- if not loop.last %}
    union all by name
    {%- endif %}
    {%- endfor %}
),

final as (
    select
        md5(concat_ws('|', fixmedins_code, period, flag_kind,
                      case when flag_kind = 'under_service' then measure_name end)) as flag_id,
        fixmedins_code,
        fixmedins_name,
        level_tier,
        payment_method,
        period,
        year,
        window_from,
        window_to,
        flag_kind,
        measure_name,
        measure,
        peer_value,
        score,
        threshold,
        cases,
        peers,
        fired,
        evidence_summary,
        evidence
    from flags
)

select * from final
