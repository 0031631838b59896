"""NUTS fits of the beta-binomial likelihood against brms 2.18 ``beta_binomial``.

Tolerance (issue 19): each quantile of the mean rate, phi, the ICC and every coefficient within
3 combined Monte Carlo SEs, ``sqrt(mcse_ours^2 + mcse_brms^2)`` (ArviZ's quantile MCSE for our
draws, ``posterior::mcse_quantile`` for brms's).

* ``test_long_nuts_equals_brms``: a long run of bayesmeta's own PyMC model (4 x 10000 draws, pritz1997 4 x 25000,
  ``validation/brms_betabinomial/long_nuts.py``, pinned ``long_nuts.json``) on the three data
  sets of ``reference.json`` (33 comparisons each side small: the test has power).
* ``test_nuts_betabinomial_live``: the code as it runs today, a short run (2 chains x 1000
  draws) on the CAR-T CRR data; its own MCSEs widen the band honestly.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy.special import expit

from bayesmeta import engines
from bayesmeta.data import cart_outcome
from bayesmeta.model.spec import build_model

ROOT = Path(__file__).resolve().parents[2]
BRMS = json.loads((ROOT / "validation" / "brms_betabinomial" / "reference.json").read_text())
LONG = json.loads((ROOT / "validation" / "brms_betabinomial" / "long_nuts.json").read_text())
QUANTILES = {"median": 0.5, "lo": 0.025, "hi": 0.975}


def _gaps(ours: dict, ref: dict, label: str) -> list[str]:
    out = []
    for q in QUANTILES:
        combined = np.hypot(ours[f"mcse_{q}"], ref[f"mcse_{q}"])
        if abs(ours[q] - ref[q]) > 3 * combined:
            out.append(
                f"{label} {q}: {ours[q]:.5f} vs brms {ref[q]:.5f} (3 MCSE {3 * combined:.5f})"
            )
    return out


@pytest.mark.parametrize("name", ["crr", "pritz1997", "debruin2009"])
def test_long_nuts_equals_brms(name):
    ours, ref = LONG[name], BRMS[name]
    assert ours["diagnostics"]["ok"], ours["diagnostics"]
    assert set(ours["coefficients"]) == set(ref["coefficients"])
    failures = []
    for c in ref["coefficients"]:
        failures += _gaps(ours["coefficients"][c], ref["coefficients"][c], f"coef {c}")
    for key in ("phi", "icc", "pooled_mean"):
        failures += _gaps(ours[key], ref[key], key)
    assert not failures, failures


def _summ(draws: np.ndarray) -> dict:
    import arviz as az

    out = {}
    for q, p in QUANTILES.items():
        out[q] = float(np.quantile(draws, p))
        out[f"mcse_{q}"] = float(az.mcse(draws, method="quantile", prob=p))
    return out


def test_nuts_betabinomial_live(tmp_path):
    spec = build_model(cart_outcome("crr"), likelihood="betabinomial")
    options = {"engine": "nuts", "chains": 2, "draws": 1000, "tune": 1000, "seed": 7}
    result = engines.fit(spec, **options)
    assert result.engine == "nuts" and result.diagnostics.ok, result.diagnostics.to_dict()
    post = result.idata.posterior
    beta = post["beta"].to_numpy()[..., 0]
    phi = post["phi"].to_numpy()
    ref = BRMS["crr"]
    failures = _gaps(_summ(beta), ref["coefficients"]["intercept"], "intercept")
    failures += _gaps(_summ(phi), ref["phi"], "phi")
    failures += _gaps(_summ(expit(beta)), ref["pooled_mean"], "pooled_mean")
    assert not failures, failures
    payload = result.to_dict()
    assert payload["likelihood"] == "betabinomial" and payload["tau"] is None
    assert payload["phi"]["median"] == pytest.approx(float(np.median(phi)))
    assert payload["pooled_mean"]["median"] == pytest.approx(float(np.median(expit(beta))))
    # same seed, same numbers (the compiled model is reused)
    again = engines.fit(spec, **options)
    assert again.to_dict()["phi"] == payload["phi"]
    # the saved posterior round-trips, phi and ICC included
    from bayesmeta.model.storage import load, save

    loaded = load(save(result, tmp_path / "posterior.nc"))
    assert loaded.parameters == result.parameters
    assert loaded.to_dict()["icc"] == payload["icc"]
