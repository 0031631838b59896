"""The joint binomial-logit-normal likelihood as a model-family object (issue 19's registry).

``y[i, o] ~ Binomial(n[i, o], expit(x_i' beta_o + u[i, o]))``, ``u[i, ] ~ MVN(0, Sigma)``: it reads
the ``"joint"`` data shape (:class:`~bayesmeta.joint.data.JointCounts`) and combines with the
random-intercept and regression structures. Registered on import of :mod:`bayesmeta.joint`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from bayesmeta.errors import InputError
from bayesmeta.model.likelihoods import Likelihood

__all__ = ["JOINT_BINOMIAL", "JointBinomialLogitNormal"]


@dataclass(frozen=True)
class JointBinomialLogitNormal(Likelihood):
    """Several binomial outcomes per study with multivariate logit-normal study effects."""

    name: ClassVar[str] = "joint_binomial"
    data_shape: ClassVar[str] = "joint"
    structures: ClassVar[frozenset[str]] = frozenset({"random", "regression"})

    def parameters(self) -> tuple[str, ...]:
        """Its own parameters: the correlation matrix of the study effects.

        Returns
        -------
        tuple of str
        """
        return ("R",)

    def observations(self, data: Any) -> Any:
        """The joint counts of a :class:`~bayesmeta.joint.data.JointData`.

        Parameters
        ----------
        data : JointData
            The study table.

        Returns
        -------
        JointCounts
        """
        return data.observations

    def check(self, data: Any, structure: Any) -> None:
        """Refuse a single-outcome table or an unsupported structure (one line).

        Parameters
        ----------
        data : JointData
            The study table.
        structure : Structure
            The structure.

        Returns
        -------
        None
        """
        if getattr(getattr(data, "observations", None), "shape", None) != "joint":
            raise InputError("the joint_binomial likelihood needs several outcomes (--outcomes)")
        super().check(data, structure)


JOINT_BINOMIAL = JointBinomialLogitNormal()
