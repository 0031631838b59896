"""The beta-binomial likelihood (brms's ``beta_binomial``) as a model family: the
:class:`BetaBinomial` likelihood object (its phi prior, structures, engine implementations),
registered as ``betabinomial``; and what both engines derive from a beta-binomial spec
(:func:`design_of`, :func:`level_rows`, :func:`describe`). The closed forms of the distribution
are in :mod:`bayesmeta.model.betabinomial_forms`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.model.betabinomial_forms import beta_params, logpmf
from bayesmeta.model.likelihoods import Likelihood, register_likelihood
from bayesmeta.model.priors import Prior, parse_prior

__all__ = [
    "BETABINOMIAL",
    "DEFAULT_PHI_PRIOR",
    "BetaBinomial",
    "describe",
    "design_of",
    "level_rows",
]


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
        a, b = beta_params(np.asarray(eta, dtype=float), np.asarray(scale, dtype=float))
        return logpmf(np.asarray(events, dtype=float), np.asarray(total, dtype=float), a, b)

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
