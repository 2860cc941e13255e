{#- DIP disease key (病种组合) of every inpatient case of the month, all hospitals (the library is
    built from the whole region's cases): principal diagnosis 4-character category (ICD-10
    category4; a 3-character leaf code is its own category) × the normalised procedure combination.

    Procedures that count (national DIP technical specification: 手术, 治疗性操作, 诊断性操作):
    every delivered procedure found in the ICD-9-CM-3 catalogue whose class maps to a DIP procedure
    class in seeds/dip_procedure_classes.csv, unless seeds/dip_procedure_exclusions.csv lists a
    prefix of it (routine injections, interviews, laboratory microscopy). procedure_set = the
    distinct counted codes, sorted, joined with `+` (order and repeats do not matter);
    procedure_class = the highest class present (surgical > therapeutic > diagnostic), conservative
    (保守治疗) when none counts. disease_key = `<category4>` or `<category4>|<procedure_set>`;
    comprehensive_key = `<category3>#<procedure_class>`, the comprehensive disease (综合病种) the
    case folds into when its combination is not a core disease. bed_day_type from
    seeds/dip_bed_day_rules.csv (psychiatric, rehabilitation); is_day_surgery = ipt_med_type 2.
    reason_code D01–D04 (seeds/dip_reason_codes.csv) when no key can be formed. Monthly partition. -#}

with

cases as (
    select
        setl_id,
        fixmedins_code,
        data_month,
        dscg_time,
        gend,
        age,
        ipt_med_type,
        act_ipt_days,
        dscg_way,
        medfee_sumamt
    from {{ ref('stg_setlinfo') }}
    where {{ in_partition() }}
),

-- the DIP library version of the discharge year (policy parameter dip_scheme_version); NULL → D04
scheme as (
    select max(value) as scheme_version
    from {{ ref('policy_parameters') }}
    where parameter = 'dip_scheme_version' and cast(year as integer) = {{ partition_window_year() }}
),

-- the registry entry valid at discharge: payment method and level tier
hospitals as (
    select fixmedins_code, payment_method, cast(level_tier as integer) as level_tier, valid_from, valid_to
    from {{ ref('hospitals') }}
),

catalogue as (
    select
        diag_code,
        bool_or(cast(may_be_principal as integer) = 1) as may_be_principal,
        max(category3) as category3,
        max(coalesce(nullif(trim(category4), ''), diag_code)) as category4
    from {{ ref('icd10_diagnoses') }}
    group by diag_code
),

-- the flagged principal diagnosis; several flags: the first by diag_srt_no (as the DRG grouper)
principal as (
    select
        setl_id,
        count(*) as principal_flag_count,
        arg_min({{ drg_code('diag_code') }}, diag_srt_no) as principal_diag_code
    from {{ ref('stg_diseinfo') }}
    where setl_id in (select setl_id from cases)
      and coalesce(trim(maindiag_flag) = '1', false)
      and {{ drg_code('diag_code') }} is not null
    group by setl_id
),

procedure_classes as (
    select c.oprn_code, max(k.class_rank) as class_rank, arg_max(k.procedure_class, k.class_rank) as procedure_class
    from {{ ref('icd9_procedures') }} as c
    inner join {{ ref('dip_procedure_classes') }} as k on k.oprn_class = c.oprn_class
    inner join scheme as s on s.scheme_version = k.scheme_version
    group by c.oprn_code
),

exclusions as (
    select e.code_prefix, e.note
    from {{ ref('dip_procedure_exclusions') }} as e
    inner join scheme as s on s.scheme_version = e.scheme_version
),

procedures as (
    select distinct o.setl_id, {{ drg_code('o.oprn_oprt_code') }} as oprn_code
    from {{ ref('stg_oprninfo') }} as o
    where o.setl_id in (select setl_id from cases)
      and {{ drg_code('o.oprn_oprt_code') }} is not null
),

judged_procedures as (
    select
        p.setl_id,
        p.oprn_code,
        k.procedure_class,
        k.class_rank,
        x.note as excluded_by,
        case
            when k.oprn_code is null then 'not in the ICD-9-CM-3 catalogue (or its class maps to no DIP class)'
            when x.note is not null then 'excluded: ' || x.note
        end as not_counted_because
    from procedures as p
    left join procedure_classes as k on k.oprn_code = p.oprn_code
    -- the longest exclusion prefix of the code, if any
    left join lateral (
        select arg_max(e.note, length(e.code_prefix)) as note
        from exclusions as e
        where starts_with(p.oprn_code, e.code_prefix)
    ) as x on true
),

