"""Joint-model draws -> `JointResult`: pooled rates, taus, correlations, decisions, diagnostics."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bayesmeta.data.metadata import Exclusion
from bayesmeta.errors import ConvergenceWarning
from bayesmeta.joint.decisions import (
    Condition,
    Given,
    conditional_effects,
    new_study_probability,
    pooled_indicator,
)
from bayesmeta.joint.nuts import JointDraws
from bayesmeta.joint.rates import RateMap, new_study_effects, population_mean, rate_map
from bayesmeta.joint.spec import JointSpec
from bayesmeta.model.result import Diagnostics, Interval

__all__ = ["JointResult", "rate_map", "summarize_joint"]


@dataclass
class JointResult:
    """What a joint fit returns (``to_dict`` is the CLI's JSON).

    Attributes
    ----------
    model : dict
        The model's description.
    k : int
        Studies.
    outcomes : dict
        Outcome -> ``{pooled_median, pooled_mean, new_study, tau}`` intervals (tau None for a
        nested inner outcome, whose rate is a product; its ``inner|outer`` entry has the tau).
    correlations : dict
        ``"a,b"`` -> interval of the correlation of the study effects.
    joint : list of dict
        ``{condition, pooled, new_study}`` with Monte Carlo SEs.
    conditional : list of dict
        ``{given, outcome, median, lo, hi}``: a new study's rate given what is known of it.
    study_rates : list of dict
        Shrunken rate of every study and outcome (predicted where not reported).
    coefficients : dict
        ``outcome:column`` -> interval (with covariates).
    diagnostics : Diagnostics
        R-hat, ESS, divergences.
    excluded : tuple of Exclusion
        Studies (or counts) left out, with the reason.
    nested : dict or None
        ``{mode, left_out}`` in the nested mode.
    engine : str
        ``"nuts"``.
    sampling : dict
        The NUTS settings (draws, tune, chains, seed, sampler).
    idata : object
        The posterior (ArviZ InferenceData).
    """

    model: dict
    k: int
    outcomes: dict[str, dict[str, Interval | None]]
    correlations: dict[str, Interval]
    joint: list[dict[str, Any]]
    conditional: list[dict[str, Any]]
    study_rates: list[dict[str, Any]]
    coefficients: dict[str, Interval]
    diagnostics: Diagnostics
    excluded: tuple[Exclusion, ...] = ()
    nested: dict[str, Any] | None = None
    engine: str = "nuts"
    sampling: dict[str, Any] = field(default_factory=dict)
    idata: object = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON payload (issue 20's keys: ``outcomes``, ``correlations``, ``joint``).

        Returns
        -------
        dict
        """
        return {
            "model": self.model,
            "engine": self.engine,
            "sampling": self.sampling,
            "k": self.k,
            "outcomes": {
                name: {q: None if iv is None else iv.to_dict() for q, iv in entry.items()}
                for name, entry in self.outcomes.items()
            },
            "correlations": {pair: iv.to_dict() for pair, iv in self.correlations.items()},
            "joint": self.joint,
            "conditional": self.conditional,
            "coefficients": {name: iv.to_dict() for name, iv in self.coefficients.items()},
            "study_rates": self.study_rates,
            "nested": self.nested,
            "diagnostics": self.diagnostics.to_dict(),
            "excluded": [e.to_dict() for e in self.excluded],
        }


def _interval(values: np.ndarray) -> Interval:
    lo, median, hi = np.quantile(values, [0.025, 0.5, 0.975])
    return Interval(median=float(median), lo=float(lo), hi=float(hi))


def _mcse_mean(values: np.ndarray, chains: int) -> float:
    import arviz as az

    dataset = az.convert_to_dataset({"x": values.reshape(chains, -1)})
    return float(az.mcse(dataset, method="mean")["x"])


def _diagnostics(draws: JointDraws) -> Diagnostics:
    import arviz as az

    idata = draws.idata
    names = [v for v in ("mu", "slopes", "tau", "corr") if v in idata.posterior]
    chains = idata.posterior.sizes["chain"]

    def extreme(dataset, pick) -> float:
        values = np.concatenate([np.ravel(dataset[v].to_numpy()) for v in dataset.data_vars])
        values = values[np.isfinite(values)]
        return float(pick(values)) if values.size else float("nan")

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=RuntimeWarning)  # the constant diagonal of corr
        rhat = extreme(az.rhat(idata, var_names=names), max) if chains > 1 else float("nan")
        bulk = extreme(az.ess(idata, var_names=names, method="bulk"), min)
        tail = extreme(az.ess(idata, var_names=names, method="tail"), min)
    seconds = float(draws.seconds)
    return Diagnostics(
        rhat,
        bulk,
        tail,
        int(draws.diverging.sum()),
        sampling_seconds=seconds if np.isfinite(seconds) and seconds > 0 else None,
    )


