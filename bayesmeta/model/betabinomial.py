"""The beta-binomial likelihood as pure numpy/scipy functions (both engines use them).

brms's ``beta_binomial`` parameterization: study i's rate is p_i ~ Beta(mu_i phi, (1 - mu_i) phi)
with ``logit(mu_i) = x_i' beta``, and ``y_i | p_i ~ Binomial(n_i, p_i)``, so

    L_i(eta_i, phi) = C(n_i, y_i) B(y_i + mu_i phi, n_i - y_i + (1 - mu_i) phi) / B(mu_i phi, (1 - mu_i) phi).

mu_i is the mean rate of studies like i (exactly: E[p_i] = mu_i), phi the precision of the study
rates around it (Var p_i = mu_i (1 - mu_i) / (1 + phi)), and ``1 / (1 + phi)`` the intra-class
correlation of two patients' outcomes within one study. Given (beta, phi) the rate of a study is
Beta(y_i + mu_i phi, n_i - y_i + (1 - mu_i) phi) and a new study's rate Beta(mu phi, (1 - mu) phi):
both are mixed over the posterior by the engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy.special import betainc, betaincinv, betaln, expit, gammaln, polygamma, psi

from bayesmeta.errors import InputError
from bayesmeta.model.likelihoods import Likelihood, register_likelihood
from bayesmeta.model.priors import Prior, parse_prior

__all__ = [
    "BETABINOMIAL",
    "DEFAULT_PHI_PRIOR",
    "BetaBinomial",
    "beta_params",
    "describe",
    "design_of",
    "icc",
    "logit_beta_raw_moments",
    "median_rate",
    "mixture_quantiles",
    "study_loglik_rows",
]


def beta_params(eta: np.ndarray, phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shape parameters ``(mu phi, (1 - mu) phi)`` of the study-rate distribution.

    Parameters
    ----------
    eta : numpy.ndarray
        Linear predictor logit(mu).
    phi : numpy.ndarray
        Precision (broadcast with ``eta``).

    Returns
    -------
    tuple of numpy.ndarray
        a and b, computed without cancellation for extreme eta.
    """
    eta = np.asarray(eta, dtype=float)
    phi = np.asarray(phi, dtype=float)
    return expit(eta) * phi, expit(-eta) * phi


def study_loglik_rows(
    events: np.ndarray, total: np.ndarray, eta: np.ndarray, phi: np.ndarray
) -> np.ndarray:
    """log L_i(eta_i, phi) for every study i and every point.

    Parameters
    ----------
    events, total : numpy.ndarray
        Shape (k,).
    eta : numpy.ndarray
        Linear predictors, shape (k, N): study i's row holds its eta at the N points.
    phi : numpy.ndarray
        Precision at the N points, shape (N,), positive.

    Returns
    -------
    numpy.ndarray
        Shape (k, N), binomial coefficients included.
    """
    y = np.asarray(events, dtype=float)[:, None]
    n = np.asarray(total, dtype=float)[:, None]
    a, b = beta_params(eta, np.broadcast_to(np.asarray(phi, dtype=float), np.shape(eta)))
    coef = gammaln(n + 1.0) - gammaln(y + 1.0) - gammaln(n - y + 1.0)
    return coef + betaln(y + a, n - y + b) - betaln(a, b)


def icc(phi: np.ndarray) -> np.ndarray:
    """Intra-class correlation ``1 / (1 + phi)``.

    Parameters
    ----------
    phi : numpy.ndarray
        Precision.

    Returns
    -------
    numpy.ndarray
    """
    return 1.0 / (1.0 + np.asarray(phi, dtype=float))


