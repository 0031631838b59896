"""NUTS for the beta-binomial likelihood: the PyMC model, sampling and the labelled draws.

``y_i ~ BetaBinomial(n_i, mu_i phi, (1 - mu_i) phi)``, ``logit(mu_i) = x_i' beta`` (a column of
ones without covariates). Free variables: ``beta`` [coef] -- flat, with each column's prior added
as a potential: the mu prior for the intercept (or the first factor's cell means), the beta
prior for the slopes -- and ``phi`` with its prior (PyMC samples log phi). Data and prior
parameters are ``pm.Data``, so refits of one structure reuse the compiled model (the cache of
:mod:`bayesmeta.nuts.sampling`, keyed by :func:`betabinomial_key`).

The InferenceData holds ``beta`` [coef], ``phi``, ``eta`` [study] (= x_i' beta), ``theta``
[study] (each study's rate given the data, one Beta variate per draw), the beta-binomial log
likelihood of each study per draw (``log_likelihood.y``), the counts and the
divergences.
"""

from __future__ import annotations

import time

import numpy as np

from bayesmeta.model import betabinomial_forms as bb
from bayesmeta.model.priors import Prior

#: Free variables whose R-hat and ESS are checked.
PARAMETERS = ("beta", "phi")


def betabinomial_values(
    events: np.ndarray, total: np.ndarray, X: np.ndarray, priors: list[Prior], phi_prior: Prior
) -> dict[str, np.ndarray]:
    """The ``pm.Data`` values of a beta-binomial model.

    Parameters
    ----------
    events, total : numpy.ndarray
        Counts (k,).
    X : numpy.ndarray
        Design matrix (k, p).
    priors : list of Prior
        Prior of each coefficient.
    phi_prior : Prior
        Prior of phi.

    Returns
    -------
    dict of str to numpy.ndarray
    """
    values = {
        "y_data": np.asarray(events, dtype=np.int64),
        "n_data": np.asarray(total, dtype=np.int64),
        "x_data": np.asarray(X, dtype=float),
        "phi_prior": np.asarray(phi_prior.params, dtype=float),
    }
    for j, prior in enumerate(priors):
        values[f"coef_prior_{j}"] = np.asarray(prior.params, dtype=float)
    return values


def betabinomial_key(priors: list[Prior], phi_prior: Prior) -> tuple:
    """Structure key: models with equal keys share one compiled PyMC model.

    Parameters
    ----------
    priors : list of Prior
        Prior of each coefficient.
    phi_prior : Prior
        Prior of phi.

    Returns
    -------
    tuple
    """
    return ("betabinomial", phi_prior.family, *(p.family for p in priors))


def build_betabinomial_pymc(values: dict[str, np.ndarray], priors: list[Prior], phi_prior: Prior):
    """A fresh ``pymc.Model`` of the beta-binomial likelihood.

    Parameters
    ----------
    values : dict of str to numpy.ndarray
        From :func:`betabinomial_values`.
    priors : list of Prior
        Prior of each coefficient.
    phi_prior : Prior
        Prior of phi.

    Returns
    -------
    pymc.Model
    """
    import pymc as pm

    from bayesmeta.model.prior_families import PRIOR_FAMILIES

    def family(prior: Prior, params):
        return PRIOR_FAMILIES[prior.family].pymc([params[i] for i in range(len(prior.params))])

    with pm.Model() as model:
        data = {name: pm.Data(name, value) for name, value in values.items()}
        beta = pm.Flat("beta", shape=len(priors))
        for j, prior in enumerate(priors):
            cls, options = family(prior, data[f"coef_prior_{j}"])
            pm.Potential(f"beta_prior_logp_{j}", pm.logp(cls.dist(**options), beta[j]))
        cls, options = family(phi_prior, data["phi_prior"])
        phi = cls("phi", **options)
        mu = pm.math.invlogit(pm.math.dot(data["x_data"], beta))
        pm.BetaBinomial(
            "y", n=data["n_data"], alpha=mu * phi, beta=(1 - mu) * phi, observed=data["y_data"]
        )
    return model


