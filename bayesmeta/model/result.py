"""What every Bayesian fit returns, whichever engine (NUTS or quadrature) produced it.

These are plain containers with JSON conversion; the numbers are computed by the engines
(:mod:`bayesmeta.nuts` for NUTS, :mod:`bayesmeta.quad` for the exact engine).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from bayesmeta.data.metadata import Exclusion
from bayesmeta.model.deferred import EMPTY, DeferredField

#: Thresholds behind :attr:`Diagnostics.ok`; documented in the README.
RHAT_MAX = 1.01
ESS_MIN = 400


@dataclass(frozen=True)
class Interval:
    """Posterior median and the bounds of a 95% interval (equal-tailed unless ``kind``).

    Attributes
    ----------
    median : float
        Posterior median.
    lo : float
        Lower bound of the interval (95% unless stated).
    hi : float
        Upper bound of the interval (95% unless stated).
    kind : str, optional
        ``"eti"`` (equal-tailed) or ``"hdi"`` (highest density).
    """

    median: float
    lo: float
    hi: float
    kind: str = "eti"

    def to_dict(self) -> dict[str, float]:
        return {"median": float(self.median), "lo": float(self.lo), "hi": float(self.hi)}


@dataclass(frozen=True)
class Contrast:
    """Difference in rates between two levels, ``rate_a - rate_b``, and P(rate_a > rate_b).

    Attributes
    ----------
    a : str
        First level.
    b : str
        Second level.
    median : float
        Posterior median.
    lo : float
        Lower bound of the interval (95% unless stated).
    hi : float
        Upper bound of the interval (95% unless stated).
    prob_a_greater : float
        Posterior probability that rate a exceeds rate b.
    """

    a: str
    b: str
    median: float
    lo: float
    hi: float
    prob_a_greater: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "median": float(self.median),
            "lo": float(self.lo),
            "hi": float(self.hi),
            "prob_a_greater": float(self.prob_a_greater),
        }


@dataclass(frozen=True)
class Diagnostics:
    """Sampling diagnostics; for the quadrature engine R-hat/ESS are None and divergences 0.

    Attributes
    ----------
    rhat_max : float or None
        Largest R-hat over the sampled parameters (None for the exact engine).
    ess_bulk_min : float or None
        Smallest bulk effective sample size (None for the exact engine).
    ess_tail_min : float or None
        Smallest tail effective sample size (None for the exact engine).
    divergences : int
        Number of divergent transitions.
    engine_note : str, optional
        A note from the engine (e.g. the exact engine's accuracy controls).
    sampling_seconds : float, optional
        NUTS: wall-clock seconds of the sampling (compiling excluded); not part of
        :meth:`to_dict` nor of equality, so saved results stay reproducible.
    """

    rhat_max: float | None
    ess_bulk_min: float | None
    ess_tail_min: float | None
    divergences: int
    engine_note: str = ""
    sampling_seconds: float | None = field(default=None, compare=False)

    @property
    def ess_per_second(self) -> float | None:
        """Smallest bulk ESS per second of sampling (NUTS only; None when not measured)."""
        seconds = self.sampling_seconds
        if self.ess_bulk_min is None or seconds is None or not 0 < seconds < math.inf:
            return None  # NaN (a mocked or loaded sampler's time) is "not measured" too
        return float(self.ess_bulk_min / self.sampling_seconds)

    def timing(self) -> dict[str, float] | None:
        """Sampling time and ESS per second (NUTS), or None (exact engine).

        Returns
        -------
        dict or None
            ``sampling_seconds``, ``ess_bulk_per_second``, ``ess_tail_per_second``.
        """
        if self.ess_per_second is None or self.ess_tail_min is None:
            return None
        seconds = float(self.sampling_seconds)
        return {
            "sampling_seconds": seconds,
            "ess_bulk_per_second": self.ess_per_second,
            "ess_tail_per_second": float(self.ess_tail_min / seconds),
        }

    def problems(self) -> list[str]:
        """Human-readable list of failed checks (empty when all pass)."""
        found = []
        if self.rhat_max is not None and not self.rhat_max <= RHAT_MAX:
            found.append(f"max R-hat {self.rhat_max:.3f} > {RHAT_MAX}")
        if self.ess_bulk_min is not None and not self.ess_bulk_min >= ESS_MIN:
            found.append(f"min bulk ESS {self.ess_bulk_min:.0f} < {ESS_MIN}")
        if self.ess_tail_min is not None and not self.ess_tail_min >= ESS_MIN:
            found.append(f"min tail ESS {self.ess_tail_min:.0f} < {ESS_MIN}")
        if self.divergences:
            found.append(f"{self.divergences} divergent transitions")
        return found

    @property
    def ok(self) -> bool:
        return not self.problems()

    @property
    def sampled(self) -> bool:
        """Whether anything was sampled (False for the exact engine: no R-hat, no ESS)."""
        values = (self.rhat_max, self.ess_bulk_min, self.ess_tail_min)
        return any(v is not None and math.isfinite(v) for v in values)

    def to_dict(self) -> dict[str, Any]:
        def number(value: float | None) -> float | None:
            return None if value is None or not math.isfinite(value) else float(value)

        return {
            "rhat_max": number(self.rhat_max),
            "ess_bulk_min": number(self.ess_bulk_min),
            "ess_tail_min": number(self.ess_tail_min),
            "divergences": int(self.divergences),
            "ok": self.ok,
            "sampled": self.sampled,
        }


@dataclass
class BayesResult:
    """The summary of one Bayesian fit.

    Attributes
    ----------
    engine : str
        "nuts" (PyMC, nutpie or numpyro) or "quadrature".
    model : dict
        Description of the model: kind, formula / by, priors, settings (JSON-ready).
    pooled_median : Interval
        expit(mu): the median study's rate (what metafor and meta report as the pooled rate).
    pooled_mean : Interval
        Population-averaged rate E[expit(mu + u)], u ~ N(0, tau).
    new_study : Interval
        Predictive rate of a new study, expit(mu + u_new).
    tau : Interval or None
        Between-study SD (None for the common-effect model; per level in ``taus``).
    study_rates : pandas.DataFrame
        study, events, total, observed, median, lo, hi: shrunken study rates.
    rates : dict of str to Interval
        Rate of each level of the grouping covariate (``by``) or categorical regressor.
    rates_mean : dict of str to Interval
        Population-averaged rate of each level, E[expit(eta_level + u)] (NUTS engine; may be
        empty for other engines).
    contrasts : list of Contrast
        Every pair of levels.
    taus : dict of str to Interval
        tau per level for the subgroup model with separate tau.
    coefficients : dict of str to Interval
        Regression coefficients on the logit scale (regression model).
    diagnostics : Diagnostics
    excluded : tuple of Exclusion
    idata : arviz.InferenceData or None
        Posterior draws, log-likelihood and observed data (NUTS engine).
    log_evidence : float or None
        log p(y), the log marginal likelihood of the counts with the binomial coefficients
        included (exact engine; None for NUTS).
    log_evidence_error : float or None
        Its numerical error: the change of ``log_evidence`` between two accuracy levels of the
        exact engine. Computed when first read (a finer grid; see
        :mod:`bayesmeta.model.deferred`).
    bayes_factors : dict of str to BayesFactor
        Exact engine: ``heterogeneity``, one per covariate, ``pooled_vs_benchmark`` (see
        :mod:`bayesmeta.model.bayes_factor`); empty for NUTS. Computed when first read (a fit
        of every companion model).
    prob_above : dict
        P(rate > X) per threshold ``"X"``: ``pooled_median``, ``pooled_mean``, ``new_study``,
        ``levels`` (exact from the engine's CDFs, or from draws for NUTS).
    parameters : dict of str to Interval
        A likelihood's own parameters and what derives from them (beta-binomial: ``phi`` and
        the intra-class correlation ``icc``), each a top-level key of the JSON.
    posterior : object or None
        The engine's posterior (the exact engine's grids or nodes; NUTS: the InferenceData),
        reused by draws, LOO, CDFs and evidence so they never rebuild it; not in the JSON.
    """

    engine: str
    model: dict[str, Any]
    pooled_median: Interval
    pooled_mean: Interval
    new_study: Interval
    tau: Interval | None
    study_rates: pd.DataFrame
    diagnostics: Diagnostics
    excluded: tuple[Exclusion, ...] = ()
    rates: dict[str, Interval] = field(default_factory=dict)
    contrasts: list[Contrast] = field(default_factory=list)
    taus: dict[str, Interval] = field(default_factory=dict)
    coefficients: dict[str, Interval] = field(default_factory=dict)
    idata: Any = None
    rates_mean: dict[str, Interval] = field(default_factory=dict)
    log_evidence: float | None = None
    log_evidence_error: float | None = DeferredField(None)
    bayes_factors: dict[str, Any] = DeferredField(EMPTY)
    prob_above: dict[str, Any] = field(default_factory=dict)
    parameters: dict[str, Interval] = field(default_factory=dict)
    posterior: Any = field(default=None, repr=False, compare=False)

    def updated(self, **changes: Any) -> BayesResult:
        """A copy with ``changes``, leaving deferred values deferred (unlike ``dataclasses.replace``,
        which reads, and so computes, every field).

        Parameters
        ----------
        **changes
            Field values to set.

        Returns
        -------
        BayesResult
        """
        new = copy.copy(self)
        for name, value in changes.items():
            if name not in self.__dataclass_fields__:
                raise TypeError(f"BayesResult has no field '{name}'")
            setattr(new, name, value)
        return new

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``bayesmeta fit --json``."""
        result: dict[str, Any] = {
            "engine": self.engine,
            "likelihood": self.model.get("likelihood", "binomial"),
            "model": self.model,
            "k": int(len(self.study_rates)),
            "pooled_median": self.pooled_median.to_dict(),
            "pooled_mean": self.pooled_mean.to_dict(),
            "new_study": self.new_study.to_dict(),
            "tau": None if self.tau is None else self.tau.to_dict(),
            "diagnostics": self.diagnostics.to_dict(),
            "excluded": [e.to_dict() for e in self.excluded],
            "study_rates": [
                {
                    key: (value.item() if hasattr(value, "item") else value)
                    for key, value in row.items()
                }
                for row in self.study_rates.to_dict(orient="records")
            ],
        }
        if self.rates:
            result["rates"] = {level: iv.to_dict() for level, iv in self.rates.items()}
            result["contrasts"] = [c.to_dict() for c in self.contrasts]
        if self.rates_mean:
            result["rates_mean"] = {level: iv.to_dict() for level, iv in self.rates_mean.items()}
        if self.taus:
            result["taus"] = {level: iv.to_dict() for level, iv in self.taus.items()}
        if self.coefficients:
            result["coefficients"] = {name: iv.to_dict() for name, iv in self.coefficients.items()}
        if self.log_evidence is not None:
            result["log_evidence"] = float(self.log_evidence)
            result["log_evidence_error"] = (
                None if self.log_evidence_error is None else float(self.log_evidence_error)
            )
        if self.bayes_factors:
            result["bayes_factors"] = {n: bf.to_dict() for n, bf in self.bayes_factors.items()}
        if self.prob_above:
            result["prob_above"] = self.prob_above
        for name, iv in self.parameters.items():
            result[name] = iv.to_dict()
        return result
