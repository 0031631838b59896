"""Bayesian model averaging over exact fits: posterior model probabilities, averaged rates,
inclusion Bayes factors.

With prior model probabilities pi_m and log evidences log p(y | m) from the exact engine,

    P(m | y) = pi_m p(y | m) / sum_j pi_j p(y | j).

The model-averaged posterior of a rate is the mixture sum_m P(m | y) F_m of the models' exact
posterior CDFs; its median and 95% interval are read from the mixture CDF (never from draws).
A level's rate under a model without that covariate is the model's pooled rate (the level is
no different from the others there), so the level rates average over every model whose
covariate is the grouping covariate or that has no covariate. The inclusion Bayes factor of a
feature (heterogeneity: tau > 0; a covariate) is the posterior odds of the models with it
against those without, divided by the prior odds.

All models must describe the same counts: the same outcome and the same studies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bayesmeta.data.metadata import Exclusion
from bayesmeta.errors import InputError
from bayesmeta.model.bayes_factor import BayesFactor
from bayesmeta.model.result import Interval
from bayesmeta.model.spec import ModelSpec
from bayesmeta.model.thresholds import threshold_key
from bayesmeta.model.weights import inclusion_bf, mixture_interval, posterior_probabilities

__all__ = [
    "Averaging",
    "ModelWeight",
    "average",
    "average_or_none",
    "average_specs",
    "inclusion_bf",
    "mixture_interval",
    "posterior_probabilities",
]

#: Quantities averaged besides the levels.
QUANTITIES: tuple[str, ...] = ("pooled_median", "pooled_mean", "new_study")
LEVEL = 0.95


@dataclass(frozen=True)
class ModelWeight:
    """One model of an average: its prior and posterior probabilities and its evidence.

    Parameters
    ----------
    name : str
        The model's name (spec name).
    prior_prob, posterior_prob : float
        P(m) and P(m | y).
    log_evidence, log_evidence_error : float
        log p(y | m) and its numerical error.

    Returns
    -------
    ModelWeight
        A frozen record.
    """

    name: str
    prior_prob: float
    posterior_prob: float
    log_evidence: float
    log_evidence_error: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "name": self.name,
            "prior_prob": float(self.prior_prob),
            "posterior_prob": float(self.posterior_prob),
            "log_evidence": float(self.log_evidence),
            "log_evidence_error": float(self.log_evidence_error),
        }


@dataclass(frozen=True)
class Averaging:
    """The result of :func:`average`.

    Parameters
    ----------
    outcome : str
        The outcome all models describe.
    k : int
        Number of studies.
    models : tuple of ModelWeight
        In the order given.
    averaged : dict
        ``pooled_median``, ``pooled_mean``, ``new_study``: :class:`Interval`; ``levels``: dict
        of covariate to dict of level to :class:`Interval`.
    inclusion_bf : dict of str to BayesFactor
        ``heterogeneity`` and each covariate that some models have and others have not.
    prob_above : dict
        Model-averaged P(rate > X) per threshold (same layout as a fit's ``prob_above``).
    excluded : tuple of Exclusion
        Studies left out of the data (no outcome, a missing covariate), with the reason.

    Returns
    -------
    Averaging
        A frozen record with :meth:`to_dict`.
    """

    outcome: str
    k: int
    models: tuple[ModelWeight, ...]
    averaged: dict[str, Any]
    inclusion_bf: dict[str, BayesFactor]
    prob_above: dict[str, Any] = field(default_factory=dict)
    excluded: tuple[Exclusion, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``bayesmeta average --json``."""
        averaged: dict[str, Any] = {q: self.averaged[q].to_dict() for q in QUANTITIES}
        averaged["levels"] = {
            cov: {lv: iv.to_dict() for lv, iv in levels.items()}
            for cov, levels in self.averaged["levels"].items()
        }
        out = {
            "outcome": self.outcome,
            "k": int(self.k),
            "models": [m.to_dict() for m in self.models],
            "averaged": averaged,
            "inclusion_bf": {name: bf.to_dict() for name, bf in self.inclusion_bf.items()},
            "excluded": [e.to_dict() for e in self.excluded],
        }
        if self.prob_above:
            out["prob_above"] = self.prob_above
        return out


def features(spec: ModelSpec) -> set[str]:
    """The features a model has: ``heterogeneity`` (tau > 0) and its covariates.

    Parameters
    ----------
    spec : ModelSpec
        A model.

    Returns
    -------
    set of str
    """
    from bayesmeta.formula import parse_formula

    found = set() if spec.kind == "common" else {"heterogeneity"}
    if spec.kind == "subgroup":
        found.add(str(spec.by))
    if spec.kind == "regression":
        found |= set(parse_formula(spec.formula).covariates)
    return found


def check_same_data(specs: dict[str, ModelSpec]) -> None:
    """Refuse, in one line, models of different outcomes or studies.

    Parameters
    ----------
    specs : dict of str to ModelSpec
        Models by name.

    Returns
    -------
    None
        Returns quietly when every model has the first one's outcome and counts.

    Raises
    ------
    InputError
        Naming the first model that differs from the first one, and how.
    """
    names = list(specs)
    first = specs[names[0]].data
    for name in names[1:]:
        data = specs[name].data
        if data.outcome != first.outcome:
            raise InputError(
                f"model averaging needs one outcome: {names[0]} is '{first.outcome}', "
                f"{name} is '{data.outcome}'"
            )
        same = (
            data.studies == first.studies
            and np.array_equal(data.events, first.events)
            and np.array_equal(data.total, first.total)
        )
        if not same:
            raise InputError(
                f"model averaging needs the same studies: {names[0]} uses {first.k}, {name} "
                f"uses {data.k} (a covariate leaves studies out); average models on the same data"
            )


def average(specs: dict[str, ModelSpec], *, prior_prob=None, thresholds=()) -> Averaging:
    """Average exact fits of models of the same data.

    Parameters
    ----------
    specs : dict of str to ModelSpec
        At least two models by name, all supported by the exact engine.
    prior_prob : sequence of float, optional
        Prior model probabilities in the order of ``specs`` (default equal); positive,
        summing to one.
    thresholds : iterable of float
        Rates X for the model-averaged ``prob_above``.

    Returns
    -------
    Averaging
        Posterior model probabilities, averaged rates, inclusion Bayes factors.

    Raises
    ------
    InputError
        Fewer than two models, different data, bad prior probabilities, or a model the exact
        engine cannot fit.
    """
    from bayesmeta import engines

    names = list(specs)
    if len(names) < 2:
        raise InputError("model averaging needs at least two models")
    check_same_data(specs)
    prior = _prior(prior_prob, len(names))
    for name in names:
        if not engines.can(specs[name], "log_evidence"):
            raise InputError(
                f"model averaging needs the exact engine's log evidence; {name} "
                f"('{specs[name].kind}') is not supported by the exact engine"
            )
    evidence = [engines.log_evidence_with_error(specs[n]) for n in names]
    log_z = np.array([v for v, _ in evidence])
    errors = np.array([e for _, e in evidence])
    post = posterior_probabilities(log_z, prior)
    cdfs = [engines.rate_cdfs(specs[n]) for n in names]
    averaged: dict[str, Any] = {
        q: mixture_interval([(c[q].x, c[q].cdf) for c in cdfs], post) for q in QUANTITIES
    }
    averaged["levels"] = _levels(specs, cdfs, post)
    has = [features(specs[n]) for n in names]
    inclusion = {}
    for feature in sorted(set().union(*has), key=lambda f: (f != "heterogeneity", f)):
        includes = [feature in h for h in has]
        if any(includes) and not all(includes):
            inclusion[feature] = inclusion_bf(post, prior, includes, errors)
    probs = {}
    for x in thresholds:
        entry = {
            q: float(sum(w * c[q].prob_above(x) for w, c in zip(post, cdfs, strict=False)))
            for q in QUANTITIES
        }
        probs[threshold_key(x)] = entry
    models = tuple(
        ModelWeight(n, float(p), float(q), float(z), float(e))
        for n, p, q, z, e in zip(names, prior, post, log_z, errors, strict=True)
    )
    first = specs[names[0]].data
    excluded = {e.study: e for n in names for e in specs[n].data.excluded}
    return Averaging(
        first.outcome, first.k, models, averaged, inclusion, probs, tuple(excluded.values())
    )


def _prior(prior_prob, n: int) -> np.ndarray:
    if prior_prob is None:
        return np.full(n, 1.0 / n)
    prior = np.asarray(prior_prob, dtype=float)
    if prior.shape != (n,):
        raise InputError(f"--prior-prob: give one probability per model ({n}), got {prior.size}")
    if not np.all(np.isfinite(prior)) or np.any(prior <= 0):
        raise InputError("--prior-prob: every prior model probability must be positive")
    if abs(prior.sum() - 1.0) > 1e-6:
        raise InputError(
            f"--prior-prob: prior model probabilities must sum to 1, got {prior.sum():g}"
        )
    return prior / prior.sum()


def _levels(specs, cdfs, post) -> dict[str, dict[str, Interval]]:
    """Per covariate, averaged level rates over the models that either group by it or have no
    covariate (whose level rate is the pooled rate); skipped if any model has another covariate."""
    names = list(specs)
    covariates = {specs[n].by for n in names if specs[n].kind == "subgroup"}
    out = {}
    for cov in sorted(covariates):
        usable = all(
            (specs[n].kind == "subgroup" and specs[n].by == cov)
            or specs[n].kind in ("random", "common")
            for n in names
        )
        if not usable:
            continue
        levels = next(specs[n].groups for n in names if specs[n].kind == "subgroup")
        out[cov] = {}
        for level in levels:
            curves = []
            for n, c in zip(names, cdfs, strict=True):
                part = c["levels"][level] if specs[n].kind == "subgroup" else c["pooled_median"]
                curves.append((part.x, part.cdf))
            out[cov][level] = mixture_interval(curves, post)
    return out


def average_specs(paths, *, prior_prob=None, thresholds=()) -> Averaging:
    """:func:`average` of spec files (each model named by its spec's name).

    Parameters
    ----------
    paths : sequence of str or Path
        TOML spec files of the same data and outcome.
    prior_prob : sequence of float, optional
        Prior model probabilities in the order of ``paths`` (default equal).
    thresholds : iterable of float
        Rates X for the averaged ``prob_above``.

    Returns
    -------
    Averaging

    Raises
    ------
    SpecError, InputError
        A bad spec file (naming file and key); specs of different data; duplicate names.
    """
    from bayesmeta.analysis.fitting import to_model
    from bayesmeta.analysis.specfile import load_spec

    specs: dict[str, ModelSpec] = {}
    for path in paths:
        spec = load_spec(path)
        if spec.multiverse is not None:
            raise InputError(
                f"{path}: [multiverse]: a multiverse spec is many analyses, not one model to "
                "average; run it with bayesmeta multiverse, or remove the table"
            )
        if spec.name in specs:
            raise InputError(f"{path}: two specs are named '{spec.name}'; names must differ")
        specs[spec.name] = to_model(spec)
    return average(specs, prior_prob=prior_prob, thresholds=thresholds)


def average_or_none(names, models) -> Averaging | None:
    """:func:`average` of models by name, or None when it cannot be done (fewer than two
    models, other data, or a model without exact evidence).

    Parameters
    ----------
    names : sequence of str
        Model names.
    models : sequence of ModelSpec
        The models.

    Returns
    -------
    Averaging or None
    """
    if len(models) < 2:
        return None
    try:
        return average(dict(zip(names, models, strict=True)))
    except InputError:
        return None
