"""One table with the frequentist (DL, REML, GLMM) and Bayesian estimates of one analysis."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from bayesmeta.data.metadata import MetaData
from bayesmeta.model.result import BayesResult

FREQ_METHODS = ("DL", "REML", "GLMM")
COLUMNS = ("method", "quantity", "estimate", "lo", "hi", "tau", "interval")


def side_by_side(
    data: MetaData,
    *,
    bayes: BayesResult | None = None,
    methods: Sequence[str] = FREQ_METHODS,
    **fit_options: Any,
) -> pd.DataFrame:
    """DL, REML, GLMM and the Bayesian random-intercept estimate of ``data``, one row each.

    Parameters
    ----------
    data : MetaData
        Events and totals of one outcome.
    bayes : BayesResult, optional
        A random-intercept fit of the same data; fitted here (``fit_options`` passed to
        :func:`bayesmeta.bayes.fit`) when omitted.
    methods : sequence of str
        Methods of :func:`bayesmeta.freq.rma` (logit scale; ``GLMM`` is the binomial-normal
        model, the frequentist twin of the Bayesian model).
    **fit_options : Any
        Options passed to the fit (draws, chains, seed, ...).

    Returns
    -------
    pandas.DataFrame
        Columns ``method``, ``quantity``, ``estimate``, ``lo``, ``hi`` (pooled rate and 95% CI or
        credible interval), ``tau`` (between-study SD on the logit scale) and ``interval``. The
        Bayesian model gives two rows: the median study's rate expit(mu), comparable with the
        frequentist pooled rates, and the population-averaged mean rate.
    """
    from bayesmeta.freq import rma

    rows = []
    for method in methods:
        freq = rma(data, method=method)
        rows.append(
            {
                "method": method,
                "quantity": "pooled rate",
                "estimate": freq.estimate,
                "lo": freq.ci[0],
                "hi": freq.ci[1],
                "tau": math.sqrt(max(freq.tau2, 0.0)),
                "interval": "95% CI",
            }
        )
    if bayes is None:
        from bayesmeta.engines import fit
        from bayesmeta.model.spec import build_model

        bayes = fit(build_model(data, kind="random"), **fit_options)
    tau = bayes.tau.median if bayes.tau is not None else 0.0
    label = f"Bayes ({bayes.engine})"
    for quantity, iv in (
        ("pooled rate expit(mu)", bayes.pooled_median),
        ("mean rate E[expit(mu+u)]", bayes.pooled_mean),
    ):
        rows.append(
            {
                "method": label,
                "quantity": quantity,
                "estimate": iv.median,
                "lo": iv.lo,
                "hi": iv.hi,
                "tau": tau,
                "interval": f"95% {iv.kind.upper()}",
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))
