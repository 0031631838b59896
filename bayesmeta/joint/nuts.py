"""NUTS for the joint model (PyMC; imported inside the functions that need it).

Non-centred study effects ``u = z L'`` with ``L`` the Cholesky factor of
``diag(tau) R diag(tau)`` from ``pm.LKJCholeskyCov`` (its ``sd_dist`` is the tau prior, one per
outcome; ``R ~ LKJ(eta)``), as brms parameterizes ``(0 + outcome | id)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.joint.nesting import MARGINAL
from bayesmeta.joint.spec import SD_FAMILIES, JointSpec
from bayesmeta.model.options import DEFAULT_SAMPLER, NUTPIE_SETTINGS, resolve_sampler
from bayesmeta.model.priors import Prior
from bayesmeta.model.sampler_backend import compile_mode, declare_no_blas, run_nutpie

__all__ = ["JointDraws", "build_pymc_joint", "sample_joint"]


@dataclass(frozen=True)
class JointDraws:
    """Posterior draws ``(chain, draw, ...)`` of the joint model and the sampler's flags.

    Attributes
    ----------
    mu : numpy.ndarray
        Intercepts ``(chain, draw, outcome)``.
    slopes : numpy.ndarray
        Slopes ``(chain, draw, outcome, p - 1)`` (empty last axis without covariates).
    tau : numpy.ndarray
        Between-study SDs ``(chain, draw, outcome)``.
    corr : numpy.ndarray
        Correlation matrices ``(chain, draw, outcome, outcome)``.
    u : numpy.ndarray
        Study effects ``(chain, draw, study, outcome)``.
    diverging : numpy.ndarray
        Divergence flags ``(chain, draw)``.
    idata : object
        The ArviZ InferenceData (for saving and diagnostics).
    seconds : float, optional
        Wall-clock seconds of the sampling (compiling excluded); NaN when not measured
        (draws loaded from a file or made without sampling).
    """

    mu: np.ndarray
    slopes: np.ndarray
    tau: np.ndarray
    corr: np.ndarray
    u: np.ndarray
    diverging: np.ndarray
    idata: object
    seconds: float = float("nan")


def _sd_dist(prior: Prior, m: int):
    import pymc as pm

    p = prior.params
    match prior.family:
        case "halfnormal":
            return pm.HalfNormal.dist(sigma=p[0], shape=m)
        case "halfcauchy":
            return pm.HalfCauchy.dist(beta=p[0], shape=m)
        case "halfstudentt" | "halft":
            return pm.HalfStudentT.dist(nu=p[0], sigma=p[1], shape=m)
        case "lognormal":
            return pm.LogNormal.dist(mu=p[0], sigma=p[1], shape=m)
        case "exponential":
            return pm.Exponential.dist(lam=p[0], shape=m)
        case "uniform":
            return pm.Uniform.dist(lower=p[0], upper=p[1], shape=m)
    raise InputError(
        f"tau prior: '{prior.family}' is not available for the joint model "
        f"(use one of: {', '.join(SD_FAMILIES)})"
    )


def build_pymc_joint(spec: JointSpec):
    """The PyMC model of a :class:`JointSpec` (built, not sampled).

    Parameters
    ----------
    spec : JointSpec
        The joint model.

    Returns
    -------
    pymc.Model
    """
    import pymc as pm
    import pytensor.tensor as pt

    problem = spec.problem
    m, p = problem.m, problem.p
    coords = {
        "outcome": list(problem.names),
        "outcome_bis": list(problem.names),
        "study": list(spec.data.studies),
        "slope": list(problem.columns[1:]),
    }
    s, o = problem.study, problem.outcome
    mode = np.zeros(len(s), dtype=int) if problem.mode is None else problem.mode
    with pm.Model(coords=coords) as model:
        mu = spec.priors.mu.to_pymc("mu", dims="outcome")
        chol, corr, tau = pm.LKJCholeskyCov(
            "chol", n=m, eta=spec.cor_eta, sd_dist=_sd_dist(spec.priors.tau, m), compute_corr=True
        )
        pm.Deterministic("tau", tau, dims="outcome")
        pm.Deterministic("corr", corr, dims=("outcome", "outcome_bis"))
        z = pm.Normal("z", 0.0, 1.0, dims=("study", "outcome"))
        u = pm.Deterministic("u", pt.dot(z, chol.T), dims=("study", "outcome"))
        linear = mu[None, :] + u
        if p > 1:
            slopes = spec.priors.beta.to_pymc("slopes", dims=("outcome", "slope"))
            linear = linear + pt.dot(problem.study_X[:, 1:], slopes.T)
        values = data_values(spec)  # pm.Data: a compiled model is refitted on new counts
        direct = mode != MARGINAL
        pm.Binomial(
            "y",
            n=pm.Data("y_total", values["y_total"]),
            logit_p=linear[s[direct], o[direct]],
            observed=pm.Data("y_events", values["y_events"]),
        )
        if (~direct).any():
            cells = ~direct
            rate = pm.math.sigmoid(linear[s[cells], problem.outer]) * pm.math.sigmoid(
                linear[s[cells], o[cells]]
            )
            pm.Binomial(
                "y_marginal",
                n=pm.Data("ym_total", values["ym_total"]),
                p=rate,
                observed=pm.Data("ym_events", values["ym_events"]),
            )
    return model


def data_values(spec: JointSpec) -> dict[str, np.ndarray]:
    """The counts the PyMC model reads as ``pm.Data`` (direct cells ``y_*``, marginal ``ym_*``).

    Parameters
    ----------
    spec : JointSpec
        The joint model.

    Returns
    -------
    dict of str to numpy.ndarray
    """
    problem = spec.problem
    mode = np.zeros(len(problem.study), dtype=int) if problem.mode is None else problem.mode
    direct = mode != MARGINAL
    values = {"y_total": problem.total[direct], "y_events": problem.events[direct]}
    if (~direct).any():
        values.update(ym_total=problem.total[~direct], ym_events=problem.events[~direct])
    return {key: np.asarray(v, dtype=np.int64) for key, v in values.items()}


def structure_key(spec: JointSpec) -> tuple:
    """What the compiled model depends on besides the counts (the cache key of nutpie's model).

    Parameters
    ----------
    spec : JointSpec
        The joint model.

    Returns
    -------
    tuple
    """
    import hashlib

    problem = spec.problem
    digest = hashlib.sha256()
    for array in (
        problem.study,
        problem.outcome,
        problem.study_X,
        np.zeros(0) if problem.mode is None else problem.mode,
    ):
        digest.update(np.ascontiguousarray(array).tobytes())
    return (
        digest.hexdigest(),
        problem.names,
        problem.columns,
        problem.outer,
        str(spec.priors.mu),
        str(spec.priors.beta),
        str(spec.priors.tau),
        spec.cor_eta,
        spec.data.studies,
    )


_COMPILED: dict[tuple, object] = {}


def _sample_nutpie(spec: JointSpec, *, draws, tune, chains, seed, target_accept):
    import nutpie

    key = structure_key(spec)
    compiled = _COMPILED.get(key)
    if compiled is None:
        declare_no_blas()  # nutpie compiles with numba: no PyTensor BLAS is linked
        compiled = nutpie.compile_pymc_model(build_pymc_joint(spec))
        _COMPILED.clear()  # one compiled joint model kept: the last one
        _COMPILED[key] = compiled
    return run_nutpie(
        compiled.with_data(**data_values(spec)),
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        target_accept=target_accept,
        settings=NUTPIE_SETTINGS,
    )


def sample_joint(
    spec: JointSpec,
    *,
    draws: int,
    tune: int,
    chains: int,
    seed: int,
    sampler: str = DEFAULT_SAMPLER,
    target_accept: float = 0.95,
) -> JointDraws:
    """Sample the joint model with NUTS (PyMC's or nutpie's).

    Parameters
    ----------
    spec : JointSpec
        The joint model.
    draws, tune, chains : int
        Draws and tuning steps per chain, number of chains.
    seed : int
        Random seed (same seed, same numbers).
    sampler : str, optional
        ``"auto"`` (the default: nutpie where installed, else PyMC), ``"pymc"`` or ``"nutpie"``.
    target_accept : float, default 0.95
        NUTS target acceptance rate.

    Returns
    -------
    JointDraws
    """
    import logging
    import time

    import pymc as pm

    sampler = resolve_sampler(sampler)
    if sampler not in ("pymc", "nutpie"):
        raise InputError(f"--sampler: the joint model samples with pymc or nutpie, not '{sampler}'")
    if sampler == "nutpie":
        idata, seconds = _sample_nutpie(
            spec, draws=draws, tune=tune, chains=chains, seed=seed, target_accept=target_accept
        )
    else:
        model = build_pymc_joint(spec)
        logger = logging.getLogger("pymc")
        level = logger.level
        logger.setLevel(logging.ERROR)
        try:
            with model, compile_mode():
                start = time.perf_counter()
                idata = pm.sample(
                    draws=draws,
                    tune=tune,
                    chains=chains,
                    cores=1,
                    random_seed=seed,
                    target_accept=target_accept,
                    progressbar=False,
                    compute_convergence_checks=False,
                )
                seconds = time.perf_counter() - start
        finally:
            logger.setLevel(level)
    post = idata.posterior
    p = spec.problem.p
    shape = post["mu"].shape
    slopes = post["slopes"].to_numpy() if p > 1 else np.zeros((*shape, 0))
    return JointDraws(
        mu=post["mu"].to_numpy(),
        slopes=slopes,
        tau=post["tau"].to_numpy(),
        corr=post["corr"].to_numpy(),
        u=post["u"].to_numpy(),
        diverging=idata.sample_stats["diverging"].to_numpy(),
        idata=idata,
        seconds=seconds,
    )
