{#- Reconciliation: every case is paid once, by one known hospital, in that hospital's pool.
    Returns the offending cases with the reason. -#}
with

cases as (
    select * from {{ ref('fct_payment_case') }}
),

duplicated as (
    select setl_id, 'paid more than once: ' || string_agg(fixmedins_code || '/' || pool || '/' || data_month, ', ') as problem
    from cases
    group by setl_id
    having count(*) > 1
),

misplaced as (
    select setl_id,
        case
            when hospital_pool is null then 'hospital ' || fixmedins_code || ' is not in the hospitals of ' || year
            when pool is null or pool not in ('DRG', 'DIP') then 'no pool'
            else 'case in pool ' || pool || ' but hospital ' || fixmedins_code || ' is paid by ' || hospital_pool
        end as problem
    from cases
    where hospital_pool is null or pool is null or pool not in ('DRG', 'DIP') or pool <> hospital_pool
)

select * from duplicated
union all
select * from misplaced
