"""`ModelSpec`: what to fit, built cheaply and purely; sampling happens in ``fit``.

Kinds
-----
random
    y_i ~ Binomial(n_i, expit(mu + u_i)), u_i ~ Normal(0, tau).
regression
    mu replaced by x_i' beta from ``formula`` (see :mod:`bayesmeta.formula`).
subgroup
    mu_g per level g of ``by``; u_i ~ Normal(0, tau) with one tau, or tau_g per level when
    ``separate_tau`` (then each level is an independent random-intercept model).
common
    tau = 0: y_i ~ Binomial(n_i, expit(mu)).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bayesmeta.data.metadata import MetaData
from bayesmeta.errors import InputError
from bayesmeta.formula import Design, design_matrix, levels_with_reference, parse_formula
from bayesmeta.model.likelihoods import BINOMIAL, Likelihood, likelihood_named
from bayesmeta.model.priors import DEFAULT_PRIORS, Prior, Priors
from bayesmeta.model.structures import STRUCTURES, Structure

Kind = Literal["random", "regression", "subgroup", "common"]
#: The structure names (model kinds), from :data:`bayesmeta.model.structures.STRUCTURES`.
KINDS: tuple[str, ...] = tuple(STRUCTURES)


@dataclass(frozen=True)
class ModelSpec:
    """A fully specified model on validated data (no PyMC objects, no sampling).

    ``data`` already excludes the studies missing a covariate the model uses; they are listed
    in ``data.excluded``.

    Attributes
    ----------
    data : MetaData
        Validated events, totals and covariates per study.
    kind : Kind
        ``"random"``, ``"regression"``, ``"subgroup"`` or ``"common"``.
    priors : Priors, optional
        The priors of mu, beta and tau.
    formula : str, optional
        Covariate formula, e.g. ``"cancer_type + age_median"``.
    by : str, optional
        Subgroup covariate.
    separate_tau : bool, optional
        Subgroup model: one tau per level instead of a shared one.
    reference : Mapping[str, Any], optional
        Covariate -> reference level for treatment coding.
    likelihood : Likelihood, optional
        The likelihood (:mod:`bayesmeta.model.likelihoods`; default binomial-logit-normal).
    """

    data: MetaData
    kind: Kind
    priors: Priors = DEFAULT_PRIORS
    formula: str | None = None
    by: str | None = None
    separate_tau: bool = False
    reference: Mapping[str, Any] = field(default_factory=dict)
    likelihood: Likelihood = BINOMIAL

    @property
    def structure(self) -> Structure:
        """The structure object of ``kind`` (:mod:`bayesmeta.model.structures`)."""
        cls = STRUCTURES[self.kind]
        if self.kind == "subgroup":
            return cls(by=self.by, separate_tau=self.separate_tau)
        if self.kind == "regression":
            return cls(formula=self.formula)
        return cls()

    @property
    def observations(self) -> Any:
        """The data shape the likelihood reads (:mod:`bayesmeta.data.outcomes`)."""
        return self.likelihood.observations(self.data)

    @property
    def design(self) -> Design | None:
        """Design matrix of a regression model (None for the other kinds).

        Built once per spec (the spec is immutable) and kept in :func:`engine_cache`; its
        matrix is read-only, as it is shared by every reader.
        """
        if self.kind != "regression":
            return None
        cache = engine_cache(self)
        found = cache.get(_DESIGN)
        if found is None:
            found = design_matrix(self.data.covariates, self.formula, reference=self.reference)
            found.matrix.flags.writeable = False
            cache[_DESIGN] = found
        return found

    @property
    def groups(self) -> tuple[str, ...]:
        """Levels of ``by`` (reference first), empty unless a subgroup model."""
        if self.by is None:
            return ()
        return levels_with_reference(
            self.data.covariates[self.by], self.by, self.reference.get(self.by)
        )

    def group_index(self) -> list[int]:
        """Position in :attr:`groups` of each study's level."""
        lookup = {level: i for i, level in enumerate(self.groups)}
        return [lookup[str(v)] for v in self.data.covariates[self.by]]

    def __getstate__(self) -> dict[str, Any]:
        # the engines' cache (grids) stays in this process: a pickled spec is the spec
        state = dict(self.__dict__)
        state.pop(_CACHE, None)
        return state

    def describe(self) -> dict[str, Any]:
        """JSON-ready description for results and reports."""
        return {
            "kind": self.kind,
            "outcome": self.data.outcome,
            "formula": self.formula,
            "by": self.by,
            "separate_tau": self.separate_tau,
            "priors": self.priors.to_dict(),
            "k": self.data.k,
            **self.likelihood.describe(),
        }


_CACHE = "_engine_cache"
#: The key of the design matrix in :func:`engine_cache`.
_DESIGN = "design"


