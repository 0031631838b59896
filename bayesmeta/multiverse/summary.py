"""The multiverse in numbers: share above a threshold, median and range, and which choice moves
the estimate most (a variance decomposition of the logit estimates)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from bayesmeta.analysis.multiverse_choices import NA


def variance_shares(
    frame: pd.DataFrame, columns: Sequence[str], *, not_applicable: str = NA
) -> list[dict[str, Any]]:
    """For each choice, the share of the variance of logit(estimate) its options explain alone.

    The share is eta^2 = SS_between / SS_total of a one-way decomposition by that choice's
    options (Voracek, Kossmeier & Tran 2019 compare choices this way), computed only over the
    rows where the choice applies: "not applicable" is no option (Hartung-Knapp's share is
    over the inverse-variance rows, where it never moves the estimate: 0; a prior's share is
    over the Bayesian rows). A choice with fewer than two options among those rows moves
    nothing and is left out. With an unbalanced set of specifications (skips, a random
    sample) the shares need not add up to 1.

    Parameters
    ----------
    frame : pandas.DataFrame
        The successful specifications (columns ``estimate`` and the choices).
    columns : sequence of str
        The choice columns.
    not_applicable : str, default "n/a"
        The value of a choice in the rows it does not apply to.

    Returns
    -------
    list of dict
        ``choice``, ``options`` (distinct values where it applies), ``rows`` (the rows it
        applies to), ``share``; largest share first.
    """
    y_all = np.log(frame["estimate"] / (1 - frame["estimate"])).to_numpy()
    out = []
    for column in columns:
        labels = frame[column].astype(str).to_numpy()
        applies = labels != not_applicable
        y, labels = y_all[applies], labels[applies]
        options, group = np.unique(labels, return_inverse=True)
        if len(options) < 2:
            continue
        mean = y.mean()
        total = float(np.sum((y - mean) ** 2))
        counts = np.bincount(group)
        means = np.bincount(group, weights=y) / counts
        between = float(np.sum(counts * (means - mean) ** 2))
        share = between / total if total > 0 else 0.0
        out.append({"choice": column, "options": len(options), "rows": int(len(y)), "share": share})
    return sorted(out, key=lambda d: (-d["share"], d["choice"]))


def summarize(frame: pd.DataFrame, *, columns: Sequence[str], threshold: float) -> dict[str, Any]:
    """The summary of a multiverse table.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table (every specification, skipped and failed ones included).
    columns : sequence of str
        The choice columns.
    threshold : float
        Rate threshold.

    Returns
    -------
    dict
        Counts (``specifications``, ``ok``, ``skipped``, ``failed``), ``threshold``,
        ``share_above`` (of the successful ones), ``share_ci_above`` (whole CI above),
        ``median``, ``min``, ``max``, ``q05``, ``q95``, ``variance`` (from
        :func:`variance_shares`) and ``most_influential`` (its first choice, or None).
    """
    ok = frame[frame["status"] == "ok"]
    status = frame["status"].str.split(":").str[0]
    estimate = ok["estimate"].to_numpy()
    shares = variance_shares(ok, columns) if len(ok) > 1 else []

    def stat(function) -> float | None:
        return float(function(estimate)) if len(estimate) else None

    return {
        "specifications": int(len(frame)),
        "ok": int(len(ok)),
        "skipped": int((status == "skipped").sum()),
        "failed": int((status == "failed").sum()),
        "threshold": threshold,
        "share_above": stat(lambda e: np.mean(e > threshold)),
        "share_ci_above": float(np.mean(ok["ci_lo"] > threshold)) if len(ok) else None,
        "median": stat(np.median),
        "min": stat(np.min),
        "max": stat(np.max),
        "q05": stat(lambda e: np.quantile(e, 0.05)),
        "q95": stat(lambda e: np.quantile(e, 0.95)),
        "variance": shares,
        "most_influential": shares[0]["choice"] if shares else None,
    }
