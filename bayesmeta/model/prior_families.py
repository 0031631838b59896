"""The table of prior families: each family's parameters, role, checks, scipy density and PyMC
variable, written once.

:mod:`bayesmeta.model.priors` parses prior strings against this table; the exact engine reads
:attr:`PriorFamily.scipy` (through :meth:`~bayesmeta.model.priors.Prior.distribution`), NUTS reads
:attr:`PriorFamily.pymc`. A new family (say ``gamma`` for a beta-binomial precision) is one
:func:`register_prior_family` call.

Roles
-----
location
    Real-valued parameters: mu, beta.
scale
    Non-negative parameters: tau.
Likelihoods may add roles for their own parameters (e.g. ``positive``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class PriorFamily:
    """One prior family.

    Attributes
    ----------
    name : str
        The name in prior strings, e.g. ``"halfnormal"``.
    params : tuple of str
        Parameter names, in the order of the string.
    role : str
        ``"location"``, ``"scale"`` or a role a likelihood declares.
    positive : tuple of int
        Indices of the parameters that must be > 0.
    scipy : callable
        ``params -> frozen scipy-like distribution`` (``logpdf``, ``cdf``, ``ppf``, ``rvs``).
    pymc : callable
        ``params -> (distribution, keyword arguments)``: called as ``distribution(name,
        **kwargs, **shape)`` inside a PyMC model; ``params`` may be numbers or PyTensor variables.
    check : callable, optional
        ``params -> message or None``: a further check of the values (e.g. ``uniform``'s order).
    """

    name: str
    params: tuple[str, ...]
    role: str
    positive: tuple[int, ...]
    scipy: Callable[[tuple[float, ...]], Any]
    pymc: Callable[[Any], tuple[Any, dict[str, Any]]]
    check: Callable[[tuple[float, ...]], str | None] | None = None


#: name -> family; filled below and by :func:`register_prior_family`.
PRIOR_FAMILIES: dict[str, PriorFamily] = {}


def register_prior_family(family: PriorFamily, *, replace: bool = False) -> PriorFamily:
    """Add a family to the table.

    Parameters
    ----------
    family : PriorFamily
        The family.
    replace : bool, default False
        Allow replacing a family of the same name.

    Returns
    -------
    PriorFamily
        ``family``.

    Raises
    ------
    ValueError
        A family of that name exists and ``replace`` is False.
    """
    if family.name in PRIOR_FAMILIES and not replace:
        raise ValueError(f"prior family '{family.name}' is already registered")
    PRIOR_FAMILIES[family.name] = family
    return family


def _pm(name: str) -> Any:
    import pymc as pm

    return getattr(pm, name)


def _pymc(dist: str, *keys: str) -> Callable[[Any], tuple[Any, dict[str, Any]]]:
    def make(params):
        return _pm(dist), {key: params[i] for i, key in enumerate(keys)}

    return make


def _positive_with_logp(family: str) -> Callable[[Any], tuple[Any, dict[str, Any]]]:
    """PyMC has no such distribution: a flat positive variable plus the log density."""

    def make(params):
        from functools import partial

        return partial(positive_with_logp, _Family(family), params=params), {}

    return make


@dataclass(frozen=True)
class _Family:
    """Stands for a prior of ``family`` where only the family matters (its PyTensor density)."""

    family: str


def _stats():
    """scipy.stats, imported on first use (it costs ~0.3 s; a spec file is read without it)."""
    from scipy import stats

    return stats


def _half_t(p):
    return _HalfT(p[0], p[1])


def _sqrt_invgamma(p):
    return _SqrtInvGamma(p[0], p[1])


def _uniform_order(p: tuple[float, ...]) -> str | None:
    return None if 0 <= p[0] < p[1] else "needs 0 <= lo < hi"


class _HalfT:
    """Half Student-t with ``nu`` degrees of freedom and scale ``sigma`` (scipy-like)."""

    def __init__(self, nu: float, sigma: float) -> None:
        self._t = _stats().t(df=nu, scale=sigma)

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore"):
            return np.where(x >= 0, np.log(2.0) + self._t.logpdf(x), -np.inf)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        return np.exp(self.logpdf(x))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.where(x >= 0, 2.0 * self._t.cdf(x) - 1.0, 0.0)

    def ppf(self, q: np.ndarray) -> np.ndarray:
        return self._t.ppf((np.asarray(q, dtype=float) + 1.0) / 2.0)

    def rvs(self, size=None, random_state=None) -> np.ndarray:
        return np.abs(self._t.rvs(size=size, random_state=random_state))


class _SqrtInvGamma:
    """tau = sqrt(tau^2) with tau^2 ~ InvGamma(alpha, beta) (scipy-like)."""

    def __init__(self, alpha: float, beta: float) -> None:
        self._ig = _stats().invgamma(alpha, scale=beta)

    def support(self) -> tuple[float, float]:
        return 0.0, np.inf

    def logpdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            inside = self._ig.logpdf(x * x) + np.log(2.0 * x)
        return np.where(x > 0, inside, -np.inf)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        return np.exp(self.logpdf(x))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        return np.where(x > 0, self._ig.cdf(np.maximum(x, 0.0) ** 2), 0.0)

    def sf(self, x: np.ndarray) -> np.ndarray:
        return 1.0 - self.cdf(x)

    def ppf(self, q: np.ndarray) -> np.ndarray:
        return np.sqrt(self._ig.ppf(np.asarray(q, dtype=float)))

    def rvs(self, size=None, random_state=None) -> np.ndarray:
        return np.sqrt(self._ig.rvs(size=size, random_state=random_state))


def log_density_pt(prior: Any, x, params):
    """The log density of a ``halflogistic`` or ``invgamma`` tau prior as a PyTensor expression.

    Parameters
    ----------
    prior : Prior
        Its family picks the formula.
    x : pytensor variable
        tau (positive).
    params : sequence
        The prior's parameters (numbers or shared variables), in the order of the string.

    Returns
    -------
    pytensor variable
        Elementwise log density of tau.
    """
    import pytensor.tensor as pt

    if prior.family == "halflogistic":
        s = params[0]
        z = x / s
        return pt.log(2.0) - pt.log(s) - z - 2.0 * pt.log1p(pt.exp(-z))
    if prior.family == "invgamma":
        a, b = params[0], params[1]
        t2 = x * x
        log_ig = a * pt.log(b) - pt.gammaln(a) - (a + 1.0) * pt.log(t2) - b / t2
        return log_ig + pt.log(2.0 * x)
    raise AssertionError(prior.family)


def positive_with_logp(prior: Any, name: str, params, **kwargs):
    """A positive PyMC variable ``name`` (``HalfFlat``) with the prior's log density added.

    PyMC has no half-logistic distribution, nor one for tau whose square is inverse-gamma; a
    flat positive variable plus a ``Potential`` of the log density is the same posterior.

    Parameters
    ----------
    prior : Prior
        A ``halflogistic`` or ``invgamma`` prior.
    name : str
        The variable's name.
    params : sequence
        Its parameters (numbers or shared variables).
    **kwargs
        ``shape``/``dims`` of the variable.

    Returns
    -------
    pymc variable
        The positive variable.
    """
    import pymc as pm

    var = pm.HalfFlat(name, **kwargs)
    pm.Potential(f"{name}_prior_logp", log_density_pt(prior, var, params).sum())
    return var


for _family in (
    PriorFamily(
        "normal",
        ("mu", "sigma"),
        "location",
        (1,),
        lambda p: _stats().norm(loc=p[0], scale=p[1]),
        _pymc("Normal", "mu", "sigma"),
    ),
    PriorFamily(
        "student_t",
        ("nu", "mu", "sigma"),
        "location",
        (0, 2),
        lambda p: _stats().t(df=p[0], loc=p[1], scale=p[2]),
        _pymc("StudentT", "nu", "mu", "sigma"),
    ),
    PriorFamily(
        "halfnormal",
        ("sigma",),
        "scale",
        (0,),
        lambda p: _stats().halfnorm(scale=p[0]),
        _pymc("HalfNormal", "sigma"),
    ),
    PriorFamily(
        "halfcauchy",
        ("beta",),
        "scale",
        (0,),
        lambda p: _stats().halfcauchy(scale=p[0]),
        _pymc("HalfCauchy", "beta"),
    ),
    PriorFamily(
        "halfstudentt",
        ("nu", "sigma"),
        "scale",
        (0, 1),
        _half_t,
        _pymc("HalfStudentT", "nu", "sigma"),
    ),
    PriorFamily(
        "exponential",
        ("lam",),
        "scale",
        (0,),
        lambda p: _stats().expon(scale=1.0 / p[0]),
        _pymc("Exponential", "lam"),
    ),
    PriorFamily(
        "uniform",
        ("lower", "upper"),
        "scale",
        (),
        lambda p: _stats().uniform(loc=p[0], scale=p[1] - p[0]),
        _pymc("Uniform", "lower", "upper"),
        _uniform_order,
    ),
    PriorFamily(
        "halft",
        ("nu", "sigma"),
        "scale",
        (0, 1),
        _half_t,
        _pymc("HalfStudentT", "nu", "sigma"),
    ),
    PriorFamily(
        "lognormal",
        ("mu", "sigma"),
        "scale",
        (1,),
        lambda p: _stats().lognorm(s=p[1], scale=float(np.exp(p[0]))),
        _pymc("LogNormal", "mu", "sigma"),
    ),
    PriorFamily(
        "halflogistic",
        ("sigma",),
        "scale",
        (0,),
        lambda p: _stats().halflogistic(scale=p[0]),
        _positive_with_logp("halflogistic"),
    ),
    PriorFamily(
        "invgamma",
        ("alpha", "beta"),
        "scale",
        (0, 1),
        _sqrt_invgamma,
        _positive_with_logp("invgamma"),
    ),
    PriorFamily(  # shape, rate: brms's default for the beta-binomial phi is gamma(0.01, 0.01)
        "gamma",
        ("alpha", "beta"),
        "scale",
        (0, 1),
        lambda p: _stats().gamma(a=p[0], scale=1.0 / p[1]),
        _pymc("Gamma", "alpha", "beta"),
    ),
):
    register_prior_family(_family)
del _family
