{#- Fails for every combination of `columns` that occurs more than once (no dbt_utils needed).
    Used on seeds whose key is several columns, e.g. policy_parameters (year, parameter). -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
