"""Wu et al. 2025 (Biol Proced Online 27:17): the published pooled results, reproduced.

The paper's numbers come from meta::metaprop's default, the random-intercept logistic GLMM
(see bayesmeta/data/PROVENANCE.md); they are compared at the digits the paper prints.
"""

from __future__ import annotations

import pytest

from bayesmeta.data import cart_outcome
from bayesmeta.freq import glmm, subgroup


def _printed(value: float, digits: int) -> float:
    return round(value, digits)


@pytest.mark.parametrize(
    ("outcome", "estimate", "ci", "tau2", "i2"),
    [
        ("orr", 0.87, (0.80, 0.91), 0.8767, 61),
        ("crr", 0.58, (0.43, 0.72), None, 84),
        ("death", 0.19, (0.11, 0.32), 2.5467, 77),
    ],
)
def test_wu2025_table_pooled_proportions(outcome, estimate, ci, tau2, i2):
    result = glmm(cart_outcome(outcome))
    assert _printed(result.estimate, 2) == estimate
    assert (_printed(result.ci[0], 2), _printed(result.ci[1], 2)) == ci
    if tau2 is not None:
        assert _printed(result.tau2, 4) == tau2
    assert _printed(result.i2, 0) == i2


@pytest.mark.parametrize(
    ("outcome", "by", "chi2", "df"),
    [
        ("orr", "cancer_type", 1.55, 2),
        ("crr", "cancer_type", 9.63, 2),
        ("death", "cancer_type", 19.14, 3),
        ("death", "country", 1.21, 1),
    ],
)
def test_wu2025_subgroup_tests(outcome, by, chi2, df):
    result = subgroup(cart_outcome(outcome), by=by, method="GLMM")
    assert _printed(result.q_between, 2) == chi2
    assert result.df_between == df
