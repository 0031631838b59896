"""The PyMC model of a beta-binomial spec and the summaries of its draws.

``y_i ~ BetaBinomial(n_i, mu_i phi, (1 - mu_i) phi)``, ``logit(mu_i) = x_i' beta`` (a column of
ones without covariates). Free variables: ``beta`` (coef) -- the columns with the mu prior
(intercept, or the first factor's cell means) and the slopes with the beta prior -- and ``phi``
(PyMC samples log phi). Data and prior parameters are ``pm.Data``, so refits of the same
structure reuse the compiled model (:func:`betabinomial_layout` gives its key).

The summaries are those of :mod:`bayesmeta.quad.betabinomial.summaries`, computed from the
draws: study rates and the new study's rate draw one Beta variate per posterior draw (seeded).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from bayesmeta.model import betabinomial as bb
from bayesmeta.model.priors import Prior


def coefficient_priors(
    columns: tuple[str, ...], means: tuple[int, ...], mu: Prior, beta: Prior
) -> list[Prior]:
    """The prior of each coefficient: ``mu`` for the mean columns, ``beta`` for the slopes.

    Parameters
    ----------
    columns : tuple of str
        Coefficient names.
    means : tuple of int
        Columns with the mu prior.
    mu, beta : Prior
        The two location priors.

    Returns
    -------
    list of Prior
    """
    return [mu if j in means else beta for j in range(len(columns))]


def build_betabinomial_pymc(values: dict[str, np.ndarray], priors: list[Prior], phi_prior: Prior):
    """A fresh ``pymc.Model`` of the beta-binomial likelihood.

    Parameters
    ----------
    values : dict of str to numpy.ndarray
        ``y_data``, ``n_data``, ``x_data`` and one parameter vector per prior
        (``coef_prior_<j>``, ``phi_prior``).
    priors : list of Prior
        Prior of each coefficient.
    phi_prior : Prior
        Prior of phi.

    Returns
    -------
    pymc.Model
    """
    import pymc as pm

    with pm.Model() as model:
        data = {name: pm.Data(name, value) for name, value in values.items()}
        p = len(priors)
        beta = pm.Flat("beta", shape=p)
        for j, prior in enumerate(priors):
            cls, options = prior.pymc_family(data[f"coef_prior_{j}"])
            pm.Potential(f"beta_prior_logp_{j}", pm.logp(cls.dist(**options), beta[j]))
        cls, options = phi_prior.pymc_family(data["phi_prior"])
        phi = cls("phi", **options)
        mu = pm.math.invlogit(pm.math.dot(data["x_data"], beta))
        pm.BetaBinomial(
            "y", n=data["n_data"], alpha=mu * phi, beta=(1 - mu) * phi, observed=data["y_data"]
        )
    return model


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
    rng = np.random.default_rng(seed)
    X = np.asarray(X, float)
    eta = beta @ X.T  # (S, k)
    a, b = bb.beta_params(eta, phi[:, None])
    pick = rng.integers(0, X.shape[0], size=phi.size)
    rows = np.arange(phi.size)
    y = np.asarray(events, float)
    n = np.asarray(total, float)
    return {
        "pooled_mean": expit(eta).mean(axis=1),
        "pooled_median": bb.median_rate(beta @ X.mean(axis=0), phi),
        "new_study": rng.beta(a[rows, pick], b[rows, pick]),
        "icc": bb.icc(phi),
        "study_rates": rng.beta(y + a, n - y + b),
    }
