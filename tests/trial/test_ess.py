"""ESS: ELIR against the independent integration in validation/trial; moment in closed form."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bayesmeta.errors import InputError
from bayesmeta.trial import BetaMixture, ess_all, ess_elir, ess_moment, ess_morita, robustify

REFERENCE = Path(__file__).resolve().parents[2] / "validation" / "trial" / "ess_reference.json"
CASES = json.loads(REFERENCE.read_text())["mixtures"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_elir_matches_direct_integration(name):
    """Tolerance 1e-6 (the issue's): both integrals are accurate to ~1e-11, see the script."""
    case = CASES[name]
    mix = BetaMixture.from_records(case["components"])
    assert ess_elir(mix) == pytest.approx(case["elir"], abs=1e-6)
    assert ess_moment(mix) == pytest.approx(case["moment"], abs=1e-9)


def test_moment_ess_is_the_closed_form():
    """RBesT's ess(..., "moment"): sum(ms2beta(mean, sd)), i.e. m (1 - m) / v - 1."""
    mix = BetaMixture(weight=[0.2, 0.8], a=[1.0, 10.0], b=[1.0, 2.0])
    m = 0.2 * 0.5 + 0.8 * 10 / 12
    second = 0.2 * (1 * 2 / (2 * 3)) + 0.8 * (10 * 11 / (12 * 13))
    v = second - m * m
    assert ess_moment(mix) == pytest.approx(m * (1 - m) / v - 1, rel=1e-12)


@pytest.mark.parametrize(("a", "b"), [(5.0, 15.0), (2.5, 1.5), (30.0, 70.0)])
def test_single_beta_every_method_gives_a_plus_b(a, b):
    ess = ess_all(BetaMixture(weight=[1.0], a=[a], b=[b]))
    assert ess["elir"] == pytest.approx(a + b, rel=1e-9)
    assert ess["moment"] == pytest.approx(a + b, rel=1e-12)
    # Morita with the flattened prior Beta(m / 100, (1 - m) / 100) adds its 1/100-ish curvature
    assert ess["morita"] == pytest.approx(a + b, abs=0.05)


def test_elir_undefined_below_one_and_robustification_lowers_ess():
    with pytest.raises(InputError, match="elir"):
        ess_elir(BetaMixture(weight=[1.0], a=[0.5], b=[3.0]))
    assert ess_all(BetaMixture(weight=[1.0], a=[0.5], b=[3.0]))["elir"] is None
    mix = BetaMixture(weight=[0.62, 0.38], a=[19.2, 3.5], b=[57.8, 9.4])
    robust = robustify(mix, weight=0.2)
    np.testing.assert_allclose(robust.weight, [0.496, 0.304, 0.2])
    assert (robust.a[-1], robust.b[-1]) == (1.0, 1.0)
    for method in ("elir", "moment", "morita"):
        assert ess_all(robust)[method] < ess_all(mix)[method]
    assert ess_morita(mix) > ess_elir(mix) > ess_moment(mix)  # liberal > ELIR > conservative


LOGIT = json.loads(REFERENCE.read_text())["logit_mixtures"]


@pytest.mark.parametrize("name", sorted(LOGIT))
def test_logit_elir_matches_direct_integration(name):
    from bayesmeta.trial import NormalMixture
    from bayesmeta.trial.ess import ess_elir_logit

    comps = LOGIT[name]["components"]
    mix = NormalMixture(
        weight=[c["weight"] for c in comps],
        loc=[c["loc"] for c in comps],
        scale=[c["scale"] for c in comps],
    )
    assert ess_elir_logit(mix) == pytest.approx(LOGIT[name]["elir_logit"], abs=1e-6)


@pytest.mark.parametrize(("m", "s"), [(-1.1, 0.52), (2.0, 0.7), (-3.0, 1.5)])
def test_logit_elir_single_normal_closed_form(m, s):
    """E[(1/s^2) / (p (1 - p))] = (2 + 2 exp(s^2 / 2) cosh(m)) / s^2."""
    from bayesmeta.trial import NormalMixture
    from bayesmeta.trial.ess import ess_elir_logit

    expected = (2 + 2 * np.exp(s * s / 2) * np.cosh(m)) / s**2
    assert ess_elir_logit(NormalMixture(weight=[1.0], loc=[m], scale=[s])) == pytest.approx(
        expected, rel=1e-10
    )


def test_small_binomial_map_rbest_issue_22():
    """RBesT issue #22's data (r = 2, 18, 0, 2 of 30 each; HalfNormal(1), Normal(0, 2)): the
    fitted Beta mixture has all a = 1 and is log-convex, so its ELIR is negative (the integral is
    right: the independent integration agrees); the map output warns and reports the ELIR of the
    exact predictive on the logit scale, which is positive, as RBesT 1.8-0 recommends."""
    import pandas as pd

    from bayesmeta.bayes import build_model
    from bayesmeta.data import from_frame
    from bayesmeta.trial import derive_map, map_source

    frame = pd.DataFrame({"study": list("ABCD"), "n": [30] * 4, "r": [2, 18, 0, 2]})
    data = from_frame(frame, events="r", total="n", study="study")
    spec = build_model(data, mu_prior="normal(0, 2)", tau_prior="halfnormal(1)")
    prior = derive_map(map_source(spec))
    payload = prior.to_dict()
    assert payload["ess"]["elir"] < 0
    assert 2 < payload["predictive"]["ess_elir_logit"] < 15
    assert payload["warnings"] and "RBesT issue #22" in payload["warnings"][0]


def test_robust_component_mean_matched_unit_information():
    """RBesT's robustify for Beta mixtures: Beta(m n', (1 - m) n') with n' = n + 1 = 2."""
    mix = BetaMixture(weight=[0.62, 0.38], a=[19.2, 3.5], b=[57.8, 9.4])
    robust = robustify(mix, weight=0.3, mean="map")
    m = mix.mean()
    assert robust.a[-1] == pytest.approx(2 * m) and robust.b[-1] == pytest.approx(2 * (1 - m))
    assert robust.mean() == pytest.approx(m)  # a mean-matched component keeps the mean
    with pytest.raises(InputError, match="--robust 1.2"):
        robustify(mix, weight=1.2)