def engine_cache(spec: ModelSpec) -> dict[Any, Any]:
    """The scratch dictionary engines keep derived numerics of ``spec`` in (its grids).

    A spec is immutable, so what an engine derives from it (a posterior grid at given accuracy
    controls) is valid for its lifetime: the engine keeps it here and every later reader (the
    draws, LOO, CDFs, evidence of the same spec object) reuses it. Not a field: not compared,
    not shown, not pickled; ``dataclasses.replace`` gives a new spec with an empty cache.

    Parameters
    ----------
    spec : ModelSpec
        The model.

    Returns
    -------
    dict
        Keys are owned by the engines (the exact engine prefixes them with ``"quad"``).
    """
    cache = spec.__dict__.get(_CACHE)
    if cache is None:
        cache = {}
        object.__setattr__(spec, _CACHE, cache)
    return cache


def share_design(spec: ModelSpec, design: Design) -> None:
    """Record ``design`` as the design matrix of the regression ``spec`` (derived exactly from
    another spec's, e.g. a Bayes-factor companion's columns of the full model), so that
    :attr:`ModelSpec.design` does not build it again.

    Parameters
    ----------
    spec : ModelSpec
        A regression model whose design is ``design``.
    design : Design
        Its design matrix (read-only).

    Returns
    -------
    None
    """
    engine_cache(spec).setdefault(_DESIGN, design)


def build_model(
    data: MetaData,
    *,
    kind: Kind | None = None,
    formula: str | None = None,
    by: str | None = None,
    separate_tau: bool = False,
    mu_prior: str | Prior | None = None,
    beta_prior: str | Prior | None = None,
    tau_prior: str | Prior | None = None,
    reference: Mapping[str, Any] | None = None,
    likelihood: str | Likelihood = BINOMIAL,
) -> ModelSpec:
    """Specify a model; cheap and pure (the data are validated, nothing is sampled).

    Parameters
    ----------
    data : MetaData
        Validated data of one outcome.
    kind : {"random", "regression", "subgroup", "common"}, optional
        Inferred when omitted: "regression" with ``formula``, "subgroup" with ``by``, else "random".
    formula : str, optional
        Study-level formula for the regression model, e.g. ``"cancer_type + age_median"``.
    by : str, optional
        Grouping covariate of the subgroup model.
    separate_tau : bool, default False
        One tau per level of ``by`` (the subgroup model only).
    mu_prior, beta_prior, tau_prior : str or Prior, optional
        Prior strings (see :mod:`bayesmeta.model.priors`); defaults are documented there.
    reference : mapping, optional
        Covariate -> reference level for treatment coding (default: first sorted level).
    likelihood : str or Likelihood, default "binomial"
        A registered likelihood name or object (:mod:`bayesmeta.model.likelihoods`).

    Returns
    -------
    ModelSpec

    Raises
    ------
    InputError
        Inconsistent options, unknown covariates or levels, bad prior strings, or too few studies.
    """
    if kind is None:  # an empty formula or by is an error below, not the random model
        kind = "regression" if formula is not None else "subgroup" if by is not None else "random"
    if kind not in KINDS:
        raise InputError(f"unknown model kind '{kind}' (choose from {', '.join(KINDS)})")
    if kind == "regression" and formula is None:
        raise InputError("a regression model needs a formula")
    if kind == "subgroup" and not by:
        raise InputError("a subgroup model needs a grouping covariate (by)")
    if formula is not None and kind != "regression":
        raise InputError(f"a formula is only used by the regression model, not '{kind}'")
    if by is not None and kind != "subgroup":
        raise InputError(f"a grouping covariate is only used by the subgroup model, not '{kind}'")
    if separate_tau and kind != "subgroup":
        raise InputError("separate_tau applies to the subgroup model only")
    likelihood = likelihood_named(likelihood)
    priors = Priors.from_strings(mu=mu_prior, beta=beta_prior, tau=tau_prior)
    used = list(parse_formula(formula).covariates) if formula is not None else [by] if by else []
    subset = data.complete_for(used)
    reference = dict(reference or {})
    spec = ModelSpec(
        data=subset,
        kind=kind,
        priors=priors,
        formula=formula,
        by=by,
        separate_tau=separate_tau,
        reference=reference,
        likelihood=likelihood,
    )
    likelihood.check(subset, spec.structure)
    if subset.k < 1:
        raise InputError("no study left in the analysis")
    if kind == "regression":
        _ = spec.design  # validates the formula, levels and rank now, not at fit time
    if kind == "subgroup":
        if len(spec.groups) < 2:  # also validates the reference level
            raise InputError(
                f"covariate '{by}' has a single level among the studies; nothing to compare"
            )
    return spec
