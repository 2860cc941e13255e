{#- The review list (疑点核查): every flag that fired, with the officer's decision from the seed
    supervision_confirmations when there is one (matched on flag_id, hospital, period and kind).
    status: pending (no decision yet) | confirmed | dismissed. penalty_amount is kept only for
    confirmed flags: int_payment__hospital_adjustments adds it to the clearing's penalties of the
    flag's year (warehouse mode), so no flag changes money before an officer confirms it. -#}
{{ config(materialized='view') }}

with

flags as (
    select * from {{ ref('mart_supervision__flags') }}
    where fired
),

confirmations as (
    select * from {{ ref('supervision_confirmations') }}
),

final as (
    select
        f.flag_id,
        f.fixmedins_code,
        f.fixmedins_name,
        f.level_tier,
        f.payment_method,
        f.period,
        f.year,
        f.flag_kind,
        f.measure_name,
        f.measure,
        f.peer_value,
        f.score,
        f.threshold,
        f.cases,
        f.peers,
        f.evidence_summary,
        f.evidence,
        coalesce(c.decision, 'pending') as status,
        cast(case when c.decision = 'confirmed' then coalesce(c.penalty_amount, 0) end as decimal(18, 2))
            as penalty_amount,
        c.officer,
        c.decided_on,
        c.decision_ref,
        c.note
    from flags as f
    left join confirmations as c
        on c.flag_id = f.flag_id
        and c.fixmedins_code = f.fixmedins_code
        and c.period = f.period
        and c.flag_kind = f.flag_kind
)

select * from final
