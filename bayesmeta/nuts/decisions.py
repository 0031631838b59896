"""P(rate > X) of a NUTS fit, from the same draws its intervals are read from.

The pooled, mean and new-study draws are those of :func:`bayesmeta.nuts.summarize.summarize`
(same seed, so the new study's random effects are the same draws); level rates are the
subgroup levels' or regression levels' rate draws. Monte Carlo error applies (the exact engine
reads the same probabilities from its CDFs instead).
"""

from __future__ import annotations

import numpy as np

from bayesmeta.model import derived
from bayesmeta.model.spec import ModelSpec
from bayesmeta.model.thresholds import threshold_key
from bayesmeta.nuts.summarize import _level_rates, _stacked


def prob_above_draws(spec: ModelSpec, idata, thresholds, *, seed: int = 0) -> dict[str, dict]:
    """``prob_above`` of the JSON from posterior draws.

    Parameters
    ----------
    spec : ModelSpec
        The model.
    idata : arviz.InferenceData
        Its NUTS posterior (with ``eta`` and ``tau_study``).
    thresholds : iterable of float
        Rates X in (0, 1).
    seed : int
        The fit's seed (draws of the new study's random effect, as in its summary).

    Returns
    -------
    dict
        ``{"X": {"pooled_median", "pooled_mean", "new_study", "levels": {level: p}}}``: the
        share of draws above X.
    """
    eta = _stacked(idata, "eta")
    tau_study = _stacked(idata, "tau_study")
    rng = np.random.default_rng(np.random.SeedSequence([seed, 4]))
    pooled = derived.pooled_draws(eta, tau_study, rng=rng)
    rates, _means, _groups = _level_rates(spec, idata)
    out = {}
    for x in thresholds:
        entry = {
            name: float(np.mean(pooled[name] > x))
            for name in ("pooled_median", "pooled_mean", "new_study")
        }
        entry["levels"] = {level: float(np.mean(draws > x)) for level, draws in rates.items()}
        out[threshold_key(x)] = entry
    return out
