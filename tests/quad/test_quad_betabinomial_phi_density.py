"""The exact beta-binomial fit's density of phi against a brute-force integral.

p(phi | y) = (1 / phi) int p(y, beta0, log phi) d beta0 / p(y): the integrand is
``validation/evidence/bruteforce_betabinomial.py``'s own ``log_joint`` (written without
bayesmeta), integrated over the intercept by adaptive ``scipy.integrate.quad`` (relative 1e-10),
and p(y) is that script's pinned ``dblquad`` log evidence (relative error ~1e-10). The engine's
density is its log-phi marginal on 17 nodes, splined; it agrees to ~7e-5 relative at phi's
quantiles on the two intercept-only sets, so ``RTOL_DENSITY = 1e-3`` leaves room for the spline
in the tails while a density off by a Jacobian (phi vs log phi) or a normalization is far outside.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate

from bayesmeta import engines
from bayesmeta.data import from_frame
from bayesmeta.model.spec import build_model

ROOT = Path(__file__).resolve().parents[2]
BRUTE = json.loads((ROOT / "validation" / "evidence" / "bruteforce_betabinomial.json").read_text())
RTOL_DENSITY = 1e-3


def _bruteforce_module():
    path = ROOT / "validation" / "evidence" / "bruteforce_betabinomial.py"
    spec = importlib.util.spec_from_file_location("bruteforce_betabinomial", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["crr", "pritz1997"])
def test_phi_density_equals_the_bruteforce_integral(name):
    import pandas as pd

    brute = _bruteforce_module()
    case = next(c for c in BRUTE["cases"] if c["name"] == name)
    y, n, X = brute.load(name)
    frame = pd.DataFrame({"study": [f"s{i}" for i in range(len(y))], "y": y, "n": n})
    spec = build_model(from_frame(frame, events="y", total="n"), likelihood="betabinomial")
    result = engines.fit(spec, engine="quadrature")
    density = engines.tau_densities(spec, result=result)
    assert set(density) == {"phi"}
    phi_density = density["phi"]
    # normalized in log phi; the trapezoid rule in phi on that exponentially spaced grid is off
    # by ~2e-6
    assert np.trapezoid(phi_density.pdf, phi_density.x) == pytest.approx(1.0, abs=1e-4)
    b0 = case["mode_beta_logphi"][0]
    points = np.array(case["quantiles"]["phi"])  # median, 2.5% and 97.5% of phi
    points = np.concatenate([points, [np.sqrt(points[0] * points[1])]])
    for phi in points:
        s = np.log(phi)

        def joint(b, s=s):
            value = brute.log_joint(y, n, X, np.array([[b]]), np.array([s]))[0]
            return np.exp(value - case["log_evidence"])

        mass, _ = integrate.quad(joint, b0 - 15, b0 + 15, epsabs=0.0, epsrel=1e-10, limit=200)
        expected = mass / phi
        assert phi_density.on(np.array([phi]))[0] == pytest.approx(expected, rel=RTOL_DENSITY)
    # the density is the fit's: its quantiles are the reported interval of phi
    cdf = integrate.cumulative_trapezoid(phi_density.pdf, phi_density.x, initial=0.0)
    interval = result.parameters["phi"]
    assert np.interp(0.5, cdf, phi_density.x) == pytest.approx(interval.median, rel=1e-3)
