"""Independent ELIR and moment ESS of Beta mixtures, by direct numerical integration (scipy).

Written without bayesmeta.trial: the ELIR of Neuenschwander et al. (2020) is

    ESS = integral_0^1 pi(p) * i(p) * p (1 - p) dp,   i(p) = (pi'(p) / pi(p))^2 - pi''(p) / pi(p),

with pi, pi', pi'' the mixture density and its derivatives, each component's derivatives taken
directly from the Beta density (not from the log-density form the package uses), integrated by
adaptive Gauss-Kronrod (scipy.integrate.quad) in p, split at the component modes, with
p = s^8 below the first mode and 1 - p = s^8 above the last (which smooths the integrable
endpoint singularities of components with a or b between 1 and 2). The moment
ESS is the closed form a + b = m (1 - m) / v - 1 of the mean- and variance-matched Beta.

Run from the repository root:  python validation/trial/ess_reference.py
It writes validation/trial/ess_reference.json (the mixtures and their ESS).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from scipy import integrate, special

HERE = Path(__file__).resolve().parent

MIXTURES = {
    # RBesT ess() example (inst/examples/ess.R, RBesT 1.9-0): conjugate Beta(5, 15)
    "beta_5_15": [(1.0, 5.0, 15.0)],
    # RBesT ess() example: bmix <- mixbeta(rob = c(0.2, 1, 1), inf = c(0.8, 10, 2))
    "rbest_bmix": [(0.2, 1.0, 1.0), (0.8, 10.0, 2.0)],
    # RBesT's AS MAP prior (R/mixstanvar.R, RBesT 1.9-0): mixbeta(c(0.62, 19.2, 57.8), c(0.38, 3.5, 9.4))
    "rbest_as_map": [(0.62, 19.2, 57.8), (0.38, 3.5, 9.4)],
    # the same robustified with weight 0.2 on Beta(1, 1)
    "rbest_as_robust": [(0.62 * 0.8, 19.2, 57.8), (0.38 * 0.8, 3.5, 9.4), (0.2, 1.0, 1.0)],
    # a small-rate binomial MAP with a component at a = 1 (the RBesT issue #22 situation)
    "small_rate": [(0.55, 1.0, 28.0), (0.35, 2.5, 40.0), (0.10, 1.3, 6.0)],
    # a high-rate, left-skewed MAP like CAR-T response (b near 1)
    "high_rate": [(0.14, 2.79, 1.18), (0.48, 9.28, 1.69), (0.38, 22.47, 1.95)],
}


def _derivatives(p: float, q: float, comps) -> tuple[float, float, float]:
    """pi, pi', pi'' at p (q = 1 - p passed separately to keep its digits near p = 1)."""
    f = d1 = d2 = 0.0
    for w, a, b in comps:
        dens = w * math.exp((a - 1) * math.log(p) + (b - 1) * math.log(q) - special.betaln(a, b))
        g = (a - 1) / p - (b - 1) / q
        f += dens
        d1 += dens * g
        d2 += dens * (g * g - (a - 1) / p**2 - (b - 1) / q**2)
    return f, d1, d2


def elir(comps) -> float:
    """ELIR ESS by adaptive quadrature of the density form of the information."""

    def integrand(p: float, q: float | None = None) -> float:
        q = 1.0 - p if q is None else q
        if p <= 0 or q <= 0:
            return 0.0
        f, d1, d2 = _derivatives(p, q, comps)
        if f <= 0:
            return 0.0
        return (d1 * d1 / f - d2) * p * q

    modes = sorted(
        {min(max((a - 1) / (a + b - 2), 1e-3), 1 - 1e-3) for _, a, b in comps if a + b > 2}
    )
    opts = {"epsabs": 1e-13, "epsrel": 1e-13, "limit": 2000}
    k = 8.0  # p = s^k near 0 and 1 - p = s^k near 1 smooth the (a-1) p^(a-2) endpoint singularities
    first, last = modes[0], modes[-1]
    total, _ = integrate.quad(
        lambda s: integrand(s**k) * k * s ** (k - 1), 0.0, first ** (1 / k), **opts
    )
    for lo, hi in zip(modes[:-1], modes[1:], strict=True):
        total += integrate.quad(integrand, lo, hi, **opts)[0]
    total += integrate.quad(
        lambda s: integrand(1 - s**k, s**k) * k * s ** (k - 1), 0.0, (1 - last) ** (1 / k), **opts
    )[0]
    return total


