"""Bayes factors from log evidences, and the companion models they compare against.

A Bayes factor compares a model with a companion that differs in one respect, with every other
prior the same (so the factor answers one question):

``heterogeneity``
    the model with its between-study SD tau against the same model with tau = 0 (the random
    model against the common-effect model; a subgroup model against its levels with tau = 0).
covariate (``by``, or each covariate of a regression formula)
    the model against the same model without that covariate (a subgroup model against the
    random model, a regression against the regression on the other covariates, or the random
    model when none is left), on the same studies.
``pooled_vs_benchmark``
    the one-sided factor for "the pooled rate is above B" against "at or below B": posterior
    odds divided by prior odds of the pooled rate exceeding B (no companion fit needed).

``log_bf > 0`` favours the first model (the one with tau, the covariate, the rate above B).
The numerical ``error`` of a factor from two evidences is the sum of their numerical errors
(a bound on the error of the difference).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from bayesmeta.formula import parse_formula, without_covariate
from bayesmeta.model.deferred import DeferredField
from bayesmeta.model.spec import ModelSpec, share_design


@dataclass(frozen=True)
class BayesFactor:
    """One Bayes factor on the log scale with its numerical error.

    Parameters
    ----------
    log_bf : float
        log BF of the first hypothesis against the second.
    error : float
        Numerical error of ``log_bf`` (absolute, log scale); may be given as a
        :class:`~bayesmeta.model.deferred.Deferred`, computed when first read (finer grids).
    against : str
        What the factor compares, in words (e.g. "random vs common (tau = 0)").

    Returns
    -------
    BayesFactor
        A frozen record; ``bf`` is ``exp(log_bf)``.
    """

    log_bf: float
    error: float = DeferredField(math.nan)
    against: str = ""

    @property
    def bf(self) -> float:
        """exp(log_bf) (``inf`` beyond the float range)."""
        return math.exp(self.log_bf) if self.log_bf < 709.0 else math.inf

    def to_dict(self) -> dict[str, float | str]:
        """``{"log_bf", "bf", "error", "against"}`` (JSON-ready; an infinite bf is None)."""
        bf = self.bf
        return {
            "log_bf": float(self.log_bf),
            "bf": float(bf) if math.isfinite(bf) else None,
            "error": float(self.error),
            "against": self.against,
        }


def from_evidence(
    log_evidence: float, error: float, companion: float, companion_error: float, *, against: str
) -> BayesFactor:
    """The Bayes factor of a model against its companion from their log evidences.

    Parameters
    ----------
    log_evidence, error : float
        log p(y | model) and its numerical error.
    companion, companion_error : float
        log p(y | companion) and its numerical error.
    against : str
        Description of the comparison.

    Returns
    -------
    BayesFactor
        ``log_bf = log_evidence - companion``, error the sum of the two errors.
    """
    return BayesFactor(float(log_evidence - companion), float(error + companion_error), against)


def one_sided(post_above: float, prior_above: float, *, error: float, against: str) -> BayesFactor:
    """Bayes factor of "quantity > B" against "quantity <= B": posterior over prior odds.

    Parameters
    ----------
    post_above, prior_above : float
        Posterior and prior probabilities of the quantity exceeding B (in (0, 1)).
    error : float
        Numerical error of the result (log scale).
    against : str
        Description of the comparison.

    Returns
    -------
    BayesFactor
        ``log_bf = logit(post_above) - logit(prior_above)``; infinite when the posterior mass on
        one side underflows.
    """

    def log_odds(p: float) -> float:
        if p <= 0.0:
            return -math.inf
        if p >= 1.0:
            return math.inf
        return math.log(p) - math.log1p(-p)

    return BayesFactor(log_odds(post_above) - log_odds(prior_above), float(error), against)


@dataclass(frozen=True)
class Companion:
    """The model a Bayes factor compares against.

    Parameters
    ----------
    spec : ModelSpec
        The companion model (same data and priors).
    tau_zero : bool
        Evaluate ``spec`` with tau = 0 (a subgroup model's levels without heterogeneity, which
        has no model kind of its own).
    against : str
        Description of the comparison.
    reverse : bool
        The companion is the first hypothesis (a common-effect model's heterogeneity factor is
        still random against common).

    Returns
    -------
    Companion
        A frozen record.
    """

    spec: ModelSpec
    tau_zero: bool
    against: str
    reverse: bool = False


def companions(spec: ModelSpec) -> dict[str, Companion]:
    """The companion model of every Bayes factor of ``spec``, by factor name.

    Parameters
    ----------
    spec : ModelSpec
        The model whose factors are wanted.

    Returns
    -------
    dict of str to Companion
        ``heterogeneity`` (not for a regression) and one entry per covariate (subgroup: ``by``;
        regression: each covariate of the formula). Every companion uses ``spec``'s data (the
        same studies) and priors.
    """
    found: dict[str, Companion] = {}
    if spec.kind == "random":
        found["heterogeneity"] = Companion(
            replace(spec, kind="common"), False, "random vs common (tau = 0)"
        )
    elif spec.kind == "common":
        found["heterogeneity"] = Companion(
            replace(spec, kind="random"), False, "random vs common (tau = 0)", reverse=True
        )
    elif spec.kind == "subgroup":
        found["heterogeneity"] = Companion(spec, True, "subgroup vs its levels with tau = 0")
        found[str(spec.by)] = Companion(
            replace(spec, kind="random", by=None, separate_tau=False, reference={}),
            False,
            f"subgroup by {spec.by} vs random (no {spec.by})",
        )
    elif spec.kind == "regression":
        parsed = parse_formula(spec.formula)
        covariates = list(parsed.covariates)
        # with an intercept, a companion's design is the model's columns without the covariate
        # (its formula keeps the other terms as written, so it would build the same columns)
        shared = parsed.intercept
        for name in covariates:
            rest = [c for c in covariates if c != name]
            # reference levels of the covariates the companion keeps (others are refused)
            reference = {k: v for k, v in spec.reference.items() if k in rest}
            if rest:
                formula = parsed.without(name)
                other = replace(spec, formula=formula, reference=reference)
                if shared:
                    share_design(other, without_covariate(spec.design, name))
                against = f"{spec.formula} vs {formula}"
            else:
                other = replace(spec, kind="random", formula=None, reference={})
                against = f"{spec.formula} vs random (no covariate)"
            found[name] = Companion(other, False, against)
    return found
