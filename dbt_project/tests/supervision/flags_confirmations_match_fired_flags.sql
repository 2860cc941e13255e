{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'mart_supervision__flags'}}}) }}
{#- A decision on a month whose flags are built must refer to a flag that fired (same flag_id,
    hospital, period and kind): otherwise it is ignored by mart_supervision__flag_reviews (and its
    penalty never reaches the clearing), which the officer should know. Months not built yet are
    not checked. Rows returned warn. -#}

select c.*
from {{ ref('supervision_confirmations') }} as c
where c.period in (select distinct period from {{ ref('mart_supervision__flags') }})
  and not exists (
      select 1
      from {{ ref('mart_supervision__flags') }} as f
      where f.fired
        and f.flag_id = c.flag_id
        and f.fixmedins_code = c.fixmedins_code
        and f.period = c.period
        and f.flag_kind = c.flag_kind
  )
