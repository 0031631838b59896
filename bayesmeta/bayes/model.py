"""The PyMC model of a :class:`ModelSpec`, with data and prior parameters as ``pm.Data``.

Everything that may change between refits of the same structure (events, totals, design
matrix, group index, prior parameters) is a shared variable, so a compiled sampler can be
reused: :func:`structure_key` says when two specs share one compiled model.

Parameterization (non-centered): ``z_i ~ N(0, 1)``, ``u_i = tau_i z_i``, and
``y_i ~ Binomial(n_i, expit(eta_i + u_i))`` where ``eta_i`` is ``mu`` (random, common),
``mu[g_i]`` (subgroup) or ``x_i' beta`` (regression). Free variables:

random      mu, tau, z
common      mu
subgroup    mu (level), tau (scalar, or level with separate tau), z
regression  b_mean (columns with the mu prior), b_slope (the others), tau, z

Coordinates are attached after sampling (see :mod:`bayesmeta.bayes.draws`) so the compiled
model does not depend on study labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bayesmeta.bayes.priors import Prior
from bayesmeta.bayes.spec import ModelSpec
from bayesmeta.design import INTERCEPT


@dataclass(frozen=True)
class Layout:
    """Numbers a model is built from; ``values`` go into the ``pm.Data`` containers."""

    key: tuple
    values: dict[str, np.ndarray]
    coef_names: tuple[str, ...] = ()
    mean_columns: tuple[int, ...] = ()
    slope_columns: tuple[int, ...] = ()


def mean_columns(spec: ModelSpec) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Regression columns that get the mu prior (intercept, or cell means without one)."""
    design = spec.design
    if design.has_intercept:
        means = (design.columns.index(INTERCEPT),)
    else:
        first = design.covariates[0] if design.covariates else None
        means = tuple(
            i for i, c in enumerate(design.columns) if first and c.startswith(f"{first}[")
        )
        if first not in design.factors:
            means = ()
    slopes = tuple(i for i in range(len(design.columns)) if i not in means)
    return means, slopes


def layout(spec: ModelSpec) -> Layout:
    """The structure key and data values of ``spec`` (pure; no PyMC)."""
    priors = spec.priors
    values: dict[str, np.ndarray] = {
        "y_data": np.asarray(spec.data.events, dtype=np.int64),
        "n_data": np.asarray(spec.data.total, dtype=np.int64),
        "mu_prior": np.asarray(priors.mu.params, dtype=float),
    }
    families = [priors.mu.family]
    if spec.kind != "common":
        values["tau_prior"] = np.asarray(priors.tau.params, dtype=float)
        families.append(priors.tau.family)
    shape: tuple = (spec.data.k,)
    coef_names: tuple[str, ...] = ()
    means: tuple[int, ...] = ()
    slopes: tuple[int, ...] = ()
    if spec.kind == "subgroup":
        values["group"] = np.asarray(spec.group_index(), dtype=np.int64)
        shape += (len(spec.groups), bool(spec.separate_tau))
    elif spec.kind == "regression":
        design = spec.design
        means, slopes = mean_columns(spec)
        values["x_data"] = np.asarray(design.matrix, dtype=float)
        values["beta_prior"] = np.asarray(priors.beta.params, dtype=float)
        families.append(priors.beta.family)
        coef_names = design.columns
        shape += (means, slopes)
    key = (spec.kind, *families, *shape)
    return Layout(key, values, coef_names, means, slopes)


def _prior_rv(prior: Prior, name: str, params, **kwargs) -> Any:
    """A PyMC variable of ``prior``'s family whose parameters are the shared vector ``params``."""
    import pymc as pm

    p = [params[i] for i in range(len(prior.params))]
    match prior.family:
        case "normal":
            return pm.Normal(name, mu=p[0], sigma=p[1], **kwargs)
        case "student_t":
            return pm.StudentT(name, nu=p[0], mu=p[1], sigma=p[2], **kwargs)
        case "halfnormal":
            return pm.HalfNormal(name, sigma=p[0], **kwargs)
        case "halfcauchy":
            return pm.HalfCauchy(name, beta=p[0], **kwargs)
        case "halfstudentt":
            return pm.HalfStudentT(name, nu=p[0], sigma=p[1], **kwargs)
        case "exponential":
            return pm.Exponential(name, lam=p[0], **kwargs)
        case "uniform":
            return pm.Uniform(name, lower=p[0], upper=p[1], **kwargs)
    raise AssertionError(prior.family)


def build_pymc_model(spec: ModelSpec, lay: Layout | None = None):
    """A fresh ``pymc.Model`` for ``spec`` (data containers filled with its values)."""
    import pymc as pm

    lay = lay or layout(spec)
    v = lay.values
    k = spec.data.k
    with pm.Model() as model:
        data = {name: pm.Data(name, value) for name, value in v.items()}
        priors = spec.priors
        if spec.kind in ("random", "common"):
            mu = _prior_rv(priors.mu, "mu", data["mu_prior"])
            eta = mu
        elif spec.kind == "subgroup":
            mu = _prior_rv(priors.mu, "mu", data["mu_prior"], shape=len(spec.groups))
            eta = mu[data["group"]]
        else:
            parts = []
            if lay.mean_columns:
                b_mean = _prior_rv(
                    priors.mu, "b_mean", data["mu_prior"], shape=len(lay.mean_columns)
                )
                parts.append((lay.mean_columns, b_mean))
            if lay.slope_columns:
                b_slope = _prior_rv(
                    priors.beta, "b_slope", data["beta_prior"], shape=len(lay.slope_columns)
                )
                parts.append((lay.slope_columns, b_slope))
            eta = sum(pm.math.dot(data["x_data"][:, list(cols)], b) for cols, b in parts)
        if spec.kind == "common":
            logit_p = eta * np.ones(k)
        else:
            if spec.kind == "subgroup" and spec.separate_tau:
                tau = _prior_rv(priors.tau, "tau", data["tau_prior"], shape=len(spec.groups))
                tau_i = tau[data["group"]]
            else:
                tau_i = _prior_rv(priors.tau, "tau", data["tau_prior"])
            z = pm.Normal("z", 0.0, 1.0, shape=k)
            logit_p = eta + tau_i * z
        pm.Binomial("y", n=data["n_data"], logit_p=logit_p, observed=data["y_data"])
    return model
