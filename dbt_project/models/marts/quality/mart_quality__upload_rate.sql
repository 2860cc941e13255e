{#- 结算清单上传率 per hospital and month (001_… 二(四)): settlements of the month whose settlement
    list was uploaded within the time limit, over the settlements of the month. The month is the
    settlement's data month (setl_time). A list counts as uploaded when any upload of its setl_id
    reached the warehouse (rows quarantined by staging included: the list arrived, its content is
    judged by the case checks; a file refused as a whole uploads nothing); the current upload is
    the latest by dcla_time, and it is on time when dcla_time <= setl_time + upload_deadline_days.
    Threshold and time limit from seeds/policy_parameters.csv. -#}

with

settlements as (
    select setl_id, fixmedins_code, data_month, setl_time
    from {{ ref('stg_settlements') }}
    where {{ in_partition() }}
),

-- every upload that reached the warehouse, whatever its month and staging status
lists as (
    select setl_id, max(dcla_time) as dcla_time
    from {{ ref('base_raw__setlinfo') }}
    where setl_id is not null
    group by setl_id
),

params as (
    select
        {{ policy_param('upload_deadline_days', 'integer') }} as upload_deadline_days,
        {{ policy_param('min_upload_rate', 'decimal(9,4)') }} as min_upload_rate
),

per_settlement as (
    select
        s.fixmedins_code,
        s.data_month,
        l.setl_id is not null as has_list,
        coalesce(l.dcla_time <= s.setl_time + to_days(p.upload_deadline_days), false) as on_time
    from settlements as s
    left join lists as l on l.setl_id = s.setl_id
    cross join params as p
),

per_hospital as (
    select
        fixmedins_code,
        data_month,
        count(*) as settlements,
        count(*) filter (where has_list) as lists,
        count(*) filter (where on_time) as on_time_lists
    from per_settlement
    group by all
),

final as (
    select
        cast(h.fixmedins_code as varchar) as fixmedins_code,
        cast(h.data_month as varchar) as data_month,
        cast(h.settlements as integer) as settlements,
        cast(h.lists as integer) as lists,
        cast(h.on_time_lists as integer) as on_time_lists,
        cast(round(h.on_time_lists / h.settlements, 4) as decimal(9,4)) as rate,
        p.min_upload_rate,
        -- compared unrounded: on_time_lists / settlements >= min_upload_rate
        h.on_time_lists >= p.min_upload_rate * h.settlements as passed
    from per_hospital as h
    cross join params as p
)

select * from final
