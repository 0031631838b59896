"""Settings of a Bayesian sensitivity analysis: which priors and which studies each fit uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bayesmeta.data.metadata import MetaData
from bayesmeta.model.priors import Prior
from bayesmeta.plural import plural
from bayesmeta.sensitivity.grid import mu_prior_grid, tau_prior_grid

#: Setting kinds, in the order rows are listed.
KINDS: tuple[str, ...] = (
    "baseline",
    "tau_prior",
    "mu_prior",
    "leave_one_out",
    "small_studies",
    "freq_estimator",
    "freq_correction",
)


@dataclass(frozen=True)
class Setting:
    """One Bayesian fit of the analysis.

    ``mu_prior`` / ``tau_prior`` None keep the baseline priors.

    Attributes
    ----------
    kind : str
        Which variation: ``baseline``, ``priors``, ``loo`` or ``small``.
    label : str
        Human-readable label.
    data : MetaData
        Validated events, totals and covariates per study.
    mu_prior : Prior, optional
        mu prior (None: the default).
    tau_prior : Prior, optional
        tau prior (None: the default).
    left_out : str, optional
        The study left out (``loo``), or empty.
    family : str, optional
        tau prior family of a ``priors`` setting, or empty.
    scale : float, optional
        Its scale, or NaN.
    """

    kind: str
    label: str
    data: MetaData
    mu_prior: Prior | None = None
    tau_prior: Prior | None = None
    left_out: str = ""
    family: str = ""
    scale: float = float("nan")


def baseline_setting(data: MetaData) -> Setting:
    """The baseline: default priors, all studies.

    Parameters
    ----------
    data : MetaData
        The studies of the analysis.

    Returns
    -------
    Setting
        The setting of kind ``"baseline"``.
    """
    return Setting("baseline", "baseline (default priors, all studies)", data)


def prior_settings(
    data: MetaData,
    *,
    tau_families: Sequence[str],
    tau_scales: Sequence[float],
    mu_scales: Sequence[float],
) -> list[Setting]:
    """One setting per tau prior of the grid, then one per mu prior scale (the other prior at
    its baseline).

    Parameters
    ----------
    data : MetaData
        Validated events, totals and covariates per study.
    tau_families : Sequence[str]
        tau prior families.
    tau_scales : Sequence[float]
        tau prior scales.
    mu_scales : Sequence[float]
        Scales of the ``normal(0, s)`` mu priors.

    Returns
    -------
    list[Setting]
    """
    settings = [
        Setting(
            "tau_prior",
            f"tau ~ {prior}",
            data,
            tau_prior=prior,
            family=family,
            scale=scale,
        )
        for family, scale, prior in tau_prior_grid(families=tau_families, scales=tau_scales)
    ]
    settings += [
        Setting("mu_prior", f"mu ~ {prior}", data, mu_prior=prior, family="normal", scale=scale)
        for scale, prior in mu_prior_grid(scales=mu_scales)
    ]
    return settings


def loo_settings(data: MetaData) -> list[Setting]:
    """One setting per study, leaving that study out.

    Parameters
    ----------
    data : MetaData
        Validated events, totals and covariates per study.

    Returns
    -------
    list[Setting]
    """
    return [
        Setting(
            "leave_one_out",
            f"without {study}",
            data.without(study, reason="left out (leave-one-out sensitivity)"),
            left_out=study,
        )
        for study in data.studies
    ]


def small_settings(data: MetaData, *, min_n: int | Sequence[int]) -> list[Setting]:
    """For each threshold, the studies with ``total >= threshold`` (the others recorded as
    excluded). Thresholds that remove nothing are skipped; the label says how many went.

    Parameters
    ----------
    data : MetaData
        Validated events, totals and covariates per study.
    min_n : int or Sequence[int]
        Small-study threshold(s): studies with fewer patients are dropped.

    Returns
    -------
    list[Setting]
    """
    thresholds = [min_n] if isinstance(min_n, int | np.integer) else list(min_n)
    settings = []
    for threshold in sorted({int(t) for t in thresholds}):
        small = [s for s, n in zip(data.studies, data.total, strict=True) if n < threshold]
        if not small:
            continue
        subset = data
        for study in small:
            n = int(data.total[data.studies.index(study)])
            subset = subset.without(study, reason=f"small study (n = {n} < {threshold})")
        label = f"n >= {threshold} ({len(small)} of {plural(data.k, 'study')} out)"
        settings.append(Setting("small_studies", label, subset, scale=float(threshold)))
    return settings
