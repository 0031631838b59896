"""Identifiability of the GLMM decided from the data (bayesmeta.freq.separation).

Each separated design is checked independently of the linear program: along the direction
it reports, the common-effect binomial log-likelihood (computed here with scipy only) keeps
increasing, so the ML estimate is infinite. Designs that are not separated must fit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit
from scipy.stats import binom

from bayesmeta.data import cart_outcome, from_frame
from bayesmeta.errors import InputError
from bayesmeta.freq import metareg, rma, subgroup
from bayesmeta.freq.glmm_fit import fit_glmm
from bayesmeta.freq.separation import check_standard_errors, find_separation

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _loglik(X, events, total, beta):
    return float(np.sum(binom.logpmf(events, total, expit(X @ beta))))


def _increases_along(X, events, total, direction):
    """The binomial log-likelihood at t * direction, t = 1, 2, 4, ..., is non-decreasing and
    ends strictly above its start (an independent sign that the ML estimate is infinite)."""
    beta0 = np.zeros(X.shape[1])
    values = [_loglik(X, events, total, beta0 + t * direction) for t in (0, 1, 2, 4, 8, 16)]
    return all(b >= a - 1e-9 for a, b in zip(values, values[1:], strict=False)) and (
        values[-1] > values[0] + 1e-3
    )


# (X, events, total, separated studies)
_x = np.array([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])
DESIGNS = {
    # numeric covariate, complete separation: x < 0 no events, x > 0 only events
    "complete_numeric": (
        np.column_stack([np.ones(6), _x]),
        np.array([0, 0, 0, 10, 10, 10]),
        np.full(6, 10),
        {0, 1, 2, 3, 4, 5},
    ),
    # numeric covariate, quasi-complete: studies at x = 1, 2 have no events, those at 3 mixed
    "quasi_numeric": (
        np.column_stack([np.ones(5), [1.0, 2.0, 3.0, 3.0, 3.0]]),
        np.array([0, 0, 4, 6, 5]),
        np.full(5, 10),
        {0, 1},
    ),
    # factor with intercept (treatment coding): level B has only zero-event studies
    "quasi_factor": (
        np.column_stack([np.ones(5), [0, 0, 0, 1, 1]]),
        np.array([3, 5, 2, 0, 0]),
        np.array([10, 10, 10, 8, 12]),
        {3, 4},
    ),
    # two factors, additive: level b3 of the second factor has only all-event studies
    "two_factors": (
        np.column_stack(
            [
                np.ones(7),
                [0, 1, 0, 1, 0, 1, 1],  # a2
                [0, 0, 1, 1, 0, 0, 0],  # b2
                [0, 0, 0, 0, 1, 1, 0],  # b3
            ]
        ),
        np.array([3, 4, 6, 2, 9, 7, 5]),
        np.array([10, 10, 10, 10, 9, 7, 10]),
        {4, 5},
    ),
}


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_separated_design_is_found_and_refused(name):
    X, events, total, separated = DESIGNS[name]
    found = find_separation(X, events, total)
    assert found is not None and set(found.studies) == separated
    assert _increases_along(X, events, total, found.direction)
    columns = [f"c{j}" for j in range(X.shape[1])]
    studies = [f"S{i}" for i in range(len(events))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError, match="infinite ML estimate") as caught:
            fit_glmm(X, events, total, columns=columns, studies=studies)
    message = str(caught.value)
    assert "\n" not in message
    for i in separated:
        assert f"S{i}" in message
    for j in found.coefficients:
        assert f"c{j}" in message


@pytest.mark.parametrize(
    "events",
    [
        [0, 0, 2, 5, 3],  # zero-event studies, but their level also has a mixed study
        [0, 3, 2, 5, 10],  # a zero and an all-event study in the same level
    ],
)
def test_design_without_separation_fits(events):
    X = np.column_stack([np.ones(5), [0, 1, 0, 1, 1]])
    events = np.array(events)
    total = np.full(5, 10)
    assert find_separation(X, events, total) is None
    fit = fit_glmm(X, events, total)
    assert np.all(np.isfinite(fit.beta)) and np.all(np.sqrt(np.diag(fit.vb)) < 10)


def test_cart_antigen_metaregression_names_the_coefficient_and_study():
    data = cart_outcome("crr")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError) as caught:
            metareg(data, formula="antigen", method="GLMM")
    message = str(caught.value)
    assert "\n" not in message and "infinite ML estimate" in message
    assert "CD33" in message and "Tambaro FP 2021: no events" in message


def test_verdict_does_not_depend_on_blas_threads():
    """The same refusal, word for word, with one OpenBLAS thread and with the default."""
    code = (
        "from bayesmeta.data import cart_outcome\n"
        "from bayesmeta.freq import subgroup\n"
        "try:\n"
        "    subgroup(cart_outcome('death'), by='antigen', method='GLMM')\n"
        "except Exception as error:\n"
        "    print(error)\n"
    )
    outputs = []
    for threads in ("1", None):
        env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
        if threads:
            env["OPENBLAS_NUM_THREADS"] = threads
        env["PYTHONPATH"] = ROOT
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] and "infinite" in outputs[0]


DEGENERATE = {
    "two_extremes": ([0, 100], [100, 100]),
    "several_extremes": ([0, 100, 0, 100, 0], [100] * 5),
    "one_patient_each": ([0, 1, 0, 1, 1], [1] * 5),
}


@pytest.mark.parametrize("name", sorted(DEGENERATE))
def test_degenerate_likelihood_is_refused(name):
    """Before: 1.0 [0, 1]; 0.0 [0, 0.22]; [1.8e-178, 1] with SE 209. Every study is at 0% or
    100%, so tau^2 has no finite ML estimate: refused with the reason."""
    events, total = DEGENERATE[name]
    data = from_frame(
        pd.DataFrame({"study": [f"S{i}" for i in range(len(events))], "x": events, "n": total}),
        events="x",
        total="n",
        study="study",
    )
    with pytest.raises(InputError, match="no study has both events and non-events") as caught:
        rma(data, method="GLMM")
    assert "\n" not in str(caught.value)
    # the inverse-variance methods still give a number
    assert np.isfinite(rma(data, method="DL").estimate)


def test_degenerate_level_in_separate_subgroups_is_named():
    data = from_frame(
        pd.DataFrame(
            {
                "study": ["A", "B", "C", "D", "E"],
                "x": [0, 10, 3, 4, 6],
                "n": [10, 10, 10, 10, 10],
                "g": ["u", "u", "v", "v", "v"],
            }
        ),
        events="x",
        total="n",
        study="study",
    )
    with pytest.raises(InputError, match="level\\(s\\) 'u' \\(A, B\\)"):
        subgroup(data, by="g", method="GLMM")


def test_absurd_standard_error_is_refused():
    """The second line of defence: a fit whose fitted logit has an SE of 209 (the five
    one-patient studies before the data check) is refused naming the studies."""
    X = np.ones((3, 1))
    with pytest.raises(InputError, match="standard error of 209") as caught:
        check_standard_errors(X, np.array([[209.0**2]]), studies=["A", "B", "C"])
    assert "A, B, C" in str(caught.value)
    check_standard_errors(X, np.array([[4.0]]), studies=["A", "B", "C"])


def test_intercept_only_skips_the_lp_only_where_it_would_find_nothing():
    """One column and a study with both events and non-events: the LP's equality rows force
    b = 0, so find_separation answers None without it; the LP, solved on the same data, agrees.
    All studies without events still go through the LP (and are separated)."""
    from bayesmeta.freq.separation import separation_lp

    rng = np.random.default_rng(7)
    for _ in range(40):
        k = int(rng.integers(2, 9))
        total = rng.integers(1, 12, size=k).astype(float)
        events = np.where(rng.random(k) < 0.5, np.where(rng.random(k) < 0.5, 0.0, total), 0.0)
        inner = int(rng.integers(0, k))
        events[inner] = max(1.0, total[inner] - 1.0) if total[inner] > 1 else events[inner]
        for column in (np.ones((k, 1)), np.full((k, 1), -2.5)):
            sign = np.where(events == 0, -1.0, np.where(events == total, 1.0, 0.0))
            expected = separation_lp(column, sign) if np.any(sign != 0) else None
            assert (find_separation(column, events, total) is None) == (expected is None)
    events, total = np.array([0.0, 0.0, 0.0]), np.array([4.0, 6.0, 5.0])
    found = find_separation(np.ones((3, 1)), events, total)
    assert found is not None and found.studies == (0, 1, 2)


def test_intercept_only_glmm_does_not_import_scipy_optimize():
    code = (
        "import sys, numpy as np; from bayesmeta.freq.glmm import glmm_arrays; "
        "glmm_arrays(np.array([10., 25, 3, 5, 0]), np.array([10., 25, 9, 12, 3])); "
        "print('scipy.optimize' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