def start_point(values: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """A dispersed start of one chain: least squares on the empirical logits, jittered by +-1
    on the logit scale of each column's largest value, and phi = 10 jittered by a factor e.

    Parameters
    ----------
    values : dict of str to numpy.ndarray
        From :func:`betabinomial_values`.
    rng : numpy.random.Generator

    Returns
    -------
    dict of str to numpy.ndarray
        ``beta`` and ``phi_log__``.
    """
    y, n, x = values["y_data"], values["n_data"], values["x_data"]
    logits = np.log((y + 0.5) / (n - y + 0.5))
    beta = np.linalg.pinv(x) @ logits
    scale = np.maximum(1.0, np.abs(x).max(axis=0))
    beta = beta + rng.uniform(-1, 1, x.shape[1]) / scale
    return {"beta": beta, "phi_log__": np.asarray(np.log(10.0) + rng.uniform(-1, 1))}


def to_inference_data(
    beta: np.ndarray,
    phi: np.ndarray,
    diverging: np.ndarray,
    *,
    studies: tuple[str, ...],
    columns: tuple[str, ...],
    events: np.ndarray,
    total: np.ndarray,
    X: np.ndarray,
    theta: np.ndarray | None = None,
    attrs: dict | None = None,
):
    """The labelled InferenceData of a beta-binomial fit.

    Parameters
    ----------
    beta : numpy.ndarray
        (chain, draw, p).
    phi : numpy.ndarray
        (chain, draw).
    diverging : numpy.ndarray
        (chain, draw) booleans.
    studies, columns : tuple of str
        Study labels and coefficient names.
    events, total : numpy.ndarray
        Counts (k,).
    X : numpy.ndarray
        Design matrix (k, p).
    theta : numpy.ndarray, optional
        Draws of each study's rate given the data, (chain, draw, k) (the posterior predictive
        check replicates the counts from them).
    attrs : dict, optional
        Attributes of the posterior group.

    Returns
    -------
    arviz.InferenceData
    """
    import arviz as az

    eta = beta @ np.asarray(X, float).T  # (chain, draw, k)
    chains, draws, k = eta.shape
    loglik = bb.study_loglik_rows(events, total, eta.reshape(-1, k).T, phi.reshape(-1)).T.reshape(
        chains, draws, k
    )
    phi_study = np.repeat(np.asarray(phi, float)[..., None], k, axis=-1)
    posterior = {"beta": beta, "phi": phi, "eta": eta, "phi_study": phi_study}
    dims = {
        "beta": ["coef"],
        "eta": ["study"],
        "phi_study": ["study"],
        "y": ["study"],
        "n": ["study"],
    }
    if theta is not None:
        posterior["theta"] = theta
        dims["theta"] = ["study"]
    return az.from_dict(
        posterior=posterior,
        log_likelihood={"y": loglik},
        observed_data={"y": np.asarray(events)},
        constant_data={"n": np.asarray(total)},
        sample_stats={"diverging": diverging},
        coords={"study": list(studies), "coef": list(columns)},
        dims=dims,
        attrs={"likelihood": "betabinomial", **(attrs or {})},
    )


def draw_summaries(
    beta: np.ndarray,
    phi: np.ndarray,
    events: np.ndarray,
    total: np.ndarray,
    X: np.ndarray,
    *,
    seed: int,
) -> dict[str, np.ndarray]:
    """Draws of every reported quantity.

    Parameters
    ----------
    beta : numpy.ndarray
        Coefficient draws (S, p).
    phi : numpy.ndarray
        phi draws (S,).
    events, total : numpy.ndarray
        Counts (k,).
    X : numpy.ndarray
        Design matrix (k, p).
    seed : int
        Seed of the Beta variates (same seed, same numbers).

    Returns
    -------
    dict of str to numpy.ndarray
        ``pooled_mean``, ``pooled_median``, ``new_study``, ``icc`` (S,) and ``study_rates`` (S, k).
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, 19]))
    X = np.asarray(X, float)
    eta = beta @ X.T  # (S, k)
    a, b = bb.beta_params(eta, phi[:, None])
    pick = rng.integers(0, X.shape[0], size=phi.size)
    rows = np.arange(phi.size)
    y = np.asarray(events, float)
    n = np.asarray(total, float)
    return {
        "pooled_mean": np.mean(a / phi[:, None], axis=1),
        "pooled_median": bb.median_rate(beta @ X.mean(axis=0), phi),
        "new_study": rng.beta(a[rows, pick], b[rows, pick]),
        "icc": bb.icc(phi),
        "study_rates": rng.beta(y + a, n - y + b),
    }


def sample_betabinomial(
    values: dict[str, np.ndarray],
    priors: list[Prior],
    phi_prior: Prior,
    *,
    draws: int,
    tune: int,
    chains: int,
    seed: int,
    sampler: str,
    target_accept: float,
):
    """Sample the beta-binomial posterior (PyMC or nutpie), reusing a compiled model.

    Parameters
    ----------
    values : dict of str to numpy.ndarray
        From :func:`betabinomial_values`.
    priors : list of Prior
        Prior of each coefficient.
    phi_prior : Prior
        Prior of phi.
    draws, tune, chains, seed : int
        NUTS settings.
    sampler : {"auto", "pymc", "nutpie"}
        NUTS implementation ("auto": :func:`bayesmeta.model.options.resolve_sampler`).
    target_accept : float
        NUTS target acceptance.

    Returns
    -------
    RawDraws
        ``beta`` (chain, draw, p), ``phi`` (chain, draw) and the divergences.
    """
    import pymc as pm

    from bayesmeta.errors import InputError
    from bayesmeta.model.options import NUTPIE_SETTINGS, resolve_sampler
    from bayesmeta.model.sampler_backend import (
        compile_mode,
        declare_no_blas,
        pytensor_mode,
        run_nutpie,
    )
    from bayesmeta.nuts.sampling import RawDraws, _cache, _quiet_pymc, _remember

    sampler = resolve_sampler(sampler)
    if sampler not in ("pymc", "nutpie"):
        raise InputError(
            f"sampler '{sampler}': the beta-binomial model samples with pymc or nutpie"
        )
    key = (sampler, pytensor_mode(), target_accept, *betabinomial_key(priors, phi_prior))
    entry = _cache.get(key)
    seeds = np.random.SeedSequence(seed).generate_state(chains + 1)
    if sampler == "nutpie":
        import nutpie

        if entry is None:
            declare_no_blas()
            entry = nutpie.compile_pymc_model(build_betabinomial_pymc(values, priors, phi_prior))
        _remember(key, entry)
        idata, seconds = run_nutpie(
            entry.with_data(**values),
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed,
            target_accept=target_accept,
            settings=NUTPIE_SETTINGS,
        )
        found = {name: idata.posterior[name].to_numpy() for name in PARAMETERS}
        diverging = idata.sample_stats["diverging"].to_numpy().astype(bool)
        return RawDraws(found, diverging, "nutpie", seconds)
    if entry is None:
        model = build_betabinomial_pymc(values, priors, phi_prior)
        with model, compile_mode():
            step = pm.NUTS(target_accept=target_accept)
        entry = (model, step)
    model, step = entry
    _remember(key, entry)
    pm.set_data(values, model=model)
    starts = [start_point(values, np.random.default_rng(int(s))) for s in seeds[1:]]
    start = time.perf_counter()
    with model, _quiet_pymc(), compile_mode():
        trace = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            cores=1,
            step=step,
            initvals=starts,
            random_seed=int(seeds[0]),
            progressbar=False,
            compute_convergence_checks=False,
            return_inferencedata=False,
            discard_tuned_samples=True,
        )
    found = {
        name: np.stack(trace.get_values(name, combine=False, squeeze=False)) for name in PARAMETERS
    }
    diverging = trace.get_sampler_stats("diverging", combine=False, squeeze=False)
    return RawDraws(found, np.stack(diverging).astype(bool), "pymc", time.perf_counter() - start)
