"""Frequentist variants: the tau^2 estimator, and the continuity correction (add / to).

Each variant is one :func:`bayesmeta.freq.rma` fit of the same data; the GLMM needs no
continuity correction and the common-effect model ("EE") has tau^2 = 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bayesmeta.data.metadata import MetaData
from bayesmeta.freq.rma import METHODS
from bayesmeta.sensitivity.rows import freq_row

#: Every tau^2 estimator and the GLMM (:data:`bayesmeta.freq.rma.METHODS`).
DEFAULT_METHODS: tuple[str, ...] = METHODS
#: (add, to) variants fitted with the baseline estimator; metafor's default is (0.5, "only0").
DEFAULT_CORRECTIONS: tuple[tuple[float, str], ...] = (
    (0.5, "only0"),
    (0.5, "all"),
    (0.5, "if0all"),
    (0.25, "only0"),
    (0.1, "only0"),
)


def freq_rows(
    data: MetaData,
    *,
    methods: Sequence[str] = DEFAULT_METHODS,
    corrections: Sequence[tuple[float, str]] = DEFAULT_CORRECTIONS,
    correction_method: str = "DL",
    rma: Callable[..., Any] | None = None,
) -> list[dict[str, Any]]:
    """One row per tau^2 estimator (default correction), then one per correction variant of
    ``correction_method``.

    ``rma`` defaults to :func:`bayesmeta.freq.rma`; pass another callable of the same
    signature to substitute it.

    Parameters
    ----------
    data : MetaData
        Validated events, totals and covariates per study.
    methods : Sequence[str], optional
        tau^2 estimators.
    corrections : Sequence[tuple[float, str]], optional
        ``(add, to)`` continuity-correction variants.
    correction_method : str, optional
        tau^2 estimator of the correction variants.
    rma : Callable[..., Any], optional
        The fitting function (None: :func:`bayesmeta.freq.rma`); a test may pass a fake.

    Returns
    -------
    list[dict[str, Any]]
    """
    if rma is None:
        from bayesmeta.freq import rma
    rows = []
    for method in methods:
        result = rma(data, method=method, measure="PLO", add=0.5, to="only0")
        rows.append(
            freq_row(
                "freq_estimator", f"{method}", result, k=data.k, method=method, add=0.5, to="only0"
            )
        )
    for add, to in corrections:
        result = rma(data, method=correction_method, measure="PLO", add=add, to=to)
        label = f"{correction_method}, add {add:g} to {to}"
        rows.append(
            freq_row(
                "freq_correction", label, result, k=data.k, method=correction_method, add=add, to=to
            )
        )
    return rows
