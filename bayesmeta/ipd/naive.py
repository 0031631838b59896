"""The naive pooled analysis the paper reported: patients pooled across trials, by stratum.

For a binary (or categorical) modifier, the proportion of patients with the outcome in each
stratum, pooled over all trials as if they were one, and the risk ratio of each level against
the reference with its Wald (log scale) 95% CI. This is what an IPD meta-analysis reports
when it ignores the trials, and it mixes the within-trial effect with differences between
trials (ecological bias); the one-stage model separates them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from bayesmeta.data.patient_table import PatientData
from bayesmeta.errors import InputError

Z95 = float(stats.norm.ppf(0.975))


def stratified_rates(
    data: PatientData, modifier: str, *, reference: object | None = None
) -> pd.DataFrame:
    """Pooled rate per level of ``modifier`` and the risk ratio against the reference level.

    Only patient rows with the modifier recorded are used (the others are counted in
    ``missing``); aggregate trials do not enter (their patients' values are not known).

    Parameters
    ----------
    data : PatientData
    modifier : str
        A column with few distinct values (0/1 or categories).
    reference : object, optional
        Reference level (default: the first sorted level).

    Returns
    -------
    pandas.DataFrame
        level, events, total, rate, rr, rr_lo, rr_hi (rr of the reference is 1), trials (with
        patients at that level), missing (patients without the modifier).
    """
    if modifier not in data.covariates.columns:
        raise InputError(f"modifier column '{modifier}' not found in the patient data")
    patient = ~np.asarray(data.aggregate)
    values = data.covariates[modifier][patient].reset_index(drop=True)
    events = np.asarray(data.events)[patient]
    total = np.asarray(data.total)[patient]
    trial = np.asarray(data.trial_index)[patient]
    known = ~values.isna().to_numpy()
    text = values.astype(str).to_numpy()
    levels = sorted({t for t, k in zip(text, known, strict=True) if k})
    if len(levels) > 10:
        raise InputError(
            f"modifier '{modifier}' has {len(levels)} levels; stratified rates need a 0/1 or"
            " categorical modifier"
        )
    if reference is not None:
        if str(reference) not in levels:
            raise InputError(f"modifier '{modifier}': unknown level '{reference}'")
        levels.remove(str(reference))
        levels.insert(0, str(reference))
    rows = []
    for level in levels:
        at = known & (text == level)
        rows.append(
            {
                "level": level,
                "events": int(events[at].sum()),
                "total": int(total[at].sum()),
                "trials": len(np.unique(trial[at])),
            }
        )
    frame = pd.DataFrame(rows)
    frame["rate"] = frame["events"] / frame["total"]
    ref = frame.iloc[0]
    rr, lo, hi = [], [], []
    for _, row in frame.iterrows():
        if row["events"] == 0 or ref["events"] == 0:
            rr.append(np.nan)
            lo.append(np.nan)
            hi.append(np.nan)
            continue
        ratio = row["rate"] / ref["rate"]
        se = np.sqrt(1 / row["events"] - 1 / row["total"] + 1 / ref["events"] - 1 / ref["total"])
        rr.append(ratio)
        lo.append(ratio * np.exp(-Z95 * se))
        hi.append(ratio * np.exp(Z95 * se))
    frame["rr"], frame["rr_lo"], frame["rr_hi"] = rr, lo, hi
    frame.loc[0, ["rr_lo", "rr_hi"]] = [1.0, 1.0] if np.isfinite(frame.loc[0, "rr"]) else np.nan
    frame["missing"] = int(total[~known].sum())
    return frame
