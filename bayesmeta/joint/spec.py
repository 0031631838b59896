"""`JointSpec`: the Bayesian joint model of several outcomes, built cheaply and purely.

``logit p[i, o] = x_i' beta_o + u[i, o]``, ``u[i, ] ~ MVN(0, diag(tau) R diag(tau))``; priors
``beta_o`` (intercept) ``~ mu_prior``, slopes ``~ beta_prior``, ``tau_o ~ tau_prior``,
``R ~ LKJ(eta)``. The nested mode ``crr<orr`` replaces the inner outcome by the probability of
it among responders (``q``): ``CR ~ Bin(OR events, q)``, so CRR = ORR * q <= ORR.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bayesmeta.errors import InputError
from bayesmeta.formula import parse_formula
from bayesmeta.joint.data import JointData
from bayesmeta.joint.decisions import Condition, Given, parse_conditions, parse_given
from bayesmeta.joint.likelihood import JOINT_BINOMIAL, JointBinomialLogitNormal
from bayesmeta.joint.nesting import Nesting, parse_nested
from bayesmeta.joint.problem import JointProblem, joint_problem
from bayesmeta.model.priors import Priors

__all__ = ["DEFAULT_COR_PRIOR", "SD_FAMILIES", "JointSpec", "build_joint_model", "parse_cor_prior"]

DEFAULT_COR_PRIOR = "lkj(2)"
SD_FAMILIES = (
    "halfnormal",
    "halfcauchy",
    "halfstudentt",
    "halft",
    "lognormal",
    "exponential",
    "uniform",
)
"""Tau prior families of the joint model (those PyMC's ``LKJCholeskyCov`` takes as ``sd_dist``)."""
_LKJ = re.compile(r"^\s*lkj\(\s*([^()]*)\s*\)\s*$")


def parse_cor_prior(text: str) -> float:
    """The eta of ``"lkj(eta)"`` (eta > 0; 1 is uniform over correlation matrices).

    Parameters
    ----------
    text : str
        The prior string.

    Returns
    -------
    float

    Raises
    ------
    InputError
        One line naming ``--cor-prior`` when the string is not ``lkj(eta)`` with eta > 0.
    """
    match = _LKJ.match(str(text))
    if not match:
        raise InputError(f"--cor-prior: cannot read '{text}' (expected 'lkj(eta)', e.g. 'lkj(2)')")
    try:
        eta = float(match.group(1))
    except ValueError:
        raise InputError(f"--cor-prior: '{text}' has a non-numeric eta") from None
    if not eta > 0 or eta == float("inf"):
        raise InputError(f"--cor-prior: eta must be positive and finite, got {match.group(1)}")
    return eta


@dataclass(frozen=True)
class JointSpec:
    """A validated joint model: data, design, priors; nothing sampled.

    Attributes
    ----------
    data : JointData
        The studies (covariate-complete for ``formula``).
    problem : JointProblem
        Long-format arrays and design (of the latent outcomes in the nested mode).
    priors : Priors
        ``mu`` (each outcome's intercept), ``beta`` (slopes), ``tau``.
    cor_eta : float
        LKJ shape of the correlation matrix.
    formula : str or None
        Study-level covariates (coefficients per outcome).
    nesting : Nesting or None
        The nested mode (``crr<orr``), with the studies whose inner count was left out.
    conditions : tuple of tuple of Condition
        The joint decisions (``--joint``), each a group of conditions that hold together.
    given : tuple of Given
        The conditional predictions (``--given``).
    likelihood : JointBinomialLogitNormal
        The model family (registered as ``joint_binomial``).
    """

    data: JointData
    problem: JointProblem
    priors: Priors
    cor_eta: float
    formula: str | None = None
    nesting: Nesting | None = None
    conditions: tuple[tuple[Condition, ...], ...] = ()
    given: tuple[Given, ...] = ()
    likelihood: JointBinomialLogitNormal = JOINT_BINOMIAL

    @property
    def kind(self) -> str:
        """The structure's name: ``regression`` with covariates, else ``random``."""
        return "random" if self.formula is None else "regression"

    @property
    def structure(self):
        """The structure object (:mod:`bayesmeta.model.structures`)."""
        from bayesmeta.model.structures import Random, Regression

        return Random() if self.formula is None else Regression(formula=self.formula)

    @property
    def names(self) -> tuple[str, ...]:
        """The reported outcomes (``orr, crr, dead``)."""
        return self.data.names

    @property
    def latent_names(self) -> tuple[str, ...]:
        """The outcomes with a random effect (``crr|orr`` in place of ``crr`` when nested)."""
        return self.problem.names

    def describe(self) -> dict:
        """JSON-ready model description.

        Returns
        -------
        dict
        """
        return {
            "kind": "joint",
            "likelihood": self.likelihood.name,
            "structure": self.kind,
            "outcomes": list(self.names),
            "formula": self.formula,
            "nested": None if self.nesting is None else self.nesting.text,
            "priors": {**self.priors.to_dict(), "cor": f"lkj({self.cor_eta:g})"},
        }


def build_joint_model(
    data: JointData,
    *,
    formula: str | None = None,
    mu_prior: str | None = None,
    beta_prior: str | None = None,
    tau_prior: str | None = None,
    cor_prior: str | None = None,
    nested: str | None = None,
    joint: tuple[str, ...] | list[str] = (),
    given: tuple[str, ...] | list[str] = (),
) -> JointSpec:
    """Validate the joint model's options (pure, cheap: nothing is compiled or sampled).

    Parameters
    ----------
    data : JointData
        Several outcomes per study.
    formula : str, optional
        Study-level covariates; each outcome gets its own coefficients. Studies missing a
        covariate are excluded and reported.
    mu_prior, beta_prior, tau_prior : str, optional
        Priors of the intercepts, the slopes and each tau (defaults ``normal(0, 2.5)``,
        ``normal(0, 2.5)``, ``halfnormal(1.5)``).
    cor_prior : str, optional
        ``"lkj(eta)"`` (default ``lkj(2)``).
    nested : str, optional
        ``"crr<orr"``: the first outcome is nested in the second.
    joint : sequence of str, optional
        Joint decisions, e.g. ``"orr>0.8,dead<0.25"``: P(all hold) pooled and for a new study.
    given : sequence of str, optional
        Conditional predictions of a new study, e.g. ``"orr=0.9"`` or ``"orr=27/30"``.

    Returns
    -------
    JointSpec

    Raises
    ------
    InputError
        One line naming the option, outcome or study at fault.
    """
    if beta_prior is not None and formula is None:
        raise InputError("--beta-prior: only a model with covariates (--formula) has slopes")
    priors = Priors.from_strings(mu=mu_prior, beta=beta_prior, tau=tau_prior)
    if priors.tau.family not in SD_FAMILIES:
        raise InputError(
            f"--tau-prior: '{priors.tau.family}' is not available for the joint model "
            f"(use one of: {', '.join(SD_FAMILIES)})"
        )
    cor_eta = parse_cor_prior(DEFAULT_COR_PRIOR if cor_prior is None else cor_prior)
    if formula is not None:
        data = data.complete_for(parse_formula(formula).covariates)
    nesting = None
    if nested is not None:
        nesting = parse_nested(nested, data)
        data = nesting.data
    problem = joint_problem(data, formula=formula)
    if nesting is not None:
        problem = nesting.latent_problem(problem)
    spec = JointSpec(
        data=data,
        problem=problem,
        priors=priors,
        cor_eta=cor_eta,
        formula=formula,
        nesting=nesting,
    )
    from dataclasses import replace

    from bayesmeta.joint.rates import rate_map

    spec.likelihood.check(data, spec.structure)
    return replace(
        spec,
        conditions=tuple(parse_conditions(text, spec.names) for text in joint),
        given=tuple(parse_given(text, rate_map(spec)) for text in given),
    )
