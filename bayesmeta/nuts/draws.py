"""Turn raw sampler draws into a labelled ArviZ InferenceData.

Posterior variables (dims in brackets):

- ``mu`` [] or [level] (subgroup), ``beta`` [coef] (regression), ``tau`` [] or [level];
- ``z`` [study]: standardized study effects (absent for the common-effect model);
- ``eta`` [study]: each study's linear predictor WITHOUT its random effect;
- ``tau_study`` [study]: the tau that applies to the study (0 for the common-effect model);
- ``theta`` [study]: the shrunken study rate expit(eta + tau_study z).

Also ``log_likelihood`` (``y`` [study], binomial log pmf per draw), ``observed_data`` (``y``),
``constant_data`` (``n``) and ``sample_stats`` (``diverging``). The study-level quantities are
computed in numpy from the free variables, identically for every sampler.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import expit

from bayesmeta.model.spec import ModelSpec
from bayesmeta.nuts.model import layout
from bayesmeta.nuts.sampling import RawDraws

#: Sampled parameters whose R-hat / ESS are checked (the rest are functions of them).
PARAMETERS = ("mu", "beta", "tau", "z")


def linear_predictor(spec: ModelSpec, free: dict[str, np.ndarray]) -> tuple[dict, np.ndarray]:
    """Named parameters and ``eta`` ``(chain, draw, k)`` from the free variables.

    Parameters
    ----------
    spec : ModelSpec
        The model specification.
    free : dict[str, numpy.ndarray]
        Draws of the model's free variables, ``(chain, draw, ...)``.

    Returns
    -------
    tuple[dict, numpy.ndarray]
    """
    k = spec.data.k
    params: dict[str, np.ndarray] = {}
    if spec.kind == "regression":
        lay = layout(spec)
        shape = next(iter(free.values())).shape[:2]
        if "beta_shift" in free:  # sheared coefficients (see bayesmeta.nuts.model)
            proj = np.asarray(free["z"], float) @ lay.values["x_pinv"].T
            beta = free["beta_shift"] - np.asarray(free["tau"], float)[..., None] * proj
        else:  # prior draws: b_mean and b_slope
            beta = np.zeros(shape + (len(lay.coef_names),))
            if lay.mean_columns:
                beta[..., list(lay.mean_columns)] = free["b_mean"]
            if lay.slope_columns:
                beta[..., list(lay.slope_columns)] = free["b_slope"]
        params["beta"] = beta
        eta = beta @ spec.design.matrix.T
    else:
        mu = np.asarray(free["mu"], float) if "mu" in free else _unshear(spec, free)
        params["mu"] = mu
        if spec.kind == "subgroup":
            eta = mu[..., np.asarray(spec.group_index())]
        else:
            eta = np.repeat(mu[..., None], k, axis=-1)
    return params, eta


def _unshear(spec: ModelSpec, free: dict[str, np.ndarray]) -> np.ndarray:
    """mu from the sampler's ``mu_shift`` (see :func:`bayesmeta.nuts.model.build_pymc_model`)."""
    shift = np.asarray(free["mu_shift"], float)
    z = np.asarray(free["z"], float)
    tau = np.asarray(free["tau"], float)
    if spec.kind == "random":
        return shift - tau * z.mean(axis=-1)
    index = np.asarray(spec.group_index())
    onehot = index[:, None] == np.arange(len(spec.groups))[None, :]
    zbar = (z @ onehot) / onehot.sum(axis=0)
    tau_g = tau if tau.ndim == shift.ndim else tau[..., None]
    return shift - tau_g * zbar


def to_inference_data(spec: ModelSpec, raw: RawDraws, *, attrs: dict | None = None):
    """Build the labelled InferenceData of a fit.

    Parameters
    ----------
    spec : ModelSpec
        The model specification.
    raw : RawDraws
        The sampler's draws and divergences.
    attrs : dict, optional
        Attributes recorded on the posterior group (engine, seed, ...).

    Returns
    -------
    arviz.InferenceData
    """
    import arviz as az

    data = spec.data
    params, eta = linear_predictor(spec, raw.values)
    posterior = dict(params)
    dims: dict[str, list[str]] = {"eta": ["study"], "tau_study": ["study"], "theta": ["study"]}
    coords: dict[str, list] = {"study": list(data.studies)}
    if spec.kind == "subgroup":
        coords["level"] = list(spec.groups)
        dims["mu"] = ["level"]
    if spec.kind == "regression":
        coords["coef"] = list(spec.design.columns)
        dims["beta"] = ["coef"]
    if spec.kind == "common":
        tau_study = np.zeros_like(eta)
        theta = expit(eta)
    else:
        tau = np.asarray(raw.values["tau"], float)
        posterior["tau"] = tau
        if tau.ndim == 3:
            dims["tau"] = ["level"]
            tau_study = tau[..., np.asarray(spec.group_index())]
        else:
            tau_study = np.repeat(tau[..., None], data.k, axis=-1)
        z = np.asarray(raw.values["z"], float)
        posterior["z"] = z
        dims["z"] = ["study"]
        theta = expit(eta + tau_study * z)
    posterior.update(eta=eta, tau_study=tau_study, theta=theta)
    y = np.asarray(data.events)
    n = np.asarray(data.total)
    loglik = stats.binom.logpmf(y, n, theta)
    return az.from_dict(
        posterior=posterior,
        log_likelihood={"y": loglik},
        observed_data={"y": y},
        constant_data={"n": n},
        sample_stats={"diverging": raw.diverging},
        coords=coords,
        dims={**dims, "y": ["study"], "n": ["study"]},
        attrs={"sampler": raw.sampler, **(attrs or {})},
    )
