"""log p(y): the log marginal likelihood of the counts, binomial coefficients included.

The grids integrate the study effects (adaptive Gauss-Hermite) and (mu, tau) (trapezoid on the
zoomed box); their normalizing constant is p(y). Its numerical error is estimated as the change
between two accuracy levels: the fit's own controls and :func:`refined` ones (twice the
Gauss-Hermite nodes per study, half as many again starting nodes per axis). With the default
controls the study-level rule dominates the error (about 1e-4 to 1e-3 on the bundled data, and
the brute-force references agree with the refined value); refining the (mu, tau) grid further
changes log p(y) by about 1e-9.
"""

from __future__ import annotations

from dataclasses import replace

from bayesmeta.errors import InputError
from bayesmeta.model.spec import ModelSpec
from bayesmeta.quad.controls import Accuracy
from bayesmeta.quad.groups import build_group_grids
from bayesmeta.quad.posterior import check_supported, posterior_grid


def log_evidence(spec: ModelSpec, *, accuracy: Accuracy | None = None) -> float:
    """log p(y) of any model kind (the regression by :mod:`bayesmeta.quad.regression`).

    Parameters
    ----------
    spec : ModelSpec
        A model of the exact engine.
    accuracy : Accuracy, optional
        Grid controls (default :class:`Accuracy`).

    Returns
    -------
    float
        The log marginal likelihood of the counts, binomial coefficients included.
    """
    check_supported(spec)
    if spec.kind == "regression":
        return _regression_evidence(spec)[0]
    acc = accuracy or Accuracy()
    if spec.kind == "subgroup":
        return float(build_group_grids(spec, accuracy=acc).log_marginal_likelihood)
    return float(posterior_grid(spec, accuracy=acc).log_marginal_likelihood)


def refined(accuracy: Accuracy) -> Accuracy:
    """The finer accuracy level against which the evidence's error is measured.

    Parameters
    ----------
    accuracy : Accuracy
        The fit's controls.

    Returns
    -------
    Accuracy
        Twice the Gauss-Hermite nodes per study and half as many again starting nodes per axis.
    """
    return replace(
        accuracy,
        n_mu=accuracy.n_mu + accuracy.n_mu // 2,
        n_tau=accuracy.n_tau + accuracy.n_tau // 2,
        n_gh=2 * accuracy.n_gh,
    )


def log_evidence_with_error(
    spec: ModelSpec, *, accuracy: Accuracy | None = None
) -> tuple[float, float | None]:
    """log p(y) at the given accuracy and its change at the :func:`refined` level.

    Parameters
    ----------
    spec : ModelSpec
        A model of the exact engine.
    accuracy : Accuracy, optional
        Grid controls (default :class:`Accuracy`).

    Returns
    -------
    log_evidence : float
        At ``accuracy`` (the level the fit's summaries use).
    error : float or None
        ``|log p(y) at refined(accuracy) - log_evidence|``; None if the refined grid cannot be
        built (the fit itself stands).
    """
    if spec.kind == "regression":
        return _regression_evidence(spec)
    acc = accuracy or Accuracy()
    value = log_evidence(spec, accuracy=acc)
    try:
        finer = log_evidence(spec, accuracy=refined(acc))
    except InputError:
        return value, None
    return value, abs(finer - value)


def evidence_error(spec: ModelSpec, *, accuracy: Accuracy | None = None) -> float | None:
    """The numerical error of log p(y) at ``accuracy``: its change at the :func:`refined` level.

    Parameters
    ----------
    spec : ModelSpec
        A model of the exact engine.
    accuracy : Accuracy, optional
        The fit's grid controls (default :class:`Accuracy`).

    Returns
    -------
    float or None
        None if the refined grid cannot be built (the fit itself stands).
    """
    return log_evidence_with_error(spec, accuracy=accuracy)[1]


def _regression_evidence(spec: ModelSpec) -> tuple[float, float]:
    """log p(y) of a regression and its change from the next coarser level."""
    from bayesmeta.quad.regression.nested_fit import evidence, regression_posterior

    return evidence(*regression_posterior(spec))
