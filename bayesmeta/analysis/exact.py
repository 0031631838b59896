"""Exact leave-one-study-out log predictive densities, log p(y_i | y_-i), by refitting.

Models of the exact engine use :func:`bayesmeta.engines.exact_loo` (grid reweighting,
refitting the grid where the left-out posterior leaves it). Other models are refitted through
the engine boundary (:func:`bayesmeta.engines.fit`, NUTS) with the study's binomial likelihood
switched off (its events and total set to 0, so it keeps its place in the
design and its level), and the held-out density is averaged over the refit's draws of the
study's eta and tau with the random effect integrated out.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable

import numpy as np

from bayesmeta import engines
from bayesmeta.analysis.loo import log_predictive
from bayesmeta.data.metadata import MetaData
from bayesmeta.engines import log_evidence
from bayesmeta.errors import ConvergenceWarning, InputError
from bayesmeta.model.spec import ModelSpec


def quadrature_exact(spec: ModelSpec) -> Callable[[str], float]:
    """``exact(study)`` for a model of the exact engine.

    Uses :func:`bayesmeta.engines.exact_loo` (all studies at once, computed lazily). That
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
        if study in cache:
            return cache[study]
        if "evidence" not in state:
            try:
                values = engines.exact_loo(spec)
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
    spec: ModelSpec,
    *,
    draws: int,
    tune: int,
    chains: int,
    seed: int,
    sampler: str,
    engine: str | None = None,
) -> Callable[[str], float]:
    """``exact(study)`` by a sampling refit without the study's likelihood (through the boundary).

    Each call refits the model with the study's events and total set to 0 (see
    :func:`without_likelihood`), NUTS convergence warnings of the refit silenced, and averages
    the study's binomial likelihood, with its random effect integrated out, over the refit's
    draws of its ``eta`` and ``tau``.

    Parameters
    ----------
    spec : ModelSpec
        The model specification.
    draws : int
        Posterior draws per chain of each refit.
    tune : int
        Tuning steps per chain of each refit.
    chains : int
        Number of chains of each refit.
    seed : int
        Random seed of each refit.
    sampler : {"pymc", "nutpie", "numpyro"}
        NUTS implementation used by :func:`bayesmeta.engines.fit`.
    engine : str, optional
        The engine of the refits (the one that fitted ``spec``; default the preferred sampling
        engine, :func:`bayesmeta.engines.sampling_engine`).

    Returns
    -------
    Callable[[str], float]
        ``exact(study)``: log p(y_i | y_-i) for the study labelled ``study``.
    """

    chosen = engine or engines.sampling_engine(spec)

    def exact(study: str) -> float:
        from bayesmeta.analysis.draws import from_idata

        position = spec.data.studies.index(study)
        held_out = dataclasses.replace(spec, data=without_likelihood(spec.data, study))
        with warnings.catch_warnings():
            # the refit's own diagnostics are not reported: only its draws of the study are used
            warnings.simplefilter("ignore", ConvergenceWarning)
            result = engines.fit(
                held_out,
                engine=chosen,
                draws=draws,
                tune=tune,
                chains=chains,
                seed=seed,
                sampler=sampler,
            )
        study_draws = from_idata(held_out, result.idata)
        return log_predictive(
            float(spec.data.events[position]),
            float(spec.data.total[position]),
            study_draws.eta[..., position],
            study_draws.tau[..., position],
        )

    return exact
