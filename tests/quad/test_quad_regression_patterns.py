"""The distinct design rows of a regression problem are computed once and cannot be changed.

``RegressionProblem.patterns`` is asked for 2-3 times per integration (skewness probes and the
refined rule); ``np.unique`` of the rows each time cost ~0.07 ms. The cached array is shared, so
it must be read-only: a caller writing into it would change the next fit of the same problem.
"""

from __future__ import annotations

import numpy as np
import pytest

from bayesmeta.quad.regression.posterior import RegressionProblem


def _problem() -> RegressionProblem:
    X = np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    flat = lambda value: np.zeros_like(np.asarray(value, float))  # noqa: E731
    return RegressionProblem(
        events=np.array([3.0, 5.0, 2.0, 7.0, 4.0]),
        total=np.array([10.0, 12.0, 9.0, 15.0, 11.0]),
        X=X,
        coef_logpdf=[flat, flat],
        tau_logpdf=flat,
        n_gh=10,
    )


def test_patterns_are_the_distinct_rows_computed_once_and_read_only():
    problem = _problem()
    first = problem.patterns()
    np.testing.assert_array_equal(first, np.unique(problem.X, axis=0))
    assert problem.patterns() is first
    assert not first.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        first[0, 0] = 5.0


def test_each_problem_has_its_own_patterns():
    one, other = _problem(), _problem()
    assert one.patterns() is not other.patterns()
    assert "_patterns" not in repr(one)  # a cache, not a field
