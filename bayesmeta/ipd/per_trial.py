"""Within-trial effects of one modifier, trial by trial (the rows of the within-trial forest).

For each patient trial whose patients differ in the modifier: the log odds ratio per unit of the
modifier from a logistic regression of the outcome on it within that trial alone (for a 0/1
modifier, the 2x2 table's log odds ratio, with 0.5 added to every cell when one is empty), with
its Wald 95% interval. Trials where it cannot be estimated (all patients share one value; a
numeric modifier that separates the outcome) are listed with the reason, never dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from bayesmeta.ipd.within_across import IpdDesign

Z95 = float(stats.norm.ppf(0.975))


def _two_by_two(x, y, n) -> tuple[float, float]:
    a = float(y[x == 1].sum())
    b = float((n - y)[x == 1].sum())
    c = float(y[x == 0].sum())
    d = float((n - y)[x == 0].sum())
    if min(a, b, c, d) == 0:
        a, b, c, d = a + 0.5, b + 0.5, c + 0.5, d + 0.5
    return float(np.log(a * d / (b * c))), float(np.sqrt(1 / a + 1 / b + 1 / c + 1 / d))


def _logistic_slope(x, y, n) -> tuple[float, float]:
    from bayesmeta.freq.glmm_fit import common_effect_logistic

    X = np.column_stack([np.ones_like(x), x - x.mean()])
    with np.errstate(all="ignore"):
        try:
            beta, vcov, _ = common_effect_logistic(X, y, n)
        except np.linalg.LinAlgError:
            return float("nan"), float("nan")
    se = float(np.sqrt(vcov[1, 1])) if np.isfinite(vcov[1, 1]) and vcov[1, 1] > 0 else np.nan
    if not np.isfinite(beta[1]) or not np.isfinite(se) or abs(beta[1]) * np.ptp(x) > 30:
        return float("nan"), float("nan")
    return float(beta[1]), se


def within_trial_effects(design: IpdDesign, modifier: str) -> pd.DataFrame:
    """One row per patient trial: the modifier's within-trial log odds ratio and 95% CI.

    Parameters
    ----------
    design : IpdDesign
    modifier : str
        A modifier column of the design (``bridging``, ``source[allogeneic]``).

    Returns
    -------
    pandas.DataFrame
        trial, patients, estimate, se, lo, hi, note (why a trial has no estimate).
    """
    data = design.data
    j = design.modifiers.index(modifier)
    within = design.matrix[:, design.column(modifier, "within")]
    x_all = within + design.trial_means.to_numpy()[data.trial_index, j]
    binary = set(np.unique(np.round(x_all[~data.aggregate], 12))) <= {0.0, 1.0}
    rows = []
    for t, trial in enumerate(data.trials):
        at = (data.trial_index == t) & ~data.aggregate
        if not at.any():
            continue
        x, y, n = x_all[at], data.events[at].astype(float), data.total[at].astype(float)
        note = ""
        if np.ptp(x) == 0:
            estimate, se, note = float("nan"), float("nan"), "all patients share one value"
        else:
            estimate, se = _two_by_two(x, y, n) if binary else _logistic_slope(x, y, n)
            if not np.isfinite(estimate):
                note = "not estimable in this trial alone (separation)"
        rows.append(
            {
                "trial": trial,
                "patients": int(n.sum()),
                "estimate": estimate,
                "se": se,
                "lo": estimate - Z95 * se,
                "hi": estimate + Z95 * se,
                "note": note,
            }
        )
    return pd.DataFrame(rows)