def median_rate(eta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Median of Beta(mu phi, (1 - mu) phi): the median study's rate.

    Parameters
    ----------
    eta : numpy.ndarray
        logit(mu).
    phi : numpy.ndarray
        Precision (broadcast with ``eta``).

    Returns
    -------
    numpy.ndarray
    """
    a, b = beta_params(eta, phi)
    return betaincinv(a, b, 0.5)


def logit_beta_raw_moments(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """E[X^r], r = 1, 2, 3, of X = logit(p), p ~ Beta(a, b).

    The cumulants of logit(p) are psi(a) - psi(b), psi'(a) + psi'(b) and psi''(a) - psi''(b).

    Parameters
    ----------
    a, b : numpy.ndarray
        Positive shape parameters (broadcast together).

    Returns
    -------
    numpy.ndarray
        Shape ``(3, *shape)``, ``shape`` the broadcast shape of ``a`` and ``b``.
    """
    a, b = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    k1 = psi(a) - psi(b)
    k2 = polygamma(1, a) + polygamma(1, b)
    k3 = polygamma(2, a) - polygamma(2, b)
    return np.stack([k1, k2 + k1 * k1, k3 + 3.0 * k1 * k2 + k1**3])


def mixture_quantiles(
    a: np.ndarray, b: np.ndarray, weight: np.ndarray, probs: np.ndarray, *, tol: float = 1e-10
) -> np.ndarray:
    """Quantiles of mixtures of Beta distributions, one mixture per row.

    Safeguarded Newton steps on the logit scale (bisection where a step leaves the bracket),
    started from the normal approximation of the mixture's logit (its exact first two moments).
    Components with negligible weight (below 1e-14 of the largest) are left out.

    Parameters
    ----------
    a, b : numpy.ndarray
        Component shapes, shape (F, C).
    weight : numpy.ndarray
        Component weights, shape (C,) or (F, C), each row summing to one.
    probs : numpy.ndarray
        Probabilities, shape (m,).
    tol : float
        Stop when every step is below this on the logit scale.

    Returns
    -------
    numpy.ndarray
        Shape (F, m): the rates at which each mixture CDF reaches each probability.
    """
    a, b = np.atleast_2d(a), np.atleast_2d(b)
    weight = np.broadcast_to(weight, a.shape)
    keep = np.any(np.abs(weight) > 1e-14 * np.abs(weight).max(), axis=0)
    a, b, weight = a[:, keep], b[:, keep], weight[:, keep]
    probs = np.asarray(probs, dtype=float)
    m1, m2, _ = logit_beta_raw_moments(a, b)
    mean = np.einsum("fc,fc->f", m1, weight)
    sd = np.sqrt(np.maximum(np.einsum("fc,fc->f", m2, weight) - mean**2, 1e-12))
    from scipy.special import ndtri

    z = np.clip(mean[:, None] + sd[:, None] * ndtri(probs)[None, :], -39.0, 39.0)
    lo = np.full(z.shape, -40.0)
    hi = np.full(z.shape, 40.0)
    log_norm = betaln(a, b)[:, None, :]
    for _ in range(100):
        x = expit(z)[:, :, None]
        cdf = np.einsum("fmc,fc->fm", betainc(a[:, None, :], b[:, None, :], x), weight)
        f = cdf - probs[None, :]
        lo = np.where(f < 0, z, lo)
        hi = np.where(f < 0, hi, z)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log_x, log_1mx = np.log(x), np.log1p(-x)
            dens = np.exp(a[:, None, :] * log_x + b[:, None, :] * log_1mx - log_norm)
            slope = np.einsum("fmc,fc->fm", np.nan_to_num(dens), weight)
            step = z - f / slope
        inside = np.isfinite(step) & (step >= lo) & (step <= hi)
        new = np.where(inside, step, 0.5 * (lo + hi))
        done = np.max(np.abs(new - z)) < tol
        z = new
        if done:
            break
    return expit(z)


#: brms's default prior of phi for ``beta_binomial``: gamma(shape 0.01, rate 0.01).
DEFAULT_PHI_PRIOR = Prior("gamma", (0.01, 0.01))


@dataclass(frozen=True)
class BetaBinomial(Likelihood):
    """The beta-binomial likelihood (brms's ``beta_binomial``) with the prior of its phi.

    With the ``random`` structure logit(mu) = mu is one intercept (the study rates scatter as
    Beta(mu phi, (1 - mu) phi) around it: the beta distribution is the random effect); with
    ``regression`` logit(mu_i) = x_i' beta. The intercept (or the first factor's cell means)
    gets the mu prior, the slopes the beta prior, phi ``phi_prior`` (any prior of a positive
    parameter: gamma, exponential, halfnormal, lognormal, ...).

    Attributes
    ----------
    phi_prior : Prior
        Prior of the precision phi (default gamma(0.01, 0.01), brms's).
    """

    name: ClassVar[str] = "betabinomial"
    data_shape: ClassVar[str] = "binomial"
    structures: ClassVar[frozenset[str]] = frozenset({"random", "regression"})
    #: No logit-normal study effects: a tau prior has no use.
    has_tau: ClassVar[bool] = False
    phi_prior: Prior = DEFAULT_PHI_PRIOR

    def parameters(self) -> tuple[str, ...]:
        """Its own parameter, phi.

        Returns
        -------
        tuple of str
        """
        return ("phi",)

    def prior_roles(self) -> dict[str, str]:
        """phi takes a prior of a positive parameter (role "scale").

        Returns
        -------
        dict of str to str
        """
        return {"phi": "scale"}

    formula_text: ClassVar[str] = (
        "beta-binomial, events ~ BetaBinomial(total, mu phi, (1 - mu) phi), logit(mu) = eta; study rates "
        "~ Beta(mu phi, (1 - mu) phi), intra-class correlation 1 / (1 + phi)"
    )
    median_label: ClassVar[str] = "pooled median-study rate (median of the Beta)"
    median_label_average: ClassVar[str] = "pooled median-study rate at the average study"
    mean_label: ClassVar[str] = "pooled mean rate mu"

    def report_priors(self, priors: dict[str, str]) -> dict[str, str]:
        """The spec's priors without tau (unused), with phi's.

        Parameters
        ----------
        priors : dict of str to str
            Parameter -> prior string.

        Returns
        -------
        dict of str to str
        """
        kept = {name: text for name, text in priors.items() if name != "tau"}
        return {**kept, "phi": str(self.phi_prior)}

    #: phi per study in saved draws (one value for every study).
    scale_name: ClassVar[str] = "phi_study"

    def study_loglik(self, events: Any, total: Any, eta: Any, scale: Any) -> np.ndarray:
        """Closed-form log p(y_i | eta_i, phi) per draw.

        Parameters
        ----------
        events, total : numpy.ndarray
            Shape (k,).
        eta, scale : numpy.ndarray
            Shape (..., k): linear predictor and phi of each study per draw.

        Returns
        -------
        numpy.ndarray
            Shape (..., k), binomial coefficients included.
        """
        eta = np.asarray(eta, dtype=float)
        a, b = beta_params(eta, np.asarray(scale, dtype=float))
        y = np.asarray(events, dtype=float)
        n = np.asarray(total, dtype=float)
        coef = gammaln(n + 1.0) - gammaln(y + 1.0) - gammaln(n - y + 1.0)
        return coef + betaln(y + a, n - y + b) - betaln(a, b)

    def with_priors(self, **priors: str | Prior | None) -> BetaBinomial:
        """A copy with its own priors set from strings (``phi=...``; None keeps the default).

        Parameters
        ----------
        **priors : str, Prior or None
            ``phi``.

        Returns
        -------
        BetaBinomial

        Raises
        ------
        InputError
            An unknown parameter or a bad prior string.
        """
        unknown = sorted(set(priors) - {"phi"})
        if unknown:
            raise InputError(f"the {self.name} likelihood has no parameter {unknown[0]!r}")
        phi = priors.get("phi")
        if phi is None:
            return self
        return BetaBinomial(phi_prior=parse_prior(phi, role="scale", name="phi prior"))

    def check(self, data: Any, structure: Any) -> None:
        """Refuse structures other than random and regression, in one line.

        Parameters
        ----------
        data : MetaData
            The study table.
        structure : Structure
            The structure it is combined with.

        Returns
        -------
        None
        """
        if structure.name not in self.structures:
            raise InputError(
                f"the {self.name} likelihood combines with the random model (its beta "
                "distribution of the study rates is the random effect) or a regression "
                f"(formula), not '{structure.name}'"
            )

    def describe(self) -> dict[str, Any]:
        """JSON-ready description: the name and the phi prior.

        Returns
        -------
        dict
        """
        return {"likelihood": self.name, "phi_prior": str(self.phi_prior)}

    def implementation(self, engine: str) -> str | None:
        """The module implementing this likelihood for ``engine`` (the engine delegates to it).

        Parameters
        ----------
        engine : str
            An engine name.

        Returns
        -------
        str or None
        """
        return {
            "quadrature": "bayesmeta.quad.betabinomial.engine",
            "nuts": "bayesmeta.nuts.betabinomial_engine",
        }.get(engine)


#: The beta-binomial likelihood with its default phi prior.
BETABINOMIAL = register_likelihood(BetaBinomial())


def design_of(spec: Any) -> tuple[np.ndarray, tuple[str, ...], list[Prior], Any]:
    """Design matrix, coefficient names, each coefficient's prior, and the Design.

    The random structure has one intercept; a regression its formula's columns. The intercept
    (or, without one, the first factor's cell means) gets the mu prior, the slopes the beta
    prior, as for the binomial likelihood.

    Parameters
    ----------
    spec : ModelSpec
        A beta-binomial spec.

    Returns
    -------
    tuple
        X (k, p), names, priors, and the Design (None for the random structure).
    """
    from bayesmeta.formula import INTERCEPT

    if spec.kind != "regression":
        return np.ones((spec.data.k, 1)), (INTERCEPT,), [spec.priors.mu], None
    design = spec.design
    if design.has_intercept:
        means = {design.columns.index(INTERCEPT)}
    else:
        first = design.covariates[0] if design.covariates else None
        prefix = f"{first}["
        means = {
            i
            for i, c in enumerate(design.columns)
            if first in design.factors and c.startswith(prefix)
        }
    priors = [
        spec.priors.mu if j in means else spec.priors.beta for j in range(len(design.columns))
    ]
    return np.asarray(design.matrix, float), tuple(design.columns), priors, design


def level_rows(design: Any) -> tuple[dict[str, np.ndarray], list[list[str]]]:
    """The design row of each level of each factor (other columns at their study mean).

    Parameters
    ----------
    design : Design or None
        A regression's design.

    Returns
    -------
    tuple
        Level name -> row (``factor[level]`` when there are several factors), and the level
        names of each factor.
    """
    from bayesmeta.model.derived import level_profile

    rows: dict[str, np.ndarray] = {}
    groups: list[list[str]] = []
    if design is None:
        return rows, groups
    several = len(design.factors) > 1
    for factor, levels in design.factors.items():
        names = []
        for level in levels:
            name = f"{factor}[{level}]" if several else str(level)
            rows[name] = level_profile(design.matrix, design.columns, factor, levels, level)
            names.append(name)
        groups.append(names)
    return rows, groups


def describe(spec: Any) -> dict[str, Any]:
    """The spec's description with the priors this likelihood uses (phi instead of tau).

    Parameters
    ----------
    spec : ModelSpec
        A beta-binomial spec.

    Returns
    -------
    dict
    """
    model = spec.describe()
    priors = dict(model["priors"])
    priors.pop("tau", None)
    if spec.kind != "regression":
        priors.pop("beta", None)
    priors["phi"] = str(spec.likelihood.phi_prior)
    model["priors"] = priors
    return model
