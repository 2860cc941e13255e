{#- Use the configured schema as is (raw, staging, intermediate, marts, reference), without the
    target-schema prefix dbt adds by default: dashboards read stable schema names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