def summarize_joint(
    spec: JointSpec,
    draws: JointDraws,
    *,
    conditions: tuple[tuple[Condition, ...], ...] = (),
    given: tuple[Given, ...] = (),
    seed: int = 0,
) -> JointResult:
    """Summarize the draws of a joint fit.

    Parameters
    ----------
    spec : JointSpec
        The joint model.
    draws : JointDraws
        Its posterior draws.
    conditions : tuple of tuple of Condition, optional
        Each ``--joint`` option: conditions that must hold together.
    given : tuple of Given, optional
        Each ``--given`` option.
    seed : int, optional
        Seed of the new-study draws and Sobol points (same seed, same numbers).

    Returns
    -------
    JointResult
    """
    chains = draws.mu.shape[0]
    S = draws.mu.shape[0] * draws.mu.shape[1]
    L = draws.mu.shape[-1]
    problem = spec.problem
    mu = draws.mu.reshape(S, L)
    slopes = draws.slopes.reshape(S, L, -1)
    tau = draws.tau.reshape(S, L)
    corr = draws.corr.reshape(S, L, L)
    sigma = corr * tau[:, :, None] * tau[:, None, :]
    chol = np.linalg.cholesky(sigma + 1e-12 * np.eye(L))
    x_bar = problem.study_X.mean(axis=0)[1:]
    eta = mu + np.einsum("slp,p->sl", slopes, x_bar)
    mapping = rate_map(spec)
    pooled = mapping.rates(eta)
    mean_rates = population_mean(eta, chol, mapping)
    new = mapping.rates(eta + new_study_effects(chol, seed=seed))
    outcomes: dict[str, dict[str, Interval | None]] = {}
    for c, name in enumerate(spec.names):
        outcomes[name] = {
            "pooled_median": _interval(pooled[:, c]),
            "pooled_mean": _interval(mean_rates[:, c]),
            "new_study": _interval(new[:, c]),
            "tau": _interval(tau[:, c]) if mapping.times[c] is None else None,
        }
    if spec.nesting is not None:
        j = spec.data.index(spec.nesting.inner)
        from scipy.special import expit

        latent_new = expit(eta[:, j] + new_study_effects(chol, seed=seed)[:, j])
        outcomes[spec.nesting.latent_name] = {
            "pooled_median": _interval(expit(eta[:, j])),
            "pooled_mean": None,
            "new_study": _interval(latent_new),
            "tau": _interval(tau[:, j]),
        }
    names = problem.names
    correlations = {
        f"{names[a]},{names[b]}": _interval(corr[:, a, b])
        for a in range(L)
        for b in range(a + 1, L)
    }
    joint = []
    for number, group in enumerate(conditions):
        hits = pooled_indicator(pooled, group, spec.names)
        new_p = new_study_probability(eta, chol, group, mapping, seed=seed + 1 + number)
        joint.append(
            {
                "condition": ",".join(str(c) for c in group),
                "pooled": float(hits.mean()),
                "pooled_mcse": _mcse_mean(hits, chains),
                "new_study": float(new_p.mean()),
                "new_study_mcse": _mcse_mean(new_p, chains),
            }
        )
    conditional = []
    for number, known in enumerate(given):
        u = conditional_effects(eta, chol, known, mapping, seed=seed + 101 + number)
        rates = mapping.rates(eta + u)
        for c, name in enumerate(spec.names):
            if name != known.outcome:
                conditional.append(
                    {"given": str(known), "outcome": name, **_interval(rates[:, c]).to_dict()}
                )
    study_rates = _study_rates(spec, draws, mapping)
    coefficients = {}
    if problem.p > 1:
        for j, outcome in enumerate(names):
            coefficients[f"{outcome}:intercept"] = _interval(mu[:, j])
            for c, column in enumerate(problem.columns[1:]):
                coefficients[f"{outcome}:{column}"] = _interval(slopes[:, j, c])
    diagnostics = _diagnostics(draws)
    if diagnostics.problems():
        warnings.warn(
            f"joint model: sampling diagnostics failed: {'; '.join(diagnostics.problems())} "
            "(increase --tune/--draws, or check the model)",
            ConvergenceWarning,
            stacklevel=2,
        )
    nested = None
    if spec.nesting is not None:
        nested = {
            "mode": spec.nesting.text,
            "left_out": [e.to_dict() for e in spec.nesting.left_out],
        }
    return JointResult(
        model=spec.describe(),
        k=spec.data.k,
        outcomes=outcomes,
        correlations=correlations,
        joint=joint,
        conditional=conditional,
        study_rates=study_rates,
        coefficients=coefficients,
        diagnostics=diagnostics,
        excluded=spec.data.excluded,
        nested=nested,
        idata=draws.idata,
    )


def _study_rates(spec: JointSpec, draws: JointDraws, mapping: RateMap) -> list[dict[str, Any]]:
    if draws.u.shape[-2] != spec.problem.k:
        return []  # saved draws without the study effects (load_draws): pooled quantities only
    S = draws.mu.shape[0] * draws.mu.shape[1]
    L = draws.mu.shape[-1]
    problem = spec.problem
    mu = draws.mu.reshape(S, L)
    slopes = draws.slopes.reshape(S, L, -1)
    u = draws.u.reshape(S, problem.k, L)
    eta = mu[:, None, :] + np.einsum("slp,ip->sil", slopes, problem.study_X[:, 1:])
    rates = mapping.rates(eta + u)
    data = spec.data
    rows = []
    for i, study in enumerate(data.studies):
        for c, name in enumerate(spec.names):
            reported = bool(data.reported[i, c])
            rows.append(
                {
                    "study": study,
                    "outcome": name,
                    "reported": reported,
                    "events": int(data.events[i, c]) if reported else None,
                    "total": int(data.total[i, c]) if reported else None,
                    **_interval(rates[:, i, c]).to_dict(),
                }
            )
    return rows
