"""Operating characteristics against the brute-force enumeration in validation/trial."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from bayesmeta.errors import InputError
from bayesmeta.trial import BetaMixture, operating_characteristics, smallest_n

REFERENCE = Path(__file__).resolve().parents[2] / "validation" / "trial" / "oc_bruteforce.json"
CASES = json.loads(REFERENCE.read_text())["cases"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_oc_matches_enumeration(name):
    """Exact sums on both sides: posterior probabilities to 1e-9 (quad relative error 1e-12),
    power and type-I error to 1e-12; every decision is at least 5e-3 from its threshold."""
    case = CASES[name]
    assert case["min_margin"] > 1e-3
    mix = BetaMixture.from_records(case["prior"])
    rates = [float(r) for r in case["power"]]
    oc = operating_characteristics(
        mix, n=case["n"], p0=case["p0"], confidence=case["confidence"], rates=rates
    )
    np.testing.assert_allclose(oc.prob_above, case["prob_above"], atol=1e-9)
    assert oc.critical == case["critical"]
    assert oc.type1 == pytest.approx(case["type1"], abs=1e-12)
    for key, value in case["power"].items():
        assert oc.power[key] == pytest.approx(value, abs=1e-12)


def test_smallest_n_is_the_first_reaching_the_target():
    mix = BetaMixture(weight=[1.0], a=[1.0], b=[1.0])
    n = smallest_n(mix, p0=0.3, confidence=0.9, target_power=0.8, at_rate=0.5)
    assert n is not None

    def power(m):
        oc = operating_characteristics(mix, n=m, p0=0.3, confidence=0.9, rates=[0.5])
        return oc.power["0.5"]

    assert power(n) >= 0.8
    assert all(power(m) < 0.8 for m in range(1, n))


def test_nogo_rule_is_the_complementary_lower_tail():
    mix = BetaMixture(weight=[1.0], a=[1.0], b=[1.0])
    oc = operating_characteristics(
        mix, n=20, p0=0.5, confidence=0.9, rates=[0.3], nogo_rate=0.5, nogo_confidence=0.8
    )
    # Beta(1 + x, 21 - x): NO-GO when P(p < 0.5 | x) > 0.8
    stop = [x for x in range(21) if stats.beta.cdf(0.5, 1 + x, 21 - x) > 0.8]
    assert oc.nogo["critical"] == max(stop)
    assert oc.nogo["prob"]["0.3"] == pytest.approx(stats.binom.cdf(max(stop), 20, 0.3), abs=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0, "p0": 0.5, "confidence": 0.9}, "--n 0"),
        ({"n": 10, "p0": 1.0, "confidence": 0.9}, "--p0 1"),
        ({"n": 10, "p0": 0.0, "confidence": 0.9}, "--p0 0"),
        ({"n": 10, "p0": 0.5, "confidence": 1.5}, "--confidence"),
    ],
)
def test_bad_design_inputs(kwargs, message):
    with pytest.raises(InputError, match=message):
        operating_characteristics(BetaMixture(weight=[1], a=[1], b=[1]), **kwargs)
