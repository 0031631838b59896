"""Exact leave-one-study-out log predictive densities, log p(y_i | y_-i), by refitting.

Models of the exact engine (random, common, subgroup) use
:func:`bayesmeta.quad.loo_log_predictive` (grid reweighting, refitting the grid where the
left-out posterior leaves it). Regression models are refitted by NUTS with the study's
binomial likelihood switched off (its events and total set to 0, so it keeps its place in the
design and its level), and the held-out density is averaged over the refit's draws of the
study's eta and tau with the random effect integrated out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from bayesmeta.analysis.loo import log_predictive
from bayesmeta.bayes.spec import ModelSpec
from bayesmeta.data.metadata import MetaData


def log_evidence(spec: ModelSpec) -> float:
    """log p(y) of a model of the exact engine (binomial coefficients included).

    Parameters
    ----------
    spec : ModelSpec
        The model specification.

    Returns
    -------
    float
    """
    from bayesmeta.quad import posterior_grid
    from bayesmeta.quad.controls import Accuracy
    from bayesmeta.quad.groups import build_group_grids

    if spec.kind == "subgroup":
        return float(build_group_grids(spec, accuracy=Accuracy()).log_marginal_likelihood)
    return float(posterior_grid(spec).log_marginal_likelihood)


def quadrature_exact(spec: ModelSpec) -> Callable[[str], float]:
    """``exact(study)`` for a model of the exact engine.

    Uses :func:`bayesmeta.quad.loo_log_predictive` (all studies at once, computed lazily). That
    function refuses a subgroup model in which some study is alone in its level; such a study's
    leave-one-out density is still defined (its level's mean then has its prior, and a shared tau
    its posterior given the other levels), so for those models every requested study uses
    ``log p(y) - log p(y_-i)``, the second evidence computed without the study (and without its
    level when it was the last study of it).

    Parameters
    ----------
    spec : ModelSpec
        The model specification.

    Returns
    -------
    Callable[[str], float]
    """
    cache: dict[str, float] = {}
    state: dict[str, float] = {}

    def exact(study: str) -> float:
        from bayesmeta.errors import InputError

        if study in cache:
            return cache[study]
        if "evidence" not in state:
            from bayesmeta.quad import loo_log_predictive

            try:
                values = loo_log_predictive(spec)
            except InputError:
                state["evidence"] = log_evidence(spec)
            else:
                state["evidence"] = float("nan")
                cache.update(zip(spec.data.studies, map(float, values), strict=True))
                return cache[study]
        reduced = dataclasses.replace(spec, data=spec.data.without(study, reason="left out"))
        cache[study] = state["evidence"] - log_evidence(reduced)
        return cache[study]

    return exact


def without_likelihood(data: MetaData, study: str) -> MetaData:
    """The same studies with ``study``'s binomial likelihood switched off (0 events of 0).

    Parameters
    ----------
    data : MetaData
        Validated events, totals and covariates per study.
    study : str
        Label of the study.

    Returns
    -------
    MetaData
    """
    position = data.studies.index(study)
    events = np.array(data.events)
    total = np.array(data.total)
    events[position] = 0
    total[position] = 0
    return dataclasses.replace(data, events=events, total=total)


def nuts_exact(
    spec: ModelSpec, *, draws: int, tune: int, chains: int, seed: int, sampler: str
) -> Callable[[str], float]:
    """``exact(study)`` by a NUTS refit without the study's likelihood.

    Parameters
    ----------
    spec : ModelSpec
        The model specification.
    draws : int
        Draws per chain.
    tune : int
        Tuning steps per chain.
    chains : int
        Number of chains.
    seed : int
        Random seed.
    sampler : str
        NUTS implementation: ``"pymc"``, ``"nutpie"`` or ``"numpyro"``.

    Returns
    -------
    Callable[[str], float]
    """

    def exact(study: str) -> float:
        from bayesmeta.analysis.draws import from_idata
        from bayesmeta.bayes.draws import to_inference_data
        from bayesmeta.bayes.sampling import TARGET_ACCEPT, sample

        position = spec.data.studies.index(study)
        held_out = dataclasses.replace(spec, data=without_likelihood(spec.data, study))
        raw = sample(
            held_out,
            draws=draws,
            tune=tune,
            chains=chains,
            seed=seed,
            sampler=sampler,
            target_accept=TARGET_ACCEPT,
        )
        study_draws = from_idata(held_out, to_inference_data(held_out, raw))
        return log_predictive(
            float(spec.data.events[position]),
            float(spec.data.total[position]),
            study_draws.eta[..., position],
            study_draws.tau[..., position],
        )

    return exact
