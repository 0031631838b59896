"""The Bayesian joint model's pieces that need no sampler: options, nesting, rates, decisions.

Sampling itself is checked against brms by ``test_joint_brms.py`` (pinned long runs); here the
numerical functions are checked against brute-force Monte Carlo and closed forms, and the
summaries on prior draws shaped like a posterior.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from bayesmeta.data import load_cart_wu2025
from bayesmeta.errors import InputError
from bayesmeta.joint.decisions import (
    Condition,
    Given,
    conditional_effects,
    new_study_probability,
    parse_conditions,
    parse_given,
)
from bayesmeta.joint.nesting import AMONG_OUTER, DIRECT, MARGINAL
from bayesmeta.joint.prior import lkj_correlations, prior_draws
from bayesmeta.joint.rates import RateMap, population_mean, rate_map
from bayesmeta.joint.spec import build_joint_model, parse_cor_prior
from bayesmeta.joint.summary import summarize_joint
from bayesmeta.joint.wide_table import joint_from_frame


@pytest.fixture(scope="module")
def cart():
    return joint_from_frame(load_cart_wu2025(), outcomes="orr,crr,dead")


@pytest.mark.parametrize(
    ("text", "message"),
    [("lkj(0)", "positive"), ("lkj(a)", "non-numeric"), ("wishart(3)", "expected 'lkj")],
)
def test_cor_prior_errors_name_the_option(text, message):
    with pytest.raises(InputError, match=f"--cor-prior.*{message}"):
        parse_cor_prior(text)
    assert parse_cor_prior(" lkj( 1.5 ) ") == 1.5


def test_options_are_checked_before_any_sampling(cart):
    with pytest.raises(InputError, match="--beta-prior"):
        build_joint_model(cart, beta_prior="normal(0, 1)")
    with pytest.raises(InputError, match="--tau-prior: 'invgamma'"):
        build_joint_model(cart, tau_prior="invgamma(1, 1)")
    with pytest.raises(InputError, match="--nested: 'cr' is not one of the outcomes"):
        build_joint_model(cart, nested="cr<orr")
    with pytest.raises(InputError, match="--nested: cannot read"):
        build_joint_model(cart, nested="crr in orr")
    spec = build_joint_model(cart, formula="age_median", cor_prior="lkj(1)")
    assert spec.problem.coefficient_names[:2] == ("orr:intercept", "orr:age_median")
    assert spec.describe()["priors"]["cor"] == "lkj(1)"


def test_nested_mode_names_the_two_studies_with_more_complete_responses(cart):
    spec = build_joint_model(cart, nested="crr<orr")
    left = {e.study: e.reason for e in spec.nesting.left_out}
    assert set(left) == {"Pan J 2021", "Jiang H 2019"}  # CR 19 > OR 18, CR 51 > OR 50
    assert "'crr_events' = 19 exceeds 'orr_events' = 18" in left["Pan J 2021"]
    assert {e.study for e in spec.data.excluded} == set(left)  # reported in `excluded` too
    problem = spec.problem
    assert problem.names == ("orr", "crr|orr", "dead")
    inner = problem.outcome == 1
    # CR among responders where OR is reported; the marginal Bin(n, ORR q) where it is not
    studies = [spec.data.studies[i] for i in problem.study[inner & (problem.mode == MARGINAL)]]
    assert set(studies) == {"Qi Y 2022", "Jin X 2022", "Liu S 2021", "Gu R 2020"}
    among = inner & (problem.mode == AMONG_OUTER)
    orr_events = spec.data.events[problem.study[among], 0]
    assert np.array_equal(problem.total[among], orr_events)
    assert (problem.mode[~inner] == DIRECT).all()
    assert len(problem.events) == 78 - 2  # only the two breaking CR counts left out


def test_unequal_denominators_leave_the_inner_count_out_naming_the_study():
    frame = pd.DataFrame(
        {
            "study": ["a", "b"],
            "r_events": [5, 6],
            "r_total": [10, 12],
            "c_events": [3, 2],
            "c_total": [10, 11],
        }
    )
    spec = build_joint_model(joint_from_frame(frame, outcomes="r,c"), nested="c<r")
    assert [e.study for e in spec.nesting.left_out] == ["b"]
    assert "'c_total' = 11 differs from 'r_total' = 12" in spec.nesting.left_out[0].reason


def test_lkj_draws_have_the_lkj_marginal():
    # each correlation of LKJ(eta) in m dimensions is 2 Beta(a, a) - 1, a = eta - 1 + m / 2
    corr = lkj_correlations(3, 2.0, 4000, np.random.default_rng(5))
    assert np.linalg.eigvalsh(corr).min() > 0
    a = 2.0 - 1 + 3 / 2
    for i, j in ((0, 1), (0, 2), (1, 2)):
        assert corr[:, i, j].var() == pytest.approx(1 / (2 * a + 1), rel=0.1)


def _parameters(seed=3, S=64):
    rng = np.random.default_rng(seed)
    eta = rng.normal([1.5, 0.3, -1.4], 0.2, size=(S, 3))
    tau = rng.uniform(0.6, 1.4, size=(S, 3))
    corr = lkj_correlations(3, 2.0, S, rng)
    chol = np.linalg.cholesky(corr * tau[:, :, None] * tau[:, None, :])
    return eta, chol


def _brute(eta, chol, n=200_000, seed=9):
    z = np.random.default_rng(seed).standard_normal((n, 3))
    return eta[:, None, :] + np.einsum("sij,nj->sni", chol, z)


def test_population_mean_and_nested_product_equal_monte_carlo():
    eta, chol = _parameters(S=8)
    mapping = RateMap(names=("orr", "crr", "dead"), latent=(0, 1, 2), times=(None, 0, None))
    exact = population_mean(eta, chol, mapping)
    linear = _brute(eta, chol)
    brute = mapping.rates(linear).mean(axis=1)
    assert np.abs(exact - brute).max() < 3e-3  # MC SE ~ 5e-4
    assert np.allclose(mapping.rates(linear)[..., 1], expit(linear[..., 1]) * expit(linear[..., 0]))


def test_new_study_probability_equals_monte_carlo():
    eta, chol = _parameters(S=8)
    mapping = RateMap(names=("orr", "crr", "dead"), latent=(0, 1, 2), times=(None, None, None))
    conditions = parse_conditions("orr>0.8, dead<0.25", mapping.names)
    assert conditions == (Condition("orr", True, 0.8), Condition("dead", False, 0.25))
    ours = new_study_probability(eta, chol, conditions, mapping, seed=1)
    rates = mapping.rates(_brute(eta, chol))
    brute = ((rates[..., 0] > 0.8) & (rates[..., 2] < 0.25)).mean(axis=1)
    assert np.abs(ours - brute).max() < 0.01


def test_conditional_prediction_given_a_rate_is_the_conditional_normal():
    eta, chol = _parameters(S=20_000)
    mapping = RateMap(names=("orr", "crr", "dead"), latent=(0, 1, 2), times=(None, None, None))
    known = parse_given("orr=0.9", mapping)
    u = conditional_effects(eta, chol, known, mapping, seed=2)
    assert np.allclose(eta[:, 0] + u[:, 0], np.log(9))
    sigma = np.einsum("sij,skj->sik", chol, chol)
    expected = sigma[:, 1, 0] / sigma[:, 0, 0] * u[:, 0]  # E[u_crr | u_orr] per draw
    residual = (u[:, 1] - expected) / np.sqrt(sigma[:, 1, 1] - sigma[:, 1, 0] ** 2 / sigma[:, 0, 0])
    assert abs(residual.mean()) < 0.03 and residual.std() == pytest.approx(1, abs=0.03)


def test_conditional_prediction_given_counts_weights_by_the_likelihood():
    eta, chol = _parameters(S=4000)
    mapping = RateMap(names=("orr", "crr", "dead"), latent=(0, 1, 2), times=(None, None, None))
    assert parse_given("orr=27/30", mapping) == Given("orr", events=27, total=30)
    u = conditional_effects(eta, chol, Given("orr", events=27, total=30), mapping, seed=2)
    # the new study's ORR effect moves towards the observed 0.9 from the prior's ~0.8
    rate = expit(eta[:, 0] + u[:, 0])
    assert 0.84 < np.median(rate) < 0.9
    with pytest.raises(InputError, match="--given: 'crr' is nested"):
        parse_given("crr=0.5", RateMap(("orr", "crr"), (0, 1), (None, 0)))
    with pytest.raises(InputError, match="--given"):
        parse_given("orr=31/30", mapping)


def test_summary_on_prior_draws_has_the_issue_keys(cart):
    spec = build_joint_model(cart, nested="crr<orr")
    draws = prior_draws(spec, draws=50, chains=2, seed=1)
    conditions = (parse_conditions("orr>0.8,dead<0.25", spec.names),)
    given = (parse_given("orr=0.9", rate_map(spec)),)
    with pytest.warns(Warning):  # prior draws are not a converged posterior: diagnostics say so
        payload = summarize_joint(spec, draws, conditions=conditions, given=given).to_dict()
    assert set(payload["outcomes"]) == {"orr", "crr", "dead", "crr|orr"}
    assert set(payload["outcomes"]["orr"]) == {"pooled_median", "pooled_mean", "new_study", "tau"}
    assert payload["outcomes"]["crr"]["tau"] is None  # a product of two rates has no tau
    assert set(payload["correlations"]) == {"orr,crr|orr", "orr,dead", "crr|orr,dead"}
    assert payload["joint"][0]["condition"] == "orr>0.8,dead<0.25"
    assert 0 <= payload["joint"][0]["new_study"] <= 1
    assert {c["outcome"] for c in payload["conditional"]} == {"crr", "dead"}
    assert [e["study"] for e in payload["nested"]["left_out"]] == ["Pan J 2021", "Jiang H 2019"]
    assert len(payload["study_rates"]) == 32 * 3
    # CRR <= ORR in every study by construction
    rates = pd.DataFrame(payload["study_rates"]).pivot(
        index="study", columns="outcome", values="median"
    )
    assert (rates["crr"] <= rates["orr"]).all()


def test_the_joint_engine_is_registered_and_picked_by_auto(cart):
    import bayesmeta.joint  # noqa: F401  (registers)
    from bayesmeta import engines

    spec = build_joint_model(cart, joint=["orr>0.8"], given=["orr=0.9"])
    assert spec.likelihood.name == "joint_binomial" and spec.kind == "random"
    assert engines.resolve(spec) == "joint_nuts"
    assert not engines.supports(spec, "nuts") and not engines.supports(spec, "quadrature")
    assert engines.get_engine("joint_nuts").capabilities.exact is False
    assert cart.observations.shape == "joint" and cart.observations.k == 32
    assert build_joint_model(cart, formula="age_median").kind == "regression"


def test_pymc_likelihood_terms_match_a_direct_computation():
    """Moving only the study effects z changes the PyMC log density by exactly the normal prior
    of z and the binomial terms (direct, among the outer events, and the marginal Bin(n, p q))."""
    from scipy.stats import binom, norm

    from bayesmeta.joint.nuts import build_pymc_joint

    frame = pd.DataFrame(
        {
            "study": ["a", "b", "c"],
            "r_events": [6, 3, None],
            "r_total": [10, 8, None],
            "c_events": [4, 1, 2],
            "c_total": [10, 8, 9],
            "d_events": [1, None, 2],
            "d_total": [10, None, 9],
        }
    )
    spec = build_joint_model(joint_from_frame(frame, outcomes="r,c,d"), nested="c<r")
    model = build_pymc_joint(spec)
    logp = model.compile_logp()
    point = model.initial_point()
    rng = np.random.default_rng(4)

    def direct(z):
        chol = np.diag(np.exp(point["chol_cholesky-cov-packed__"][[0, 2, 5]]))
        chol[np.tril_indices(3, -1)] = point["chol_cholesky-cov-packed__"][[1, 3, 4]]
        linear = point["mu"][None, :] + z @ chol.T
        p = expit(linear)
        total = norm.logpdf(z).sum()
        total += binom.logpmf(6, 10, p[0, 0]) + binom.logpmf(3, 8, p[1, 0])  # r direct
        total += binom.logpmf(4, 6, p[0, 1]) + binom.logpmf(1, 3, p[1, 1])  # c among r's events
        total += binom.logpmf(2, 9, p[2, 0] * p[2, 1])  # c marginal: study c has no r
        total += binom.logpmf(1, 10, p[0, 2]) + binom.logpmf(2, 9, p[2, 2])  # d direct
        return total

    z1, z2 = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    values = []
    for z in (z1, z2):
        values.append(logp({**point, "z": z}))
    assert values[1] - values[0] == pytest.approx(direct(z2) - direct(z1), rel=1e-9)
