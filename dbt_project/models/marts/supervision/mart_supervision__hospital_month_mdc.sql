{#- Supervision indicators per hospital, month and MDC (主要诊断大类) for the MDC expert groups
    (000_… 三(三): the agency sends each expert group its groups' figures every month), one row per
    hospital × discharge month × MDC. Every case of the month is counted once, under its MDC; cases
    without one (invalid principal diagnosis, DRG 0000) under mdc = 'NONE', so the rows of a
    hospital-month add up to mart_supervision__hospital_month.

    The formulas are those of mart_supervision__hospital_month, within the MDC:
    cmi = Σ rw / weighted_cases (grouped cases with a weight).
    cost_index = Σ cost / Σ regional mean cost of the case's DRG, over grouped cases; time_index the
    same with the stay. The regional mean of a DRG is the mean over ALL hospitals' grouped cases of
    that DRG in the same month.
    Low-risk groups: the DRGs whose regional mortality over the trailing supervision_window_months
    months ending at the month is below supervision_low_risk_max_mortality (earlier months read from
    int_supervision__cases). Readmissions count under the MDC of the second stay.
    mean_cost_growth = mean cost / the hospital's mean cost in the same MDC in the previous calendar
    month − 1 (NULL when it had no case of the MDC then). Shares are double; money sums
    decimal(18,2), summed exactly; any division by zero gives NULL. Monthly partition. -#}

{{ supervision_indicators(by_mdc=true) }}
