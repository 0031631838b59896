"""`sensitivity`: how far the pooled rates move across priors, studies and estimators."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from bayesmeta.data.metadata import MetaData
from bayesmeta.engines import DEFAULT_ENGINE
from bayesmeta.errors import ConvergenceWarning, InputError
from bayesmeta.model.spec import ModelSpec, build_model
from bayesmeta.sensitivity.fitter import Fitter, make_fitter
from bayesmeta.sensitivity.frequentist import DEFAULT_CORRECTIONS, DEFAULT_METHODS, freq_rows
from bayesmeta.sensitivity.grid import DEFAULT_MU_SCALES, DEFAULT_TAU_SCALES, TAU_FAMILIES
from bayesmeta.sensitivity.rows import COLUMNS, bayes_row, empty_row
from bayesmeta.sensitivity.settings import (
    Setting,
    baseline_setting,
    loo_settings,
    prior_settings,
    small_settings,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

#: What can be varied (``what=``), as on the command line.
WHAT: tuple[str, ...] = ("priors", "loo", "small", "freq")
DEFAULT_MIN_N = (10, 20)


@dataclass
class SensitivityResult:
    """The tidy table of a sensitivity analysis (one row per setting; see :data:`COLUMNS`).

    Attributes
    ----------
    table : pandas.DataFrame
    baseline : dict
        The baseline Bayesian row (default priors, all studies).
    excluded : list of dict
        Studies excluded from the baseline analysis (missing outcome or covariate).
    options : dict
        The options the analysis ran with.
    """

    table: pd.DataFrame
    baseline: dict[str, Any]
    excluded: list[dict[str, str]] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)

    def figure(self, **kwargs: Any) -> Figure:
        """:func:`bayesmeta.plots.sensitivity_plot` of the table."""
        from bayesmeta.plots.sensitivity import sensitivity_plot

        return sensitivity_plot(self.table, **kwargs)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: options, excluded studies, the baseline and the rows (NaN becomes None)."""
        return {
            "options": self.options,
            "excluded": self.excluded,
            "baseline": _plain(self.baseline),
            "rows": [_plain(row) for row in self.table.to_dict(orient="records")],
        }


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    """Python scalars, with NaN as None (JSON has no NaN)."""
    out = {}
    for key, value in row.items():
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        out[str(key)] = value
    return out


