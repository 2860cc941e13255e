{#- The officers' decisions (seed supervision_confirmations) are well formed: the flag_id is the
    md5 of the flag's hospital, period and kind (under_service: and one of its two measures), the
    period is YYYY-MM, a penalty is ≥ 0 and only a confirmed decision carries one. Rows returned
    fail. -#}
select *
from {{ ref('supervision_confirmations') }}
where not regexp_full_match(period, '[0-9]{4}-(0[1-9]|1[0-2])')
   or flag_id not in (
       md5(fixmedins_code || '|' || period || '|' || flag_kind),
       md5(fixmedins_code || '|' || period || '|' || flag_kind || '|low_multiple_ratio'),
       md5(fixmedins_code || '|' || period || '|' || flag_kind || '|stay_index'))
   or (flag_kind <> 'under_service' and flag_id <> md5(fixmedins_code || '|' || period || '|' || flag_kind))
   or penalty_amount < 0
   or (decision <> 'confirmed' and coalesce(penalty_amount, 0) <> 0)
