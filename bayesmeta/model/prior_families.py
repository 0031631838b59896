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

        from bayesmeta.model.priors import Prior, positive_with_logp

        prior = Prior(family, (0.0,) * len(PRIOR_FAMILIES[family].params))
        return partial(positive_with_logp, prior, params=params), {}

    return make


def _stats() -> Any:
    from scipy import stats

    return stats


def _half_t(p):
    from bayesmeta.model.priors import _HalfT

    return _HalfT(p[0], p[1])


def _sqrt_invgamma(p):
    from bayesmeta.model.priors import _SqrtInvGamma

    return _SqrtInvGamma(p[0], p[1])


def _uniform_order(p: tuple[float, ...]) -> str | None:
    return None if 0 <= p[0] < p[1] else "needs 0 <= lo < hi"


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
):
    register_prior_family(_family)
del _family
