"""GOSH with Bayesian fits: the frequentist subsets (:mod:`bayesmeta.freq.gosh`) plus the exact
engine's pooled rate on a seeded sample of them.

Each Bayesian fit takes milliseconds; the batches go to any :class:`concurrent.futures.Executor`
(serial in this process by default). The frequentist part sits below the engines; this module
is where the two meet, above the engine boundary.
"""

from __future__ import annotations

import dataclasses
import itertools
from concurrent.futures import Executor

import numpy as np

from bayesmeta.data import MetaData
from bayesmeta.errors import InputError
from bayesmeta.freq.gosh import GoshResult
from bayesmeta.freq.gosh import gosh as gosh_subsets

__all__ = ["gosh"]


def _bayes_batch(events, total, masks, mu_prior: str, tau_prior: str) -> list[float]:
    import pandas as pd

    from bayesmeta.data import from_frame
    from bayesmeta.engines import exact_engine, fit
    from bayesmeta.model.spec import build_model

    out = []
    for mask in masks:
        frame = pd.DataFrame(
            {"study": np.flatnonzero(mask).astype(str), "x": events[mask], "n": total[mask]}
        )
        data = from_frame(frame, events="x", total="n", study="study", covariates=[])
        spec = build_model(data, kind="random", mu_prior=mu_prior, tau_prior=tau_prior)
        out.append(fit(spec, engine=exact_engine(spec)).pooled_median.median)
    return out


def gosh(
    data: MetaData,
    *,
    n_subsets: int = 10000,
    n_bayes: int = 200,
    seed: int = 1,
    mu_prior: str = "normal(0, 2.5)",
    tau_prior: str = "halfnormal(1.5)",
    executor: Executor | None = None,
    batch: int = 25,
    measure: str = "PLO",
) -> GoshResult:
    """GOSH analysis: DL on all (k <= 15) or ``n_subsets`` sampled subsets; exact Bayes on a sample.

    Parameters
    ----------
    data : MetaData
        Events and totals per study.
    n_subsets : int
        Subsets fitted by DL when k > 15.
    n_bayes : int
        Subsets fitted by the exact Bayesian engine (0 for none).
    seed : int
        Seed of every sample.
    mu_prior, tau_prior : str
        Priors of the Bayesian fits.
    executor : concurrent.futures.Executor, optional
        Runs the Bayesian batches (serially in this process when None).
    batch : int
        Subsets per submitted batch.
    measure : str
        Analysis scale of the DL fits (logit by default).

    Returns
    -------
    GoshResult
        ``bayes_median`` filled.
    """
    if batch < 1:
        raise InputError("GOSH: batch must be positive")
    result = gosh_subsets(data, n_subsets=n_subsets, n_bayes=n_bayes, seed=seed, measure=measure)
    rows = result.bayes_rows
    events = np.asarray(data.events, dtype=float)
    total = np.asarray(data.total, dtype=float)
    chunks = [rows[i : i + batch] for i in range(0, len(rows), batch)]
    args = [(events, total, result.subsets[c], mu_prior, tau_prior) for c in chunks]
    if executor is None:
        results = [_bayes_batch(*a) for a in args]
    else:
        futures = [executor.submit(_bayes_batch, *a) for a in args]
        results = [f.result() for f in futures]
    medians = np.array(list(itertools.chain.from_iterable(results)), dtype=float)
    return dataclasses.replace(result, bayes_median=medians)
