"""One IPD analysis from start to end: design, the one-stage fit, and the naive comparison.

Used by ``bayesmeta ipd`` and by spec files of ``kind = "ipd"``: the one-stage estimates
(Bayesian or GLMM) beside what pooling patients across trials gives (the stratified rates and
risk ratios an IPD paper reports when it ignores the trials).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bayesmeta.data.patient_table import PatientData
from bayesmeta.errors import InputError
from bayesmeta.formula import parse_formula
from bayesmeta.ipd import METHODS
from bayesmeta.ipd.bayes import IpdBayesResult, IpdPriors, fit_ipd
from bayesmeta.ipd.glmm import IpdGlmmResult, fit_ipd_glmm
from bayesmeta.ipd.naive import stratified_rates
from bayesmeta.ipd.within_across import IpdDesign, ipd_design

#: The approximation aggregate trials make, stated in every result that uses them.
AGGREGATE_NOTE = (
    "aggregate trials enter as one row with within = 0 and across = the reported mean: their"
    " log odds are taken at the mean covariate, but the logit of a mean rate is not the mean of"
    " the patients' logits; they inform the intercept, across effects and tau, never within"
    " effects"
)


@dataclass(frozen=True)
class IpdAnalysis:
    """The result of one IPD analysis.

    Attributes
    ----------
    design : IpdDesign
    method : str
        "bayes" or "GLMM".
    bayes : IpdBayesResult or None
    glmm : IpdGlmmResult or None
    naive : dict of str to pandas.DataFrame
        Categorical or 0/1 modifier -> its pooled stratified rates and risk ratios.
    data_note : str
        A label carried into every output (e.g. that the data are SIMULATED).
    """

    design: IpdDesign
    method: str
    bayes: IpdBayesResult | None = None
    glmm: IpdGlmmResult | None = None
    naive: dict[str, pd.DataFrame] = field(default_factory=dict)
    data_note: str = ""

    def one_stage_or(self, column: str) -> tuple[float, float, float]:
        """Odds ratio of a coefficient with its interval (median/estimate, lo, hi).

        Parameters
        ----------
        column : str
            Coefficient name, e.g. ``bridging:within``.

        Returns
        -------
        tuple of float
        """
        if self.bayes is not None:
            iv = self.bayes.coefficients[column]
            return float(np.exp(iv.median)), float(np.exp(iv.lo)), float(np.exp(iv.hi))
        c = self.glmm.coefficients[column]
        return float(np.exp(c["estimate"])), float(np.exp(c["ci"][0])), float(np.exp(c["ci"][1]))

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``bayesmeta ipd --json``.

        Returns
        -------
        dict
        """
        design, data = self.design, self.design.data
        fit = (self.bayes or self.glmm).to_dict()
        out: dict[str, Any] = {
            "kind": "ipd",
            "method": self.method,
            "outcome": data.outcome,
            "modifiers": design.formula,
            "k": data.k,
            "n_patients": data.n_patients,
            "aggregate_trials": list(data.aggregate_trials),
            **fit,
            "no_within": {m: list(t) for m, t in design.no_within.items()},
            "trial_level": list(design.trial_level),
            "naive": {
                m: _records(table.assign(**self._one_stage_columns(m, table)))
                for m, table in self.naive.items()
            },
            "excluded": [e.to_dict() for e in data.excluded],
        }
        if data.aggregate_trials:
            out["aggregate_note"] = AGGREGATE_NOTE
        if self.data_note:
            out["data_note"] = self.data_note
        return out

    def _one_stage_columns(self, modifier: str, table: pd.DataFrame) -> dict[str, list]:
        """One-stage within and across odds ratios of each non-reference level."""
        columns = {k: [] for k in ("or_within", "or_within_lo", "or_within_hi", "or_across")}
        for level in table["level"]:
            name = _column_of(self.design, modifier, level)
            for key in columns:
                columns[key].append(np.nan)
            if name is None:
                continue
            within, across = f"{name}:within", f"{name}:across"
            if within in self.design.columns:
                est, lo, hi = self.one_stage_or(within)
                columns["or_within"][-1], columns["or_within_lo"][-1] = est, lo
                columns["or_within_hi"][-1] = hi
            columns["or_across"][-1] = self.one_stage_or(across)[0]
        return columns


def _column_of(design: IpdDesign, modifier: str, level: str) -> str | None:
    if modifier in design.factors:
        name = f"{modifier}[{level}]"
        return name if name in design.modifiers else None
    if modifier in design.modifiers and str(level) in ("1", "1.0"):
        return modifier
    return None


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {k: (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def _naive_modifiers(data: PatientData, formula: str) -> list[str]:
    chosen = []
    for name in parse_formula(formula).covariates:
        values = data.covariates[name][~np.asarray(data.aggregate)].dropna()
        numeric = pd.api.types.is_numeric_dtype(values)
        if not numeric or set(pd.unique(values)) <= {0, 1}:
            if values.nunique() <= 10:
                chosen.append(name)
    return chosen


def run_ipd(
    data: PatientData,
    *,
    modifiers: str,
    method: str = "bayes",
    reference: Mapping[str, object] | None = None,
    engine: str = "auto",
    priors: IpdPriors | None = None,
    random_slope: str | None = None,
    level: float = 0.95,
    nuts: Mapping[str, Any] | None = None,
    data_note: str = "",
) -> IpdAnalysis:
    """Build the design, fit the one-stage model and compute the naive stratified rates.

    Parameters
    ----------
    data : PatientData
        Patient rows (with aggregate trials if any).
    modifiers : str
        Formula of modifiers, e.g. ``"bridging + age + female"``.
    method : str
        "bayes" (default) or "GLMM".
    reference : mapping, optional
        Categorical modifier -> reference level.
    engine : str
        Bayesian engine: "auto", "quadrature" or "nuts".
    priors : IpdPriors, optional
        Bayesian priors.
    random_slope : str, optional
        Modifier column with a random within-trial slope (NUTS).
    level : float
        GLMM confidence level.
    nuts : mapping, optional
        NUTS settings (draws, tune, chains, seed, target_accept; a missing or None one is the
        IPD model's default, :data:`~bayesmeta.model.options.NUTS_IPD`).
    data_note : str
        Label carried into the outputs.

    Returns
    -------
    IpdAnalysis
    """
    if method not in METHODS:
        raise InputError(f"unknown method '{method}' (choose from {', '.join(METHODS)})")
    design = ipd_design(data, modifiers, reference=reference)
    naive = {
        m: stratified_rates(data, m, reference=(reference or {}).get(m))
        for m in _naive_modifiers(data, modifiers)
    }
    if method == "GLMM":
        if random_slope:
            raise InputError("--random-slope needs the Bayesian method (NUTS)")
        return IpdAnalysis(
            design, method, glmm=fit_ipd_glmm(design, level=level), naive=naive, data_note=data_note
        )
    bayes = fit_ipd(
        design, engine=engine, priors=priors, random_slope=random_slope, **dict(nuts or {})
    )
    return IpdAnalysis(design, method, bayes=bayes, naive=naive, data_note=data_note)
