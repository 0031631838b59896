"""Summarize a labelled InferenceData into a :class:`BayesResult` (diagnostics included).

The numbers come from the pure functions of :mod:`bayesmeta.model.derived`; this module only
pulls draw arrays out of the InferenceData and assembles the result.

Per-level rates
---------------
Subgroup model: ``rates[level]`` = expit(mu_level), the level's median-study rate (the subgroup
analogue of ``pooled_median``); ``rates_mean[level]`` = E[expit(mu_level + u)], the level's
population-averaged rate. Regression model: for each categorical covariate, the rate at each
level with the other columns at their mean over the studies (keys are the levels when there is
one categorical covariate, ``covariate[level]`` otherwise). Contrasts compare the ``rates``
draws of every pair of levels of one covariate.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.special import expit

from bayesmeta.errors import ConvergenceWarning
from bayesmeta.model import derived
from bayesmeta.model.result import BayesResult, Diagnostics, Interval
from bayesmeta.model.spec import ModelSpec
from bayesmeta.nuts.draws import PARAMETERS


def _stacked(idata, name: str) -> np.ndarray:
    """``(chain * draw, ...)`` array of a posterior variable."""
    values = idata.posterior[name].to_numpy()
    return values.reshape((-1,) + values.shape[2:])


def diagnostics(idata) -> Diagnostics:
    """Max R-hat, min bulk and tail ESS over the sampled parameters, and divergences.

    Parameters
    ----------
    idata
        InferenceData of a fit (``arviz.InferenceData``).

    Returns
    -------
    Diagnostics
    """
    import arviz as az

    names = [v for v in PARAMETERS if v in idata.posterior]
    divergences = int(idata.sample_stats["diverging"].to_numpy().sum())
    if idata.posterior.sizes["chain"] < 2:
        rhat = float("nan")
    else:
        rhat = _extreme(az.rhat(idata, var_names=names), max)
    bulk = _extreme(az.ess(idata, var_names=names, method="bulk"), min)
    tail = _extreme(az.ess(idata, var_names=names, method="tail"), min)
    return Diagnostics(rhat_max=rhat, ess_bulk_min=bulk, ess_tail_min=tail, divergences=divergences)


def _extreme(dataset, pick) -> float:
    values = np.concatenate([np.ravel(dataset[v].to_numpy()) for v in dataset.data_vars])
    values = values[np.isfinite(values)]
    return float(pick(values)) if values.size else float("nan")


def warn_if_needed(diag: Diagnostics, *, what: str, stacklevel: int = 2) -> None:
    """Emit a ConvergenceWarning naming every failed check.

    Parameters
    ----------
    diag : Diagnostics
        The diagnostics to check.
    what : str
        What was sampled, named in the warning.
    stacklevel : int, optional
        Passed to :func:`warnings.warn`.
    """
    problems = diag.problems()
    if problems:
        warnings.warn(
            f"{what}: sampling diagnostics failed: {'; '.join(problems)} "
            "(increase --tune/--draws, or check the model)",
            ConvergenceWarning,
            stacklevel=stacklevel + 1,
        )


def _level_rates(spec: ModelSpec, idata) -> tuple[dict, dict, list]:
    """Draws of the per-level rates and population means, and contrasts groups."""
    rates: dict[str, np.ndarray] = {}
    means: dict[str, np.ndarray] = {}
    groups: list[list[str]] = []
    if spec.kind == "subgroup":
        mu = _stacked(idata, "mu")
        tau = _stacked(idata, "tau")
        for g, level in enumerate(spec.groups):
            t = tau[:, g] if tau.ndim == 2 else tau
            rates[level] = expit(mu[:, g])
            means[level] = derived.population_mean(mu[:, g], t)
        groups.append(list(spec.groups))
    elif spec.kind == "regression":
        design = spec.design
        beta = _stacked(idata, "beta")
        tau = _stacked(idata, "tau")
        several = len(design.factors) > 1
        for factor, levels in design.factors.items():
            names = []
            for level in levels:
                row = derived.level_profile(design.matrix, design.columns, factor, levels, level)
                eta = beta @ row
                name = f"{factor}[{level}]" if several else str(level)
                rates[name] = expit(eta)
                means[name] = derived.population_mean(eta, tau)
                names.append(name)
            groups.append(names)
    return rates, means, groups


def _observed(events, total) -> np.ndarray:
    """Each study's observed rate; NaN for a study whose likelihood is switched off (0 of 0,
    as in the leave-one-out refits of ``analysis/exact.py``)."""
    events, total = np.asarray(events, dtype=float), np.asarray(total, dtype=float)
    return np.divide(events, total, out=np.full(total.shape, np.nan), where=total > 0)


def summarize(
    spec: ModelSpec,
    idata,
    *,
    hdi: bool = False,
    seed: int = 0,
    settings: dict | None = None,
    engine: str = "nuts",
) -> BayesResult:
    """The :class:`BayesResult` of a NUTS fit (warns when diagnostics fail).

    ``seed`` drives the draws of the new study's random effect; ``settings`` (sampler, draws,
    ...) are added to ``model``.

    Parameters
    ----------
    spec : ModelSpec
        The model specification.
    idata
        InferenceData of a fit (``arviz.InferenceData``).
    hdi : bool, optional
        Highest-density intervals instead of equal-tailed ones.
    seed : int, optional
        Random seed.
    settings : dict, optional
        Sampler settings recorded in the result.
    engine : str, optional
        The engine that produced the draws (recorded in the result).

    Returns
    -------
    BayesResult
    """

    def iv(x: np.ndarray) -> Interval:
        return derived.interval(x, hdi=hdi)

    diag = diagnostics(idata)
    # stacklevel: the user's call of fit (warn_if_needed <- summarize <- fit <- user)
    warn_if_needed(diag, what=f"{spec.kind} model of '{spec.data.outcome}'", stacklevel=3)
    eta = _stacked(idata, "eta")
    tau_study = _stacked(idata, "tau_study")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4]))
    pooled = derived.pooled_draws(eta, tau_study, rng=rng)
    theta = _stacked(idata, "theta")
    data = spec.data
    study_ivs = [iv(theta[:, i]) for i in range(data.k)]
    study_rates = pd.DataFrame(
        {
            "study": list(data.studies),
            "events": np.asarray(data.events),
            "total": np.asarray(data.total),
            "observed": _observed(data.events, data.total),
            "median": [s.median for s in study_ivs],
            "lo": [s.lo for s in study_ivs],
            "hi": [s.hi for s in study_ivs],
        }
    )
    tau = None
    taus: dict[str, Interval] = {}
    if spec.kind != "common":
        tau_draws = _stacked(idata, "tau")
        if tau_draws.ndim == 2:
            taus = {level: iv(tau_draws[:, g]) for g, level in enumerate(spec.groups)}
        else:
            tau = iv(tau_draws)
    coefficients: dict[str, Interval] = {}
    if spec.kind == "regression":
        beta = _stacked(idata, "beta")
        coefficients = {c: iv(beta[:, j]) for j, c in enumerate(spec.design.columns)}
    elif spec.kind == "subgroup":
        mu = _stacked(idata, "mu")
        coefficients = {f"mu[{lv}]": iv(mu[:, g]) for g, lv in enumerate(spec.groups)}
    rate_draws, mean_draws, groups = _level_rates(spec, idata)
    contrasts = []
    for names in groups:
        contrasts += derived.contrasts({n: rate_draws[n] for n in names}, hdi=hdi)
    model = spec.describe()
    model.update(settings or {})
    return BayesResult(
        engine=engine,
        model=model,
        pooled_median=iv(pooled["pooled_median"]),
        pooled_mean=iv(pooled["pooled_mean"]),
        new_study=iv(pooled["new_study"]),
        tau=tau,
        study_rates=study_rates,
        diagnostics=diag,
        excluded=tuple(data.excluded),
        rates={k: iv(v) for k, v in rate_draws.items()},
        rates_mean={k: iv(v) for k, v in mean_draws.items()},
        contrasts=contrasts,
        taus=taus,
        coefficients=coefficients,
        idata=idata,
    )
