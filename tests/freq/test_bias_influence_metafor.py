"""Begg, trim-and-fill, influence flags, cumulative analysis, t prediction intervals and the
GLMM's profile-likelihood CI of tau^2 against R (validation/metafor/bias_influence.R).

Tolerances (see conftest): ``RTOL_EXACT = 1e-6`` relative for everything -- the reference
solves REML to 1e-12, the trim-and-fill iterations and Kendall's statistics are discrete or
closed form, and the profile bounds are roots found to 1e-13 on both sides. The profile
likelihood compares our 7-node adaptive quadrature with lme4's (both nAGQ = 7, centred on
the conditional modes): they are the same rule, so the bounds agree to ~1e-8.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bayesmeta.data import from_frame
from bayesmeta.freq import rma
from bayesmeta.freq.cumulative import cumulative
from bayesmeta.freq.influence import influence
from bayesmeta.freq.predict import with_prediction
from bayesmeta.freq.profile import glmm_profile_ci
from bayesmeta.freq.ranktest import rank_test
from bayesmeta.freq.smallstudy import egger, peters
from bayesmeta.freq.trimfill import trim_fill

from .conftest import RTOL_EXACT, close, load_reference

REF = load_reference("bias_influence.json")
NAMES = sorted(REF["datasets"])
CASES = [(name, method) for name in NAMES for method in ("DL", "REML")]


def _data(entry):
    frame = pd.DataFrame(
        {
            "study": entry["study"],
            "xi": entry["events"],
            "ni": entry["total"],
            "order": entry["order"],
        }
    )
    return from_frame(frame, events="xi", total="ni", study="study", covariates=["order"])


@pytest.mark.r_reference
@pytest.mark.parametrize(("name", "method"), CASES)
def test_rank_and_regression_tests_equal_metafor(name, method):
    entry = REF["datasets"][name]
    ref = entry[method]
    data = _data(entry)
    begg = rank_test(data)
    assert close(begg.tau, ref["ranktest"]["tau"], rtol=RTOL_EXACT)
    assert close(begg.p_value, ref["ranktest"]["p"], rtol=RTOL_EXACT)
    eg = egger(data, model="rma", method=method)
    assert close(eg.statistic, ref["egger"]["z"], rtol=RTOL_EXACT)
    assert close(eg.p_value, ref["egger"]["p"], rtol=RTOL_EXACT)
    pe = peters(data, model="lm", method=method)
    assert close(pe.statistic, ref["peters"]["t"], rtol=RTOL_EXACT)
    assert close(pe.p_value, ref["peters"]["p"], rtol=RTOL_EXACT)


@pytest.mark.r_reference
@pytest.mark.parametrize(("name", "method"), CASES)
@pytest.mark.parametrize("estimator", ["L0", "R0"])
def test_trim_and_fill_equals_metafor(name, method, estimator):
    entry = REF["datasets"][name]
    ref = entry[method][f"trimfill_{estimator}"]
    tf = trim_fill(_data(entry), method=method, estimator=estimator)
    assert tf.k0 == ref["k0"]
    assert tf.side == ref["side"]
    assert close(tf.se_k0, ref["se_k0"], rtol=RTOL_EXACT)
    for ours, theirs in [
        (tf.mu, ref["mu"]),
        (tf.se, ref["se"]),
        (tf.ci_mu, ref["ci_mu"]),
        (tf.estimate, ref["estimate"]),
        (tf.ci, ref["ci"]),
        (tf.tau2, ref["tau2"]),
    ]:
        assert close(ours, theirs, rtol=RTOL_EXACT)
    assert close(np.sort(tf.filled_yi), np.sort(ref["filled_yi"]), rtol=RTOL_EXACT)


def test_references_cover_filled_and_unfilled_cases():
    k0 = [REF["datasets"][n][m]["trimfill_L0"]["k0"] for n, m in CASES]
    assert min(k0) == 0 and max(k0) > 0
    sides = {REF["datasets"][n][m]["trimfill_L0"]["side"] for n, m in CASES}
    assert sides == {"left", "right"}


@pytest.mark.r_reference
@pytest.mark.parametrize(("name", "method"), CASES)
def test_influence_table_and_flags_equal_metafor(name, method):
    entry = REF["datasets"][name]
    ref = entry[method]["influence"]
    inf = influence(_data(entry), method=method)
    for field in ("rstudent", "dffits", "cook_d", "cov_r", "tau2_del", "qe_del", "hat", "dfbetas"):
        assert close(getattr(inf, field), ref[field], rtol=RTOL_EXACT), field
    assert inf.influential.tolist() == ref["influential"]


def test_some_reference_study_is_flagged_influential():
    flagged = [any(REF["datasets"][n][m]["influence"]["influential"]) for n, m in CASES]
    assert any(flagged) and not all(flagged)


@pytest.mark.r_reference
@pytest.mark.parametrize(("name", "method"), CASES)
def test_cumulative_equals_metafor(name, method):
    entry = REF["datasets"][name]
    ref = entry[method]["cumul"]
    result = cumulative(_data(entry), order_by="order", method=method)
    assert [r.study for r in result.rows] == ref["study"]
    assert close([r.mu for r in result.rows], ref["estimate_mu"], rtol=RTOL_EXACT)
    assert close([r.se for r in result.rows], ref["se"], rtol=RTOL_EXACT)
    assert close([r.ci_mu[0] for r in result.rows], ref["ci_mu_lb"], rtol=RTOL_EXACT)
    assert close([r.ci_mu[1] for r in result.rows], ref["ci_mu_ub"], rtol=RTOL_EXACT)
    assert close([r.tau2 for r in result.rows], ref["tau2"], rtol=RTOL_EXACT)
    assert close([r.q for r in result.rows], ref["q"], rtol=RTOL_EXACT)


@pytest.mark.r_reference
@pytest.mark.parametrize(("name", "method"), CASES)
@pytest.mark.parametrize("pi", ["t", "hts"])
def test_t_prediction_intervals_equal_metafor(name, method, pi):
    entry = REF["datasets"][name]
    data = _data(entry)
    fit = with_prediction(rma(data, method=method), pi=pi, total=data.total)
    assert close(fit.extra["pi_mu"], entry[method]["pi"][pi], rtol=RTOL_EXACT)
    assert fit.extra["pi_df"] == data.k - (1 if pi == "t" else 2)


@pytest.mark.r_reference
@pytest.mark.parametrize("name", NAMES)
def test_glmm_profile_ci_equals_lme4_profile(name):
    entry = REF["datasets"][name]
    ref = entry["glmm_profile"]
    ci = glmm_profile_ci(_data(entry))
    assert close(ci.lo, ref["lo"], rtol=RTOL_EXACT)
    assert close(ci.hi, ref["hi"], rtol=RTOL_EXACT)
    assert ci.lo < ci.tau2 < ci.hi


def test_bad_options_raise_one_line_input_errors():
    from bayesmeta.data import cart_outcome
    from bayesmeta.errors import InputError
    from bayesmeta.freq.predict import prediction_df

    data = cart_outcome("orr")
    two = data.where(np.arange(data.k) < 2)
    for call in (
        lambda: trim_fill(data, estimator="Q9"),
        lambda: trim_fill(data, side="up"),
        lambda: trim_fill(data, method="GLMM"),
        lambda: trim_fill(two),
        lambda: rank_test(two),
        lambda: cumulative(data, method="GLMM"),
        lambda: cumulative(data, order_by="nope"),
        lambda: prediction_df("x", 10),
        lambda: prediction_df("hts", 2),
        lambda: glmm_profile_ci(data.where(np.arange(data.k) < 1)),
    ):
        with pytest.raises(InputError) as info:
            call()
        assert "\n" not in str(info.value)