per_case_procedures as (
    select
        setl_id,
        array_to_string(list_sort(list(oprn_code) filter (where not_counted_because is null)), '+') as procedure_set,
        max(class_rank) filter (where not_counted_because is null) as class_rank,
        arg_max(procedure_class, class_rank) filter (where not_counted_because is null) as procedure_class,
        list_sort(list({'oprn_code': oprn_code, 'procedure_class': procedure_class})
            filter (where not_counted_because is null)) as procedures_counted,
        list_sort(list({'oprn_code': oprn_code, 'why': not_counted_because})
            filter (where not_counted_because is not null)) as procedures_not_counted
    from judged_procedures
    group by setl_id
),

bed_day_rules as (
    select r.bed_day_type, r.code_from, r.code_to, r.type_name
    from {{ ref('dip_bed_day_rules') }} as r
    inner join scheme as s on s.scheme_version = r.scheme_version
),

joined as (
    select
        c.*,
        h.payment_method,
        h.level_tier,
        s.scheme_version,
        pr.principal_diag_code,
        cast(coalesce(pr.principal_flag_count, 0) as integer) as principal_flag_count,
        cat.diag_code is not null as principal_in_catalogue,
        coalesce(cat.may_be_principal, false) as principal_may_be_principal,
        cat.category3 as diag_category3,
        cat.category4 as diag_category4,
        coalesce(nullif(pp.procedure_set, ''), '') as procedure_set,
        coalesce(pp.procedure_class, 'conservative') as procedure_class,
        coalesce(pp.procedures_counted, []) as procedures_counted,
        coalesce(pp.procedures_not_counted, []) as procedures_not_counted,
        coalesce(trim(c.ipt_med_type) = '2', false) as is_day_surgery
    from cases as c
    cross join scheme as s
    left join hospitals as h
        on h.fixmedins_code = c.fixmedins_code
        and cast(c.dscg_time as date) >= cast(h.valid_from as date)
        and (h.valid_to is null or cast(c.dscg_time as date) <= cast(h.valid_to as date))
    left join principal as pr on pr.setl_id = c.setl_id
    left join catalogue as cat on cat.diag_code = pr.principal_diag_code
    left join per_case_procedures as pp on pp.setl_id = c.setl_id
),

with_reason as (
    select
        *,
        case
            when scheme_version is null then 'D04'
            when principal_diag_code is null then 'D01'
            when not principal_in_catalogue then 'D02'
            when not principal_may_be_principal then 'D03'
        end as reason_code,
        case
            when scheme_version is null then 'no dip_scheme_version for year ' || left(data_month, 4)
            when principal_diag_code is null then 'no diagnosis with maindiag_flag = 1'
            when not principal_in_catalogue then principal_diag_code || ' is not in the ICD-10 catalogue'
            when not principal_may_be_principal then principal_diag_code || ' may not be principal'
        end as reason_detail
    from joined
),

-- the bed-day rule whose range holds the principal diagnosis (same range idiom as the MDC rules)
bed_day as (
    select
        w.setl_id,
        arg_min(r.bed_day_type, r.code_from) as bed_day_type,
        arg_min(r.code_from || '–' || r.code_to || ' ' || r.type_name, r.code_from) as bed_day_rule
    from with_reason as w
    inner join bed_day_rules as r
        on left(w.principal_diag_code, length(r.code_from)) >= r.code_from
        and left(w.principal_diag_code, length(r.code_to)) <= r.code_to
    where w.reason_code is null
    group by w.setl_id
),

final as (
    select
        w.setl_id,
        w.fixmedins_code,
        w.payment_method,
        w.level_tier,
        w.data_month,
        w.dscg_time,
        w.scheme_version,
        w.gend,
        w.age,
        w.ipt_med_type,
        w.is_day_surgery,
        w.act_ipt_days,
        w.dscg_way,
        w.medfee_sumamt,
        w.principal_diag_code,
        w.principal_flag_count,
        w.diag_category3,
        w.diag_category4,
        w.procedure_set,
        w.procedure_class,
        w.procedures_counted,
        w.procedures_not_counted,
        case when w.reason_code is null then
            w.diag_category4 || case when w.procedure_set = '' then '' else '|' || w.procedure_set end
        end as disease_key,
        case when w.reason_code is null then w.diag_category3 || '#' || w.procedure_class end as comprehensive_key,
        b.bed_day_type,
        b.bed_day_rule,
        w.reason_code,
        w.reason_detail
    from with_reason as w
    left join bed_day as b on b.setl_id = w.setl_id
)

select * from final
