"""The Bayesian one-stage IPD model: exact (random intercept) or NUTS (every variant).

    logit p_ij = alpha + u_i + sum_x (bW_x within_ij + bA_x across_i),   u_i ~ N(0, tau^2)

Priors (settable): ``alpha, b ~ normal(0, 2.5)``, ``tau ~ halfnormal(1.5)``. The exact engine
integrates the random-intercept model by nested adaptive quadrature (a meta-regression whose
studies have many rows sharing one effect; :mod:`bayesmeta.quad.regression.grouped`) and gives
the log evidence; NUTS fits every variant, including a random slope on one within-trial
modifier (``random_slope``), independent of the intercept. ``engine="auto"`` is exact unless a
random slope asks for NUTS.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from bayesmeta import engines
from bayesmeta.errors import ConvergenceWarning, InputError
from bayesmeta.ipd import ENGINES
from bayesmeta.ipd.differences import difference_rows
from bayesmeta.ipd.glmm import sorted_rows
from bayesmeta.ipd.within_across import WITHIN, IpdDesign
from bayesmeta.model.engine_api import FitOptions
from bayesmeta.model.grouped import GroupedModel
from bayesmeta.model.options import NUTS_IPD
from bayesmeta.model.priors import Prior, parse_prior
from bayesmeta.model.result import Diagnostics, Interval

PROB = 0.95


@dataclass(frozen=True)
class IpdPriors:
    """Priors of the one-stage model.

    Attributes
    ----------
    intercept : Prior
        alpha (default normal(0, 2.5)).
    beta : Prior
        Every within and across coefficient (default normal(0, 2.5)).
    tau : Prior
        Between-trial SD (default halfnormal(1.5)); also the random slope's SD.
    """

    intercept: Prior = field(default_factory=lambda: parse_prior("normal(0, 2.5)", role="location"))
    beta: Prior = field(default_factory=lambda: parse_prior("normal(0, 2.5)", role="location"))
    tau: Prior = field(default_factory=lambda: parse_prior("halfnormal(1.5)", role="scale"))

    @classmethod
    def from_strings(
        cls, *, intercept: str | None = None, beta: str | None = None, tau: str | None = None
    ) -> IpdPriors:
        """Priors from strings (None keeps the default).

        Parameters
        ----------
        intercept, beta, tau : str, optional
            E.g. ``"normal(0, 5)"``, ``"halfnormal(1)"``.

        Returns
        -------
        IpdPriors
        """
        base = cls()
        return cls(
            intercept=parse_prior(intercept, role="location", name="intercept prior")
            if intercept
            else base.intercept,
            beta=parse_prior(beta, role="location", name="beta prior") if beta else base.beta,
            tau=parse_prior(tau, role="scale", name="tau prior") if tau else base.tau,
        )

    def describe(self) -> dict[str, str]:
        """JSON form.

        Returns
        -------
        dict
        """
        return {"intercept": str(self.intercept), "beta": str(self.beta), "tau": str(self.tau)}


@dataclass(frozen=True)
class IpdBayesResult:
    """A Bayesian fit of the one-stage model.

    Attributes
    ----------
    engine : str
        "quadrature" or "nuts".
    coefficients : dict of str to Interval
        intercept, ``x:within``, ``x:across`` (posterior median and 95% equal-tailed interval).
    prob_negative : dict of str to float
        P(coefficient < 0) per coefficient.
    differences : dict of str to dict
        Per modifier: bW - bA as {median, lo, hi, prob_negative}.
    tau : Interval
    slope_sd : Interval or None
        SD of the random slope (NUTS with ``random_slope``).
    diagnostics : Diagnostics
    log_evidence, log_evidence_error : float or None
        Exact engine only.
    priors : IpdPriors
    random_slope : str or None
    settings : dict
        NUTS settings (draws, tune, chains, seed, the sampler that ran, target_accept); empty
        for the exact engine.
    """

    engine: str
    coefficients: dict[str, Interval]
    prob_negative: dict[str, float]
    differences: dict[str, dict[str, float]]
    tau: Interval
    diagnostics: Diagnostics
    priors: IpdPriors
    slope_sd: Interval | None = None
    log_evidence: float | None = None
    log_evidence_error: float | None = None
    random_slope: str | None = None
    settings: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (``bayesmeta ipd --json``).

        Returns
        -------
        dict
        """
        out: dict[str, Any] = {
            "engine": self.engine,
            "priors": self.priors.describe(),
            "coefficients": {
                name: {**iv.to_dict(), "prob_negative": self.prob_negative[name]}
                for name, iv in self.coefficients.items()
            },
            "differences": self.differences,
            "tau": self.tau.to_dict(),
            "diagnostics": {**self.diagnostics.to_dict(), "note": self.diagnostics.engine_note},
        }
        if self.settings:
            out["sampler"] = self.settings
        if self.random_slope:
            out["random_slope"] = {"column": self.random_slope, "sd": self.slope_sd.to_dict()}
        if self.log_evidence is not None:
            out["log_evidence"] = self.log_evidence
            out["log_evidence_error"] = self.log_evidence_error
        return out


def _arrays(design: IpdDesign):
    order, starts = sorted_rows(design)
    data = design.data
    return (
        design.matrix[order],
        np.asarray(data.events, float)[order],
        np.asarray(data.total, float)[order],
        starts,
    )


