"""The multiverse in numbers: share above a threshold, median and range, and which choice moves
the estimate most (a variance decomposition of the logit estimates)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


def variance_shares(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """For each choice, the share of the variance of logit(estimate) its options explain alone.

    The share is eta^2 = SS_between / SS_total of a one-way decomposition by that choice's
    options (Voracek, Kossmeier & Tran 2019 compare choices this way). With an unbalanced set
    of specifications (skips, a random sample) the shares need not add up to 1.

    Parameters
    ----------
    frame : pandas.DataFrame
        The successful specifications (columns ``estimate`` and the choices).
    columns : sequence of str
        The choice columns.

    Returns
    -------
    list of dict
        ``choice``, ``options`` (distinct values), ``share``; largest share first.
    """
    y = np.log(frame["estimate"] / (1 - frame["estimate"])).to_numpy()
    total = float(np.sum((y - y.mean()) ** 2)) if len(y) else 0.0
    out = []
    for column in columns:
        groups = frame.groupby(frame[column].astype(str), sort=True).indices.values()
        between = sum(len(i) * (y[i].mean() - y.mean()) ** 2 for i in groups)
        share = float(between / total) if total > 0 else 0.0
        out.append({"choice": column, "options": len(groups), "share": share})
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
        :func:`variance_shares`) and ``most_influential`` (its first choice with more than one
        option, or None).
    """
    ok = frame[frame["status"] == "ok"]
    status = frame["status"].str.split(":").str[0]
    estimate = ok["estimate"].to_numpy()
    shares = variance_shares(ok, columns) if len(ok) > 1 else []
    moving = [s for s in shares if s["options"] > 1]

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
        "most_influential": moving[0]["choice"] if moving else None,
    }
