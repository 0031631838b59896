"""The NUTS engine's implementation of the beta-binomial likelihood.

:class:`~bayesmeta.nuts.engine.NutsEngine` delegates here for specs whose likelihood is
beta-binomial (``BetaBinomial.implementation("nuts")``): sample (:mod:`bayesmeta.nuts.betabinomial`),
label the draws, check R-hat / ESS / divergences of ``beta`` and ``phi``, and summarize with the
exact engine's definitions (:mod:`bayesmeta.quad.betabinomial.summaries`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from bayesmeta.errors import InputError
from bayesmeta.model import derived
from bayesmeta.model.betabinomial import describe, design_of, level_rows
from bayesmeta.model.engine_api import FitOptions
from bayesmeta.model.result import BayesResult, Diagnostics
from bayesmeta.model.spec import ModelSpec
from bayesmeta.nuts.betabinomial import (
    PARAMETERS,
    betabinomial_values,
    draw_summaries,
    sample_betabinomial,
    to_inference_data,
)


def diagnostics(idata) -> Diagnostics:
    """Max R-hat, min bulk and tail ESS of ``beta`` and ``phi``, and the divergences.

    Parameters
    ----------
    idata : arviz.InferenceData
        A beta-binomial fit.

    Returns
    -------
    Diagnostics
    """
    import arviz as az

    def extreme(dataset, pick) -> float:
        values = np.concatenate([np.ravel(dataset[v].to_numpy()) for v in dataset.data_vars])
        values = values[np.isfinite(values)]
        return float(pick(values)) if values.size else float("nan")

    names = list(PARAMETERS)
    chains = idata.posterior.sizes["chain"]
    rhat = extreme(az.rhat(idata, var_names=names), max) if chains > 1 else float("nan")
    return Diagnostics(
        rhat_max=rhat,
        ess_bulk_min=extreme(az.ess(idata, var_names=names, method="bulk"), min),
        ess_tail_min=extreme(az.ess(idata, var_names=names, method="tail"), min),
        divergences=int(idata.sample_stats["diverging"].to_numpy().sum()),
    )


def fit(spec: ModelSpec, options: FitOptions) -> BayesResult:
    """Sample a beta-binomial spec with NUTS and summarize it.

    Parameters
    ----------
    spec : ModelSpec
        A beta-binomial spec.
    options : FitOptions
        ``hdi``, ``thresholds`` and the NUTS settings; a ``benchmark`` is refused.

    Returns
    -------
    BayesResult
        ``engine="nuts"`` with the InferenceData in ``idata``; ``parameters`` holds ``phi`` and
        ``icc``.

    Warns
    -----
    ConvergenceWarning
        When R-hat > 1.01, bulk or tail ESS < 400, or any divergence.
    """
    from bayesmeta.nuts.sample_fit import checked_options
    from bayesmeta.nuts.summarize import warn_if_needed

    if options.benchmark is not None:
        raise InputError(
            "benchmark: the one-sided Bayes factor needs the exact engine and the binomial "
            "likelihood"
        )
    nuts = checked_options(options.nuts)
    draws, tune, chains, seed = nuts.draws, nuts.tune, nuts.chains, nuts.seed
    target_accept = nuts.target_accept
    data = spec.data
    X, columns, priors, design = design_of(spec)
    phi_prior = spec.likelihood.phi_prior
    values = betabinomial_values(data.events, data.total, X, priors, phi_prior)
    raw = sample_betabinomial(
        values,
        priors,
        phi_prior,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        sampler=nuts.sampler,
        target_accept=target_accept,
    )
    model = describe(spec)
    model.update(
        sampler=raw.sampler,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        target_accept=target_accept,
        interval="hdi" if options.hdi else "eti",
    )
    beta = raw.values["beta"].reshape(-1, X.shape[1])
    phi = raw.values["phi"].reshape(-1)
    found = draw_summaries(beta, phi, data.events, data.total, X, seed=seed)
    idata = to_inference_data(
        raw.values["beta"],
        raw.values["phi"],
        raw.diverging,
        studies=data.studies,
        columns=columns,
        events=data.events,
        total=data.total,
        X=X,
        theta=found["study_rates"].reshape(chains, draws, data.k),
        attrs={"bayesmeta_model": str(spec.describe())},
    )
    diag = dataclasses.replace(diagnostics(idata), sampling_seconds=raw.seconds)
    warn_if_needed(diag, what=f"beta-binomial model of '{data.outcome}'", stacklevel=4)

    def iv(x):
        return derived.interval(x, hdi=options.hdi)

    rates: dict[str, np.ndarray] = {}
    contrasts = []
    rows, groups = level_rows(design)
    rates = {name: expit(beta @ row) for name, row in rows.items()}
    for names in groups:
        contrasts += derived.contrasts({n: rates[n] for n in names}, hdi=options.hdi)
    study = [iv(found["study_rates"][:, i]) for i in range(data.k)]
    study_rates = pd.DataFrame(
        {
            "study": list(data.studies),
            "events": np.asarray(data.events),
            "total": np.asarray(data.total),
            "observed": np.asarray(data.events) / np.asarray(data.total),
            "median": [s.median for s in study],
            "lo": [s.lo for s in study],
            "hi": [s.hi for s in study],
        }
    )
    prob_above = {}
    if options.thresholds:
        from bayesmeta.model.thresholds import threshold_key

        for x in options.thresholds:
            prob_above[threshold_key(x)] = {
                name: float(np.mean(found[name] > x))
                for name in ("pooled_median", "pooled_mean", "new_study")
            } | {"levels": {n: float(np.mean(r > x)) for n, r in rates.items()}}
    return BayesResult(
        engine="nuts",
        model=model,
        pooled_median=iv(found["pooled_median"]),
        pooled_mean=iv(found["pooled_mean"]),
        new_study=iv(found["new_study"]),
        tau=None,
        study_rates=study_rates,
        diagnostics=diag,
        excluded=tuple(data.excluded),
        rates={n: iv(r) for n, r in rates.items()},
        contrasts=contrasts,
        coefficients={c: iv(beta[:, j]) for j, c in enumerate(columns)},
        idata=idata,
        prob_above=prob_above,
        parameters={"phi": iv(phi), "icc": iv(found["icc"])},
        posterior=idata,
    )


def pointwise_loglik(spec: ModelSpec, idata: Any) -> np.ndarray:
    """The beta-binomial log likelihood of each study per draw, ``(chain, draw, k)``.

    Parameters
    ----------
    spec : ModelSpec
        A beta-binomial spec.
    idata : arviz.InferenceData
        Its fit.

    Returns
    -------
    numpy.ndarray
    """
    return np.asarray(idata.log_likelihood["y"].transpose("chain", "draw", ...).values, float)
