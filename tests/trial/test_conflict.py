"""Prior-data conflict: Box's p-value by enumeration of the beta-binomial predictive."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bayesmeta.errors import InputError
from bayesmeta.trial import BetaMixture, prior_data_conflict

MIX = BetaMixture(weight=[0.62, 0.38], a=[19.2, 3.5], b=[57.8, 9.4])


@pytest.mark.parametrize(("x", "n"), [(1, 6), (5, 24), (15, 24), (0, 40)])
def test_box_p_value_by_enumeration(x, n):
    ys = np.arange(n + 1)
    m = 0.62 * stats.betabinom.pmf(ys, n, 19.2, 57.8) + 0.38 * stats.betabinom.pmf(ys, n, 3.5, 9.4)
    expected = m[m <= m[x] * (1 + 1e-12)].sum()
    c = prior_data_conflict(MIX, events=x, total=n)
    assert c.box_p == pytest.approx(expected, abs=1e-12)
    assert c.p_lower == pytest.approx(m[: x + 1].sum(), abs=1e-12)
    assert c.p_upper == pytest.approx(m[x:].sum(), abs=1e-12)


def test_conflict_flags_surprising_data_and_posterior_moves():
    calm = prior_data_conflict(MIX, events=6, total=24)
    odd = prior_data_conflict(MIX, events=20, total=24)
    assert calm.box_p > 0.3 and odd.box_p < 0.001
    assert odd.posterior.mean() > calm.posterior.mean()
    assert set(odd.to_dict()) >= {"box_p", "posterior", "events", "total"}


def test_bad_counts():
    with pytest.raises(InputError, match="between 0 and total"):
        prior_data_conflict(MIX, events=7, total=6)
    with pytest.raises(InputError, match="at least 1"):
        prior_data_conflict(MIX, events=0, total=0)