def _difference_entry(median, lo, hi, prob_negative) -> dict[str, float]:
    return {
        "median": float(median),
        "lo": float(lo),
        "hi": float(hi),
        "prob_negative": float(prob_negative),
    }


def _summary(values: np.ndarray) -> Interval:
    med, lo, hi = np.quantile(values, [0.5, (1 - PROB) / 2, (1 + PROB) / 2])
    return Interval(float(med), float(lo), float(hi))


def resolve_engine(engine: str, *, random_slope: str | None) -> str:
    """The engine that runs: "auto" is exact unless a random slope needs NUTS.

    Parameters
    ----------
    engine : str
        "auto", "quadrature" or "nuts".
    random_slope : str or None
        Modifier with a random slope.

    Returns
    -------
    str
    """
    if engine not in ENGINES:
        raise InputError(f"unknown engine '{engine}' (choose from {', '.join(ENGINES)})")
    if engine == "auto":
        return "nuts" if random_slope else "quadrature"
    if engine == "quadrature" and random_slope:
        raise InputError(
            "a random slope needs engine 'nuts' (the exact engine integrates one effect per trial)"
        )
    return engine


def fit_ipd(
    design: IpdDesign,
    *,
    engine: str = "auto",
    priors: IpdPriors | None = None,
    random_slope: str | None = None,
    draws: int | None = None,
    tune: int | None = None,
    chains: int | None = None,
    seed: int | None = None,
    target_accept: float | None = None,
) -> IpdBayesResult:
    """Fit the one-stage model (see the module docstring).

    Parameters
    ----------
    design : IpdDesign
        From :func:`bayesmeta.ipd.within_across.ipd_design`.
    engine : str
        "auto" (exact unless ``random_slope``), "quadrature" or "nuts".
    priors : IpdPriors, optional
        Priors (defaults above).
    random_slope : str, optional
        Modifier column (e.g. ``"bridging"``) whose within-trial effect varies across trials.
    draws, tune, chains, seed, target_accept
        NUTS settings; each one not given (None) is the IPD model's default
        (:data:`~bayesmeta.model.options.NUTS_IPD`: every NUTS path's 4 chains of 1000 draws
        after 1000 tuning steps, target acceptance
        :data:`~bayesmeta.model.options.IPD_TARGET_ACCEPT`).

    Returns
    -------
    IpdBayesResult
    """
    priors = priors or IpdPriors()
    used = resolve_engine(engine, random_slope=random_slope)
    slope_column = None
    if random_slope is not None:
        name = f"{random_slope}:{WITHIN}"
        if name not in design.columns:
            raise InputError(
                f"random slope '{random_slope}': no within-trial column (modifier columns with"
                f" one: {', '.join(m for m in design.modifiers if m not in design.trial_level)})"
            )
        slope_column = design.columns.index(name)
    X, events, total, starts = _arrays(design)
    contrasts = {f"{m}:difference": row for m, row in difference_rows(design).items()}
    model = GroupedModel(
        X=X,
        events=events,
        total=total,
        starts=starts,
        columns=tuple(design.columns),
        coef_priors=(priors.intercept, *[priors.beta] * (design.p - 1)),
        tau_prior=priors.tau,
        contrasts=contrasts,
        slope_column=slope_column,
    )
    if used == "quadrature":
        exact = engines.fit_grouped(model, engine="quadrature")
        differences = {
            name.split(":")[0]: _difference_entry(
                iv.median, iv.lo, iv.hi, exact.prob_negative[name]
            )
            for name, iv in exact.contrasts.items()
        }
        return IpdBayesResult(
            engine="quadrature",
            coefficients=exact.coefficients,
            prob_negative={c: exact.prob_negative[c] for c in design.columns},
            differences=differences,
            tau=exact.tau,
            diagnostics=Diagnostics(None, None, None, 0, engine_note=exact.note),
            priors=priors,
            log_evidence=exact.log_evidence,
            log_evidence_error=exact.log_evidence_error,
        )
    asked = {
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "seed": seed,
        "target_accept": target_accept,
    }
    nuts = replace(NUTS_IPD, **{key: value for key, value in asked.items() if value is not None})
    draws_, diag = engines.fit_grouped(model, engine="nuts", options=FitOptions(nuts=nuts))
    if not diag.ok:
        warnings.warn(
            f"IPD NUTS fit: {'; '.join(diag.problems())}", ConvergenceWarning, stacklevel=2
        )
    ran = replace(nuts, sampler=draws_.sampler)
    beta = draws_.beta.reshape(-1, design.p)
    differences = {}
    for name, row in contrasts.items():
        values = beta @ row
        iv = _summary(values)
        differences[name.split(":")[0]] = _difference_entry(
            iv.median, iv.lo, iv.hi, np.mean(values < 0)
        )
    return IpdBayesResult(
        engine="nuts",
        coefficients={c: _summary(beta[:, j]) for j, c in enumerate(design.columns)},
        prob_negative={c: float(np.mean(beta[:, j] < 0)) for j, c in enumerate(design.columns)},
        differences=differences,
        tau=_summary(draws_.tau.ravel()),
        diagnostics=diag,
        priors=priors,
        slope_sd=None if draws_.slope_sd is None else _summary(draws_.slope_sd.ravel()),
        random_slope=random_slope,
        settings={"sampler": ran.sampler, **ran.to_dict()},  # the sampler that ran first
    )
