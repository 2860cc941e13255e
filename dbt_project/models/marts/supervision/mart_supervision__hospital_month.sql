{#- Supervision indicators per hospital and month (监管指标; 000_… 三(三): the monthly figures the
    agency sends the expert groups; 001_… 四(三)), one row per hospital × discharge month. Every case
    of the month in int_supervision__cases is counted once, grouped or not, whatever the payment
    method (every case is grouped by CHS-DRG, so DIP hospitals get a CMI too).

    cmi = Σ rw / weighted_cases (grouped cases with a weight).
    cost_index (费用消耗指数) = Σ cost / Σ regional mean cost of the case's DRG, over grouped cases;
    time_index (时间消耗指数) the same with the stay (los_days). The regional mean of a DRG is the
    mean over ALL hospitals' grouped cases of that DRG in the same month (this hospital included),
    so 1 = the region's level for the same case mix.
    Low-risk groups (低风险组): the DRGs whose regional mortality (deaths / grouped cases, all
    hospitals) over the trailing supervision_window_months months ending at the month is below
    supervision_low_risk_max_mortality; earlier months are read from int_supervision__cases (a month
    not built just means fewer cases). low_risk_mortality = deaths / cases of the hospital in them.
    Readmissions (再住院): the month's cases that are the second stay of a pair of
    int_supervision__readmission_pairs (any principal diagnosis), within readmission_window_days
    (15d) or readmission_indicator_days (31d), over the month's cases.
    mean_cost_growth = mean cost / the hospital's mean cost in the previous calendar month − 1 (NULL
    when it had no case then). Shares are double; money sums decimal(18,2), summed exactly; any
    division by zero gives NULL. Monthly partition. -#}

{{ supervision_indicators() }}
