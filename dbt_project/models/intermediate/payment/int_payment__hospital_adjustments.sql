{#- Per year and hospital, what the clearing subtracts or scales (input layer): audit deductions
    (审核扣减), penalties (违规扣款) and the assessment score (考核得分). Warehouse: the seeds
    payment_audit_deductions, payment_penalties, payment_assessment_scores, plus the supervision
    flags an officer confirmed with a penalty (mart_supervision__flag_reviews, status confirmed,
    penalty_amount > 0; one penalty item each, in the flag's year); files: the inputs'
    audit_deductions.csv, penalties.csv, assessment_scores.csv (no flags).

    Built with the yearly clearing (tag yearly, group clearing): it reads the monthly flags of the
    year, so it is (re)created after them, never by a monthly payment run. -#}
{{ config(materialized='view') }}

{%- set files = payment_inputs_mode() == 'files' %}

with

deductions as (
    select cast(year as integer) as year, cast(fixmedins_code as varchar) as fixmedins_code,
        sum(cast(amount as decimal(18, 2))) as audit_deductions, count(*) as audit_deduction_items
    from {{ payment_file_table('audit_deductions') if files else ref('payment_audit_deductions') }}
    group by all
),

penalty_items as (
    select year, fixmedins_code, cast(amount as decimal(18, 2)) as amount
    from {{ payment_file_table('penalties') if files else ref('payment_penalties') }}
    {%- if not files %}
    union all
    -- confirmed supervision flags with a penalty (no unconfirmed flag changes money)
    select year, fixmedins_code, penalty_amount
    from {{ ref('mart_supervision__flag_reviews') }}
    where status = 'confirmed' and penalty_amount > 0
    {%- endif %}
),

penalties as (
    select cast(year as integer) as year, cast(fixmedins_code as varchar) as fixmedins_code,
        sum(cast(amount as decimal(18, 2))) as penalties, count(*) as penalty_items
    from penalty_items
    group by all
),

scores as (
    select cast(year as integer) as year, cast(fixmedins_code as varchar) as fixmedins_code,
        cast(score as decimal(6, 2)) as assessment_score
    from {{ payment_file_table('assessment_scores') if files else ref('payment_assessment_scores') }}
),

keys as (
    select year, fixmedins_code from deductions
    union select year, fixmedins_code from penalties
    union select year, fixmedins_code from scores
),

final as (
    select
        keys.year,
        keys.fixmedins_code,
        coalesce(d.audit_deductions, 0) as audit_deductions,
        coalesce(d.audit_deduction_items, 0) as audit_deduction_items,
        coalesce(p.penalties, 0) as penalties,
        coalesce(p.penalty_items, 0) as penalty_items,
        s.assessment_score
    from keys
    left join deductions as d using (year, fixmedins_code)
    left join penalties as p using (year, fixmedins_code)
    left join scores as s using (year, fixmedins_code)
)

select * from final