def moment(comps) -> float:
    """a + b of the Beta with the mixture's mean and variance (closed form)."""
    w = np.array([c[0] for c in comps])
    a = np.array([c[1] for c in comps])
    b = np.array([c[2] for c in comps])
    w = w / w.sum()
    m_k = a / (a + b)
    v_k = a * b / ((a + b) ** 2 * (a + b + 1))
    m = float(np.sum(w * m_k))
    v = float(np.sum(w * (v_k + m_k**2)) - m * m)
    return m * (1 - m) / v - 1


# normal mixtures on the logit scale (RBesT's mixnorm with family = binomial)
LOGIT_MIXTURES = {
    # RBesT ess() example: prior_logit <- mixnorm(c(1, log(5 / 15), sqrt(1 / 5 + 1 / 15)))
    "rbest_prior_logit": [(1.0, math.log(5 / 15), math.sqrt(1 / 5 + 1 / 15))],
    # RBesT ess() example: bmix_logit <- mixnorm(rob = c(0.2, 0, 2), inf = c(0.8, log(10 / 2), sqrt(1 / 10 + 1 / 2)))
    "rbest_bmix_logit": [(0.2, 0.0, 2.0), (0.8, math.log(10 / 2), math.sqrt(1 / 10 + 1 / 2))],
    "three_components": [(0.5, -2.0, 0.4), (0.3, -1.0, 1.2), (0.2, 1.0, 0.3)],
}


def elir_logit(comps) -> float:
    """ELIR on the logit scale: integral of pi(eta) i(eta) / (p (1 - p)) d eta, with
    i = (pi' / pi)^2 - pi'' / pi from the normal densities' derivatives."""

    def integrand(eta: float) -> float:
        f = d1 = d2 = 0.0
        for w, m, sd in comps:
            z = (eta - m) / sd
            dens = w * math.exp(-0.5 * z * z) / (sd * math.sqrt(2 * math.pi))
            f += dens
            d1 += -dens * z / sd
            d2 += dens * (z * z - 1) / sd**2
        if f <= 0:
            return 0.0
        inv_fisher = 2.0 + math.exp(eta) + math.exp(-eta)
        return (d1 * d1 / f - d2) * inv_fisher

    lo = min(m - 14 * sd for _, m, sd in comps)
    hi = max(m + 14 * sd for _, m, sd in comps)
    cuts = sorted({lo, hi, *(m for _, m, _ in comps)})
    opts = {"epsabs": 1e-13, "epsrel": 1e-13, "limit": 2000}
    return sum(
        integrate.quad(integrand, a, b, **opts)[0] for a, b in zip(cuts[:-1], cuts[1:], strict=True)
    )


def main() -> None:
    out = {
        "method": "scipy.integrate.quad (epsabs 1e-13, epsrel 1e-13) of the density form, p = s^8 "
        "substitution at both ends; "
        "moment ESS in closed form",
        "scipy": __import__("scipy").__version__,
        "mixtures": {},
    }
    for name, comps in MIXTURES.items():
        out["mixtures"][name] = {
            "components": [{"weight": w, "a": a, "b": b} for w, a, b in comps],
            "elir": elir(comps),
            "moment": moment(comps),
        }
    out["logit_mixtures"] = {
        name: {
            "components": [{"weight": w, "loc": m, "scale": sd} for w, m, sd in comps],
            "elir_logit": elir_logit(comps),
        }
        for name, comps in LOGIT_MIXTURES.items()
    }
    path = HERE / "ess_reference.json"
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out["mixtures"], indent=1))


if __name__ == "__main__":
    main()
