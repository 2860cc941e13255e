{#-
    Staging rules, written once.

    The landing contract (orchestration/interface.py) reaches dbt through the column `meta` of the
    generated sources (models/staging/_landing__sources.yml): staged_type, required, personal,
    label_zh, accepted_values. `stage_cast` types a raw text column; `row_problems` lists what
    stops a raw row from being staged, field by field, with reason codes from
    orchestration/quarantine.py (seed quarantine_reasons).
-#}

{#- The months a run builds (discharge months, YYYY-MM), as {'first': .., 'last': ..}.

    Dagster passes a partition range as the environment variables DRGDIP_FIRST_MONTH and
    DRGDIP_LAST_MONTH of the dbt process. They are read only while executing (`execute`), never
    while parsing, so a new range keeps dbt's partial parse (a changed `--vars` would force a full
    parse of the project on every run). Without them, var('month') is both ends (`dbt build --vars
    '{"month": "2024-03"}'` by hand). A range lies in one calendar year: the policy parameters, the
    grouping scheme and the payment year are per year. Validated, so a typo fails loudly. -#}
{% macro partition_window() -%}
    {%- set fallback = var('month') | string -%}
    {%- set first = (env_var('DRGDIP_FIRST_MONTH', '') if execute else '') or fallback -%}
    {%- set last = (env_var('DRGDIP_LAST_MONTH', '') if execute else '') or first -%}
    {%- for month in (first, last) -%}
        {%- if not modules.re.match('^[0-9]{4}-(0[1-9]|1[0-2])$', month) -%}
            {{ exceptions.raise_compiler_error("the month range must be YYYY-MM, got '" ~ month ~ "'") }}
        {%- endif -%}
    {%- endfor -%}
    {%- if first > last or first[:4] != last[:4] -%}
        {{ exceptions.raise_compiler_error("the month range " ~ first ~ ".." ~ last ~ " must run forward within one year") }}
    {%- endif -%}
    {{ return({'first': first, 'last': last}) }}
{%- endmacro %}


{#- SQL predicate: `column` (a YYYY-MM text column, data_month by default) within the run's months. -#}
{% macro in_partition(column='data_month') -%}
    {%- set window = partition_window() -%}
    {%- if window.first == window.last -%}
        {{ column }} = '{{ window.first }}'
    {%- else -%}
        {{ column }} between '{{ window.first }}' and '{{ window.last }}'
    {%- endif -%}
{%- endmacro %}


{#- The one month a run builds, for the models whose rules look at one month against the months
    before it (the supervision flags and their windows): a range stops with a message. -#}
{% macro partition_month() -%}
    {%- set window = partition_window() -%}
    {%- if window.first != window.last -%}
        {{ exceptions.raise_compiler_error(model.name ~ " builds one month at a time; the run asked for " ~ window.first ~ ".." ~ window.last) }}
    {%- endif -%}
    '{{ window.first }}'
{%- endmacro %}


{#- The year of the run's months, as an integer literal. -#}
{% macro partition_window_year() -%}
    {{ partition_window().first[:4] }}
{%- endmacro %}


{#- The yearly partition being built, as an integer literal: DRGDIP_YEAR of the dbt process (read
    while executing only, like the month range), else var('year'). Validated. -#}
{% macro partition_year() -%}
    {%- set year = (env_var('DRGDIP_YEAR', '') if execute else '') or (var('year') | string) -%}
    {%- if not modules.re.match('^[0-9]{4}$', year) -%}
        {{ exceptions.raise_compiler_error("the year must be YYYY, got '" ~ year ~ "'") }}
    {%- endif -%}
    {{ year }}
{%- endmacro %}


{#- The months a monthly model builds: the run's month range, or in `drgdip clear --inputs` files
    mode (var payment_inputs) every month of the year. -#}
{% macro month_filter(column='data_month') -%}
    {%- if var('payment_inputs', 'warehouse') == 'files' -%}
        left({{ column }}, 4) = '{{ partition_year() }}'
    {%- else -%}
        {{ in_partition(column) }}
    {%- endif -%}
{%- endmacro %}


{#- pre_hook of every partitioned model (set once for the whole project in dbt_project.yml): empty
    the partitions being built first, so a rebuild replaces them exactly (also when none of their
    rows remain, which delete+insert on a key would miss). A model tagged `yearly` deletes its
    year (column `year`); the others their months (column `data_month`, or the model's
    `partition_column` config, e.g. the flags' `period`). Nothing to do for views and tables. -#}
{% macro delete_partition() -%}
    {%- set column = config.get('partition_column') -%}
    {%- if is_incremental() and 'yearly' in (config.get('tags') or []) -%}
        delete from {{ this }} where {{ column or 'year' }} = {{ partition_year() }}
    {%- elif is_incremental() -%}
        delete from {{ this }} where {{ month_filter(column or 'data_month') }}
    {%- else -%}
        select 1 as nothing_to_delete
    {%- endif -%}
{%- endmacro %}


{#- Raw text → staged type. Blank text is missing; anything that does not parse becomes NULL
    (and `row_problems` quarantines the row, so a staged value is NULL only when it was empty). -#}
{% macro stage_cast(column, staged_type) -%}
    {%- set text = "nullif(trim(" ~ column ~ "), '')" -%}
    {%- if staged_type == 'varchar' -%}
        {{ text }}
    {%- elif staged_type == 'integer' -%}
        try_cast({{ text }} as integer)
    {%- elif staged_type == 'decimal' -%}
        try_cast({{ text }} as decimal(18, 2))
    {%- elif staged_type == 'date' -%}
        cast(try_strptime({{ text }}, '%Y-%m-%d') as date)
    {%- elif staged_type == 'timestamp' -%}
        try_strptime({{ text }}, ['%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S'])
    {%- else -%}
        {{ exceptions.raise_compiler_error("stage_cast: unknown staged type '" ~ staged_type ~ "' for " ~ column) }}
    {%- endif -%}
{%- endmacro %}


{#- The interface columns of a raw source table, as dicts {name, field, label_zh, staged_type,
    required, personal, accepted_values}, in interface order (lineage columns left out). -#}
{% macro contract_columns(part) -%}
    {%- set columns = [] -%}
    {%- if execute -%}
        {%- set node = graph.sources['source.' ~ project_name ~ '.raw.' ~ part] -%}
        {%- for name, column in node.columns.items() -%}
            {%- set meta = (column.get('config') or {}).get('meta') or column.get('meta') or {} -%}
            {%- if meta.get('staged_type') -%}
                {%- do columns.append({
                    'name': name,
                    'field': meta.get('field', name),
                    'label_zh': meta.get('label_zh', ''),
                    'staged_type': meta['staged_type'],
                    'required': meta.get('required', false),
                    'personal': meta.get('personal', false),
                    'accepted_values': meta.get('accepted_values') or [],
                }) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if columns | length == 0 -%}
            {{ exceptions.raise_compiler_error("contract_columns: source raw." ~ part ~ " has no column meta; regenerate _landing__sources.yml") }}
        {%- endif -%}
    {%- endif -%}
    {{ return(columns) }}
{%- endmacro %}


{#- Comma-separated raw interface columns of a part (for exact-duplicate detection). -#}
{% macro raw_field_list(part) -%}
    {%- for column in contract_columns(part) -%}
        {{ column.name }}{{ ", " if not loop.last }}
    {%- endfor -%}
{%- endmacro %}


{#- The exact copies of a raw row (same values, wherever delivered): `copy_number` 1 for the first
    delivery, above 1 for each later copy (set aside as DUPLICATE_ROW), and where the first was. -#}
{% macro exact_copy_columns(part) -%}
        row_number() over (
            partition by {{ raw_field_list(part) }}
            order by _landing_month, _source_file, _row_number
        ) as copy_number,
        first_value(_source_file || ', row ' || cast(_row_number as varchar)) over (
            partition by {{ raw_field_list(part) }}
            order by _landing_month, _source_file, _row_number
        ) as original_location
{%- endmacro %}


{% macro _sql_text(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}


{#- One struct(field, reason_code, message) per problem a raw row has, in interface order, as a
    DuckDB list (empty when the row can be staged as far as its own fields go). Personal fields'
    values never enter a message. -#}
{% macro row_problems(part) -%}
    {%- set checks = [] -%}
    {%- for c in contract_columns(part) -%}
        {%- set text = "nullif(trim(" ~ c.name ~ "), '')" -%}
        {%- set named = c.field ~ " (" ~ c.label_zh ~ ")" -%}
        {%- set shown = "chr(39) || left(" ~ text ~ ", 40) || chr(39)" if not c.personal else "'(personal value not shown)'" -%}
        {%- set branches = [] -%}
        {%- if c.required -%}
            {%- do branches.append(
                "when " ~ text ~ " is null then {'field': " ~ _sql_text(c.field) ~ ", 'reason_code': 'MISSING_REQUIRED', "
                ~ "'message': " ~ _sql_text("required field " ~ named ~ " is empty") ~ "}") -%}
        {%- endif -%}
        {%- if c.staged_type in ('date', 'timestamp') -%}
            {%- set expected = "date YYYY-MM-DD" if c.staged_type == 'date' else "date-time YYYY-MM-DD HH:MM:SS" -%}
            {%- do branches.append(
                "when " ~ text ~ " is not null and " ~ stage_cast(c.name, c.staged_type) ~ " is null then {'field': "
                ~ _sql_text(c.field) ~ ", 'reason_code': 'UNPARSEABLE_DATE', 'message': "
                ~ _sql_text(named ~ " has value ") ~ " || " ~ shown ~ " || " ~ _sql_text(", which is not a " ~ expected) ~ "}") -%}
        {%- elif c.staged_type in ('integer', 'decimal') -%}
            {%- set expected = "a whole number" if c.staged_type == 'integer' else "an amount like 1234.50" -%}
            {%- do branches.append(
                "when " ~ text ~ " is not null and " ~ stage_cast(c.name, c.staged_type) ~ " is null then {'field': "
                ~ _sql_text(c.field) ~ ", 'reason_code': 'UNPARSEABLE_NUMBER', 'message': "
                ~ _sql_text(named ~ " has value ") ~ " || " ~ shown ~ " || " ~ _sql_text(", which is not " ~ expected) ~ "}") -%}
        {%- endif -%}
        {%- if c.accepted_values -%}
            {%- set allowed = [] -%}
            {%- for v in c.accepted_values -%}{%- do allowed.append(_sql_text(v)) -%}{%- endfor -%}
            {%- do branches.append(
                "when " ~ text ~ " not in (" ~ (allowed | join(", ")) ~ ") then {'field': "
                ~ _sql_text(c.field) ~ ", 'reason_code': 'INVALID_VALUE', 'message': "
                ~ _sql_text(named ~ " has value ") ~ " || " ~ shown ~ " || " ~ _sql_text(", allowed: " ~ (c.accepted_values | join(", "))) ~ "}") -%}
        {%- endif -%}
        {%- if branches -%}
            {%- do checks.append("case " ~ (branches | join(" ")) ~ " end") -%}
        {%- endif -%}
    {%- endfor -%}
    list_filter([
        {{ checks | join(",\n        ") }}
    ], lambda problem: problem is not null)
{%- endmacro %}


{#- The hospital folder a file was delivered in: landing/<YYYY-MM>/<fixmedins_code>/<file>. -#}
{% macro folder_hospital(source_file_column='_source_file') -%}
    split_part(replace({{ source_file_column }}, '\\', '/'), '/', 2)
{%- endmacro %}


{#- "<file>, row <n>: " — every quarantine message starts by naming where the row is. -#}
{% macro row_location() -%}
    _source_file || ', row ' || cast(_row_number as varchar) || ': '
{%- endmacro %}


{#- The status of settlement-list lines (diseinfo, oprninfo, iteminfo), written once for the three.
    Expects a CTE `typed` (typed fields + lineage + folder_hospital, row_location, field_problems,
    copy_number, original_location) and emits CTEs ending in `line_status`, which adds data_month,
    row_status, reason_code, problem_field and message.

    A line belongs to the upload of its header: same setl_id and dcla_time (preferring a staged
    header, then one delivered in the same folder). It follows that header: superseded with an
    upload a later one replaced (whatever its own faults), quarantined for its own fault, else
    staged with the winning upload, or quarantined (ORPHAN_CHILD) when there is no such header or
    the header itself was quarantined. It is routed to its header's data month, else to the
    month of the setl_id's staged header, else to its own delivery month. -#}
{% macro list_line_status(part, line_key) -%}
headers as (
    select setl_id, dcla_time, data_month, row_status, reason_code, _landing_month, _source_file, _row_number
    from {{ ref('base_raw__setlinfo') }}
),

staged_headers as (
    select setl_id, data_month
    from headers
    where row_status = 'staged'
),

matched as (
    select
        typed.*,
        headers.row_status as header_status,
        headers.data_month as header_month,
        headers.reason_code as header_reason,
        headers._source_file || ', row ' || cast(headers._row_number as varchar) as header_location
    from typed
    left join headers
        on typed.setl_id = headers.setl_id
        and typed.dcla_time = headers.dcla_time
    qualify row_number() over (
        partition by typed._source_file, typed._row_number
        order by
            headers.row_status = 'staged' desc nulls last,
            headers._landing_month = typed._landing_month desc nulls last,
            headers._landing_month desc,
            headers._source_file desc,
            headers._row_number desc
    ) = 1
),

line_copies as (
    select
        *,
        -- the same line number twice in one upload: the first stays, later ones are set aside
        row_number() over (
            partition by setl_id, dcla_time, {{ line_key }}, len(field_problems) = 0
            order by _landing_month, _source_file, _row_number
        ) as line_number_in_upload
    from matched
),

line_checked as (
    select
        line_copies.*,
        case
            -- a line of a replaced upload goes with it: its faults no longer matter
            when header_status = 'superseded' then null
            when len(field_problems) > 0 then field_problems[1]
            when copy_number > 1 then {
                'field': null, 'reason_code': 'DUPLICATE_ROW',
                'message': 'exact copy of ' || original_location || '; the copy was set aside'
            }
            when line_number_in_upload > 1 then {
                'field': '{{ line_key }}', 'reason_code': 'DUPLICATE_ROW',
                'message': '{{ line_key }} ' || cast({{ line_key }} as varchar)
                    || ' appears more than once in the upload of setl_id ''' || setl_id
                    || ''' at ' || strftime(dcla_time, '%Y-%m-%d %H:%M:%S') || '; this later line was set aside'
            }
            when header_status is null then {
                'field': 'setl_id', 'reason_code': 'ORPHAN_CHILD',
                'message': 'no settlement-list header (setlinfo) with setl_id ''' || setl_id
                    || ''' uploaded at ' || strftime(dcla_time, '%Y-%m-%d %H:%M:%S')
            }
            when header_status = 'quarantined' then {
                'field': 'setl_id', 'reason_code': 'ORPHAN_CHILD',
                'message': 'its settlement-list header (' || header_location || ') was quarantined ('
                    || header_reason || '); correct and upload the whole list again'
            }
        end as problem
    from line_copies
),

line_status as (
    select
        line_checked.* exclude (problem),
        coalesce(line_checked.header_month, staged_headers.data_month, line_checked._landing_month) as data_month,
        case
            when line_checked.problem is not null then 'quarantined'
            when line_checked.header_status = 'staged' then 'staged'
            else 'superseded'
        end as row_status,
        line_checked.problem.reason_code as reason_code,
        line_checked.problem.field as problem_field,
        case
            when line_checked.problem is not null then line_checked.row_location || line_checked.problem.message
        end as message
    from line_checked
    left join staged_headers
        on line_checked.setl_id = staged_headers.setl_id
)
{%- endmacro %}

{#- The quarantine rule of a header row (a settlement or a list header), first problem wins: a
    field that cannot be staged, an exact copy of an earlier row, a hospital not in the registry,
    a hospital other than its delivery folder's. Emits the CTE `checked` over the CTEs `typed` and
    `hospitals`. -#}
{% macro header_row_checks() -%}
checked as (
    select
        typed.*,
        case
            when len(typed.field_problems) > 0 then typed.field_problems[1]
            when typed.copy_number > 1 then {
                'field': null, 'reason_code': 'DUPLICATE_ROW',
                'message': 'exact copy of ' || typed.original_location || '; the copy was set aside'
            }
            when hospitals.fixmedins_code is null then {
                'field': 'fixmedins_code', 'reason_code': 'UNKNOWN_HOSPITAL',
                'message': 'hospital code fixmedins_code (定点医药机构编号) ''' || typed.fixmedins_code
                    || ''' is not in the hospital registry'
            }
            when typed.fixmedins_code <> typed.folder_hospital then {
                'field': 'fixmedins_code', 'reason_code': 'HOSPITAL_MISMATCH',
                'message': 'hospital code fixmedins_code (定点医药机构编号) ''' || typed.fixmedins_code
                    || ''' differs from the folder ''' || typed.folder_hospital || ''' the file was delivered in'
            }
        end as problem
    from typed
    left join hospitals
        on typed.fixmedins_code = hospitals.fixmedins_code
)
{%- endmacro %}
