"""A model whose studies have several rows sharing one random effect (the one-stage IPD model),
as plain arrays for the engines (``engines.fit_grouped``).

    y_r ~ Binomial(n_r, expit(x_r' beta + tau u_g(r) [+ sigma v_g(r) w_r])),  u, v ~ N(0, 1)

Rows are sorted by trial (``starts`` gives each trial's first row). An engine that fits it has a
``fit_grouped(model, options)`` method: the exact engine for the random intercept (no slope),
NUTS for every variant.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from bayesmeta.model.priors import Prior


@dataclass(frozen=True)
class GroupedModel:
    """Data, design and priors of a grouped binomial-logit model.

    Attributes
    ----------
    X : numpy.ndarray
        Design, rows sorted by trial, shape (R, p).
    events, total : numpy.ndarray
        Counts per row.
    starts : numpy.ndarray
        First row of each trial.
    columns : tuple of str
        Coefficient names.
    coef_priors : tuple of Prior
        Prior of each coefficient.
    tau_prior : Prior
        Prior of the random intercepts' SD.
    contrasts : dict of str to numpy.ndarray
        Named contrast vectors c, summarized as c' beta.
    slope_column : int or None
        Column with a random slope across trials (NUTS only).
    slope_prior : Prior or None
        Prior of the random slope's SD (default: ``tau_prior``).
    """

    X: np.ndarray
    events: np.ndarray
    total: np.ndarray
    starts: np.ndarray
    columns: tuple[str, ...]
    coef_priors: tuple[Prior, ...]
    tau_prior: Prior
    contrasts: dict[str, np.ndarray] = field(default_factory=dict)
    slope_column: int | None = None
    slope_prior: Prior | None = None