def _fit_named(fitter: Fitter, spec: ModelSpec, setting: Setting) -> Any:
    """Fit one setting; its ConvergenceWarnings name the refit (every refit has the same model
    and outcome, so the fitter's own message cannot tell them apart). Other warnings pass."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fitter(spec)
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            warnings.warn(
                f"sensitivity refit '{setting.label}' ({setting.kind}): {w.message}",
                w.category,
                stacklevel=3,
            )
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    return result


def sensitivity(
    data: MetaData,
    *,
    what: Sequence[str] = WHAT,
    kind: str = "random",
    by: str | None = None,
    separate_tau: bool = False,
    mu_prior: str | None = None,
    tau_prior: str | None = None,
    tau_families: Sequence[str] = TAU_FAMILIES,
    tau_scales: Sequence[float] = DEFAULT_TAU_SCALES,
    mu_scales: Sequence[float] = DEFAULT_MU_SCALES,
    min_n: int | Sequence[int] = DEFAULT_MIN_N,
    freq_methods: Sequence[str] = DEFAULT_METHODS,
    corrections: Sequence[tuple[float, str]] = DEFAULT_CORRECTIONS,
    engine: str | Fitter = DEFAULT_ENGINE,
    fit_options: Mapping[str, Any] | None = None,
    rma: Callable[..., Any] | None = None,
    show_progress: bool | None = False,
) -> SensitivityResult:
    """Refit one model under many settings and tabulate the pooled rates.

    Parameters
    ----------
    data : MetaData
        Validated data of one outcome.
    what : sequence of {"priors", "loo", "small", "freq"}
        Which variations to run: the prior grid (tau family x scale, then the mu prior scale),
        leave-one-study-out, excluding studies with n below each ``min_n``, and frequentist
        tau^2 estimators and continuity corrections. The baseline fit always runs.
    kind, by, separate_tau : optional
        The model (see :func:`bayesmeta.bayes.build_model`); default the random-intercept model.
    mu_prior, tau_prior : str, optional
        Baseline priors (package defaults when omitted).
    tau_families, tau_scales, mu_scales : sequences
        The prior grid (see :mod:`bayesmeta.sensitivity.grid`).
    min_n : int or sequence of int, default (10, 20)
        Small-study thresholds: each drops the studies with fewer patients.
    freq_methods, corrections : sequences
        tau^2 estimators, and (add, to) continuity-correction variants of DerSimonian-Laird.
    engine : {"auto", "quadrature", "nuts"} or callable
        Resolved by :func:`bayesmeta.engines.resolve`: "auto" uses the exact engine wherever
        it supports the model and NUTS otherwise; "nuts" forces NUTS. A callable
        ``spec -> BayesResult`` is used as is.
    fit_options : mapping, optional
        NUTS options (draws, tune, chains, seed).
    rma : callable, optional
        Replaces :func:`bayesmeta.freq.rma` (same signature).
    show_progress : bool or None, default False
        A progress bar of the fits on stderr (None: when stderr is a terminal).

    Returns
    -------
    SensitivityResult
        ``table`` has one row per setting with the pooled median rate expit(mu), the mean rate,
        tau, the new-study interval and 95% intervals; studies left out of each setting are in
        ``left_out`` (leave-one-out) or named in the label (small studies).
    """
    unknown = [w for w in what if w not in WHAT]
    if unknown:
        raise InputError(f"unknown sensitivity '{unknown[0]}' (choose from {', '.join(WHAT)})")

    def spec_for(setting: Setting) -> ModelSpec:
        return build_model(
            setting.data,
            kind=kind,
            by=by,
            separate_tau=separate_tau,
            mu_prior=setting.mu_prior or mu_prior,
            tau_prior=setting.tau_prior or tau_prior,
        )

    baseline = baseline_setting(data)
    base_spec = spec_for(baseline)
    engine_used, fitter = make_fitter(engine, base_spec, fit_options)
    settings = [baseline]
    if "priors" in what:
        settings += prior_settings(
            data, tau_families=tau_families, tau_scales=tau_scales, mu_scales=mu_scales
        )
    if "loo" in what:
        settings += loo_settings(base_spec.data)
    if "small" in what:
        settings += small_settings(base_spec.data, min_n=min_n)

    from bayesmeta.many.progress import Progress

    progress = Progress(len(settings), enabled=show_progress, label="fits")
    rows = []
    for setting in settings:
        if setting.data.k < 2:
            rows.append(
                empty_row(
                    setting.kind,
                    setting.label,
                    k=setting.data.k,
                    note="not fitted: fewer than 2 studies",
                )
            )
            progress.advance(1)
            continue
        spec = base_spec if setting is baseline else spec_for(setting)
        result = _fit_named(fitter, spec, setting)
        rows.append(bayes_row(setting, result, engine=engine_used, priors=spec.priors.to_dict()))
        progress.advance(1)
    progress.close()
    if "freq" in what:
        rows += freq_rows(base_spec.data, methods=freq_methods, corrections=corrections, rma=rma)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    options = {
        "what": list(what),
        "model": base_spec.describe(),
        "engine": engine_used,
        "fit_options": {} if _exact(engine_used) else dict(fit_options or {}),
        "min_n": list(min_n) if not isinstance(min_n, int) else [min_n],
    }
    return SensitivityResult(
        table=table,
        baseline=rows[0],
        excluded=base_spec.data.excluded_records(),
        options=options,
    )


def _exact(engine: str) -> bool:
    from bayesmeta.engines import declares

    return declares(engine, "exact") or engine == "custom"
