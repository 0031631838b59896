"""Structures as objects: how the studies' linear predictors and random effects are organised.

``common`` (one rate, no between-study spread), ``random`` (random intercept), ``subgroup``
(one mean per level of a covariate, shared or separate tau) and ``regression`` (x_i' beta from a
formula). A structure's :attr:`~Structure.name` is the model ``kind`` of
:class:`~bayesmeta.model.spec.ModelSpec`; engines declare the structure names they fit
(:class:`bayesmeta.model.engine_api.Capabilities`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Structure:
    """Base class of the structures (subclasses are frozen dataclasses).

    Attributes
    ----------
    name : str
        The model kind, e.g. ``"random"``.
    has_tau : bool
        Whether the studies have random effects with a between-study SD tau.
    """

    name: ClassVar[str] = ""
    has_tau: ClassVar[bool] = True

    def covariates(self) -> tuple[str, ...]:
        """Study-level columns the structure reads (studies missing one are excluded).

        Returns
        -------
        tuple of str
        """
        return ()


@dataclass(frozen=True)
class Common(Structure):
    """tau = 0: every study has the same rate expit(mu)."""

    name: ClassVar[str] = "common"
    has_tau: ClassVar[bool] = False


@dataclass(frozen=True)
class Random(Structure):
    """Random intercept: eta_i = mu, u_i ~ Normal(0, tau)."""

    name: ClassVar[str] = "random"


@dataclass(frozen=True)
class Subgroup(Structure):
    """eta_i = mu_g for the level g of ``by``; one tau, or one per level with ``separate_tau``.

    Attributes
    ----------
    by : str
        The grouping covariate.
    separate_tau : bool
        One tau per level.
    """

    name: ClassVar[str] = "subgroup"
    by: str = ""
    separate_tau: bool = False

    def covariates(self) -> tuple[str, ...]:
        """The grouping covariate.

        Returns
        -------
        tuple of str
        """
        return (self.by,)


@dataclass(frozen=True)
class Regression(Structure):
    """eta_i = x_i' beta from ``formula`` (see :mod:`bayesmeta.formula`).

    Attributes
    ----------
    formula : str
        The covariate formula.
    """

    name: ClassVar[str] = "regression"
    formula: str = ""

    def covariates(self) -> tuple[str, ...]:
        """The covariates the formula names.

        Returns
        -------
        tuple of str
        """
        from bayesmeta.formula import parse_formula

        return tuple(parse_formula(self.formula).covariates)


#: name (the model kind) -> structure class.
STRUCTURES: dict[str, type[Structure]] = {
    cls.name: cls for cls in (Random, Regression, Subgroup, Common)
}
