"""NUTS for the one-stage IPD model (patient rows sharing a random intercept per trial).

    y_r ~ Binomial(n_r, expit(x_r' beta + tau u_g(r) [+ sigma v_g(r) w_r])),  u, v ~ N(0, 1)

with an optional random slope ``sigma v_g`` on one column ``w`` (a within-trial modifier),
independent of the intercept (lme4's ``(1 + w || trial)``). Trial effects are non-centred.

The coefficients are sampled on a preconditioned scale: ``beta = b0 + L gamma``, where ``b0`` and
``L L'`` are the maximum-likelihood GLMM estimate and its covariance
(:func:`bayesmeta.freq.glmm_fit.fit_glmm`), and the priors stay on ``beta`` (the map is linear,
its Jacobian a constant). Uncentred across-trial columns (a trial's mean age near 60) are
otherwise strongly correlated with the intercept, which a diagonal mass matrix samples slowly.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.model.options import (
    DEFAULT_SAMPLER,
    IPD_TARGET_ACCEPT,
    NUTPIE_SETTINGS,
    resolve_sampler,
)
from bayesmeta.model.priors import Prior
from bayesmeta.model.sampler_backend import compile_mode, declare_no_blas, run_nutpie


@dataclass(frozen=True)
class GroupedDraws:
    """Posterior draws of the one-stage model.

    Attributes
    ----------
    beta : numpy.ndarray
        Coefficients, shape (chain, draw, p).
    tau : numpy.ndarray
        Between-trial SD of the intercepts, shape (chain, draw).
    slope_sd : numpy.ndarray or None
        SD of the random slope, shape (chain, draw), when there is one.
    diverging : numpy.ndarray
        Divergence flags, shape (chain, draw).
    sampler : str
        The NUTS implementation that ran (``"pymc"`` or ``"nutpie"``).
    seconds : float
        Wall time of the sampling itself (compilation excluded).
    """

    beta: np.ndarray
    tau: np.ndarray
    slope_sd: np.ndarray | None
    diverging: np.ndarray
    sampler: str = "pymc"
    seconds: float = float("nan")


def _preconditioner(X, events, total, starts) -> tuple[np.ndarray, np.ndarray]:
    from bayesmeta.freq.glmm_fit import common_effect_logistic, fit_glmm

    p = X.shape[1]
    try:
        fit = fit_glmm(X, events, total, starts=starts)
        centre, cov = fit.beta, fit.vb
    except InputError:  # separation or no usable GLMM: a ridge-stabilised logistic fit
        centre, cov, _ = common_effect_logistic(X, events, total)
        if not np.all(np.isfinite(centre)):
            centre, cov = np.zeros(p), np.eye(p)
    try:
        chol = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        chol = np.eye(p)
    return centre, chol


def sample_grouped(
    X: np.ndarray,
    events: np.ndarray,
    total: np.ndarray,
    starts: np.ndarray,
    *,
    coef_priors: list[Prior],
    tau_prior: Prior,
    slope_column: int | None = None,
    slope_prior: Prior | None = None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int = 0,
    target_accept: float = IPD_TARGET_ACCEPT,
    sampler: str = DEFAULT_SAMPLER,
) -> GroupedDraws:
    """Sample the one-stage model with NUTS (nutpie's or PyMC's).

    A nutpie model is compiled once per exact model (design, counts, priors) in a process
    (:func:`grouped_key`); the model holds its data as constants.

    Parameters
    ----------
    X : numpy.ndarray
        Design (rows sorted by trial), shape (R, p).
    events, total : numpy.ndarray
        Counts per row.
    starts : numpy.ndarray
        First row of each trial.
    coef_priors : list of Prior
        Prior of each coefficient.
    tau_prior : Prior
        Prior of tau.
    slope_column : int, optional
        Column with a random slope across trials.
    slope_prior : Prior, optional
        Prior of the random slope's SD (default: ``tau_prior``).
    draws, tune, chains : int
        NUTS settings (per chain).
    seed : int
        Random seed.
    target_accept : float
        Target acceptance rate (the IPD model's,
        :data:`~bayesmeta.model.options.IPD_TARGET_ACCEPT`).
    sampler : str
        ``"auto"`` (nutpie where installed, else PyMC), ``"pymc"`` or ``"nutpie"``.

    Returns
    -------
    GroupedDraws
    """
    sampler = resolve_sampler(sampler)
    if sampler not in ("pymc", "nutpie"):
        raise InputError(f"sampler '{sampler}': the IPD model samples with pymc or nutpie")
    events = np.asarray(events, float)
    total = np.asarray(total, float)
    starts = np.asarray(starts)
    key = grouped_key(X, events, total, starts, coef_priors, tau_prior, slope_column, slope_prior)
    build = (X, events, total, starts, coef_priors, tau_prior, slope_column, slope_prior)
    if sampler == "nutpie":
        return _sample_grouped_nutpie(key, build, draws, tune, chains, seed, target_accept)
    model = _grouped_model(*build)
    return _sample_grouped_pymc(model, draws, tune, chains, seed, target_accept)


def grouped_key(X, events, total, starts, coef_priors, tau_prior, slope_column, slope_prior):
    """The exact model: a SHA-256 of the design and counts, with the priors and slope column.

    Parameters
    ----------
    X, events, total, starts : numpy.ndarray
        Design, counts and first row of each trial.
    coef_priors : list of Prior
        Prior of each coefficient.
    tau_prior, slope_prior : Prior
        Priors of the SDs (``slope_prior`` may be None).
    slope_column : int or None
        Column with a random slope.

    Returns
    -------
    tuple
    """
    import hashlib

    digest = hashlib.sha256()
    for array in (X, events, total, starts):
        array = np.ascontiguousarray(array, dtype=float)
        digest.update(str(array.shape).encode() + array.tobytes())
    priors = tuple(str(p) for p in (*coef_priors, tau_prior, slope_prior))
    return ("ipd", digest.hexdigest(), priors, slope_column)


def _grouped_model(X, events, total, starts, coef_priors, tau_prior, slope_column, slope_prior):
    import pymc as pm
    import pytensor.tensor as pt

    R, p = X.shape
    G = len(starts)
    trial = np.repeat(np.arange(G), np.diff(np.append(starts, R)))
    centre, chol = _preconditioner(X, events, total, starts)
    with pm.Model() as model:
        gamma = pm.Flat("gamma", shape=p, initval=np.zeros(p))
        beta = pm.Deterministic("beta", pt.as_tensor(centre) + pt.dot(pt.as_tensor(chol), gamma))
        for j, prior in enumerate(coef_priors):
            pm.Potential(f"prior_{j}", _logp(prior, beta[j]))
        tau = tau_prior.to_pymc("tau")
        u = pm.Normal("u", 0.0, 1.0, shape=G)
        eta = pt.dot(pt.as_tensor(X), beta) + tau * u[trial]
        if slope_column is not None:
            sigma = (slope_prior or tau_prior).to_pymc("slope_sd")
            v = pm.Normal("v", 0.0, 1.0, shape=G)
            eta = eta + sigma * v[trial] * pt.as_tensor(X[:, slope_column])
        pm.Binomial("y", n=total, logit_p=eta, observed=events)
    return model


_COMPILED: OrderedDict[tuple, object] = OrderedDict()
_COMPILED_SIZE = 4


def _sample_grouped_nutpie(key, build, draws, tune, chains, seed, target_accept) -> GroupedDraws:
    import nutpie

    compiled = _COMPILED.get(key)
    if compiled is None:
        declare_no_blas()  # nutpie compiles with numba: no PyTensor BLAS is linked
        compiled = nutpie.compile_pymc_model(_grouped_model(*build))
    _COMPILED[key] = compiled
    _COMPILED.move_to_end(key)
    while len(_COMPILED) > _COMPILED_SIZE:
        _COMPILED.popitem(last=False)
    idata, seconds = run_nutpie(
        compiled,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        target_accept=target_accept,
        settings=NUTPIE_SETTINGS,
    )
    post = idata.posterior
    slope = post["slope_sd"].to_numpy() if "slope_sd" in post else None
    diverging = idata.sample_stats["diverging"].to_numpy().astype(bool)
    beta, tau = post["beta"].to_numpy(), post["tau"].to_numpy()
    return GroupedDraws(beta, tau, slope, diverging, "nutpie", seconds)


def _sample_grouped_pymc(model, draws, tune, chains, seed, target_accept) -> GroupedDraws:
    import pymc as pm

    seeds = np.random.SeedSequence(seed).generate_state(2)
    start = time.perf_counter()
    with model, compile_mode():
        trace = pm.sample(
            draws=draws,
            tune=tune,
            chains=chains,
            cores=1,
            random_seed=int(seeds[0]),
            target_accept=target_accept,
            progressbar=False,
            compute_convergence_checks=False,
            return_inferencedata=False,
        )
    seconds = time.perf_counter() - start
    beta_draws = np.stack(trace.get_values("beta", combine=False))
    tau_draws = np.stack(trace.get_values("tau", combine=False))
    slope = (
        np.stack(trace.get_values("slope_sd", combine=False))
        if "slope_sd" in trace.varnames
        else None
    )
    diverging = np.stack(trace.get_sampler_stats("diverging", combine=False)).astype(bool)
    return GroupedDraws(beta_draws, tau_draws, slope, diverging, "pymc", seconds)


def _logp(prior: Prior, value):
    import pymc as pm

    dist = {
        "normal": lambda a: pm.Normal.dist(mu=a[0], sigma=a[1]),
        "student_t": lambda a: pm.StudentT.dist(nu=a[0], mu=a[1], sigma=a[2]),
    }.get(prior.family)
    if dist is None:
        raise InputError(f"prior {prior} is not a location prior for the IPD coefficients")
    return pm.logp(dist(prior.params), value)


def grouped_diagnostics(draws: GroupedDraws):
    """R-hat, bulk and tail ESS over beta, tau (and the slope SD), and divergences.

    Parameters
    ----------
    draws : GroupedDraws

    Returns
    -------
    Diagnostics
    """
    import arviz as az

    from bayesmeta.model.result import Diagnostics

    posterior = {"beta": draws.beta, "tau": draws.tau}
    if draws.slope_sd is not None:
        posterior["slope_sd"] = draws.slope_sd
    idata = az.from_dict(posterior=posterior)
    chains = draws.tau.shape[0]
    rhat = float(az.rhat(idata).to_array().max()) if chains > 1 else float("nan")
    bulk = float(az.ess(idata, method="bulk").to_array().min())
    tail = float(az.ess(idata, method="tail").to_array().min())
    return Diagnostics(
        rhat_max=rhat,
        ess_bulk_min=bulk,
        ess_tail_min=tail,
        divergences=int(draws.diverging.sum()),
        engine_note=f"NUTS ({draws.sampler}), coefficients preconditioned by the GLMM's covariance",
        sampling_seconds=draws.seconds if np.isfinite(draws.seconds) else None,
    )
