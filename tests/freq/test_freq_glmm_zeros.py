"""The GLMM where most studies have zero events (issue 24, defect 21).

Reference: ``validation/metafor/glmm_zeros.R`` (pinned ``glmm_zeros.json``): rma.glmm (lme4,
nAGQ = 7 as ours) on two sets of 33 studies, 22 at zero events, where the likelihood is flat in
tau (tau^2 ~ 7 and ~ 12). There lme4 is the less exact side, which the tests show from our
own likelihood: it is higher at our estimates than at lme4's, and a Richardson-extrapolated
finite-difference Hessian (steps 4e-3, 2e-3, 1e-3, independent of the fit's own) reproduces
our standard error to 2e-5 relative, while lme4's is 2e-3 to 7e-3 off. The README's known
disagreements give the bound: tau^2 and mu within 2e-3, se within 1e-2 relative of metafor.
"""

from __future__ import annotations

import numpy as np
import pytest

from bayesmeta.data.reader import from_frame
from bayesmeta.freq import rma
from bayesmeta.freq.agq import log_binomial_coefficients, loglik_terms_and_modes

from .conftest import load_reference

REF = load_reference("glmm_zeros.json")
SETS = [k for k, v in REF.items() if isinstance(v, dict)]


def _loglik(events, total):
    const = log_binomial_coefficients(events, total)

    def f(theta):
        terms, _ = loglik_terms_and_modes(
            np.full(len(events), theta[0]), theta[1], events, total, const=const, start=None
        )
        return float(terms.sum())

    return f


def _careful_se(f, theta) -> float:
    """SE of mu from a central-difference Hessian, Richardson-extrapolated over three steps."""

    def se(h):
        H = np.empty((2, 2))
        for i in range(2):
            for j in range(2):
                ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
                H[i, j] = (
                    f(theta + ei + ej)
                    - f(theta + ei - ej)
                    - f(theta - ei + ej)
                    + f(theta - ei - ej)
                ) / (4 * h * h)
        return float(np.sqrt(np.linalg.inv(-H)[0, 0]))

    coarse, fine = se(2e-3), se(1e-3)
    assert abs(se(4e-3) - coarse) > abs(coarse - fine)  # converging
    return fine + (fine - coarse) / 3


@pytest.mark.parametrize("name", SETS)
def test_glmm_with_22_of_33_zero_studies_is_at_the_optimum_with_an_exact_se(name):
    import pandas as pd

    ref = REF[name]
    events = np.array(ref["events"], float)
    total = np.array(ref["total"], float)
    assert (events == 0).sum() == 22 and len(events) == 33
    frame = pd.DataFrame({"study": [f"S{i}" for i in range(33)], "x": events, "n": total})
    fit = rma(from_frame(frame, events="x", total="n"), method="GLMM")
    f = _loglik(events, total)
    ours = np.array([fit.mu, np.sqrt(fit.tau2)])
    theirs = np.array([ref["mu"], np.sqrt(ref["tau2"])])
    assert f(ours) >= f(theirs)  # our optimum is the higher one
    careful = _careful_se(f, ours)
    assert fit.se == pytest.approx(careful, rel=2e-5)
    assert abs(ref["se"] / careful - 1) > 1e-3  # lme4's Hessian is the inexact one here
    # the documented bound (README, known disagreements)
    assert fit.tau2 == pytest.approx(ref["tau2"], rel=2e-3)
    assert fit.mu == pytest.approx(ref["mu"], rel=2e-3)
    assert fit.se == pytest.approx(ref["se"], rel=1e-2)
