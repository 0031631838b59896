"""Structure of fits, results, InferenceData, save/load and errors, with sampling mocked."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import expit

from bayesmeta.bayes import (
    build_model,
    fit,
    load,
    prior_predictive,
    save,
)
from bayesmeta.data import cart_outcome
from bayesmeta.errors import ConvergenceWarning, InputError
from bayesmeta.nuts.draws import to_inference_data
from bayesmeta.nuts.predictive import prior_draws
from bayesmeta.nuts.sampling import RawDraws
from bayesmeta.nuts.summarize import summarize

OPTS = {"engine": "nuts", "draws": 500, "chains": 2, "tune": 10}


@pytest.fixture(scope="module")
def death():
    return cart_outcome("death")


def test_random_model_idata_structure(mock_sampling, death):
    result = fit(build_model(death), **OPTS)
    idata = result.idata
    post = idata.posterior
    assert post.sizes["chain"] == 2 and post.sizes["draw"] == 500
    assert list(post["eta"].dims) == ["chain", "draw", "study"]
    assert list(post.coords["study"].values) == list(death.studies)
    # eta is mu for every study; tau_study is tau for every study
    np.testing.assert_array_equal(post["eta"].values[..., 3], post["mu"].values)
    np.testing.assert_array_equal(post["tau_study"].values[..., 0], post["tau"].values)
    theta = expit(post["eta"] + post["tau_study"] * post["z"])
    np.testing.assert_allclose(post["theta"].values, theta.values)
    loglik = idata.log_likelihood["y"].values
    expected = stats.binom.logpmf(death.events, death.total, post["theta"].values)
    np.testing.assert_allclose(loglik, expected)
    np.testing.assert_array_equal(idata.observed_data["y"].values, death.events)
    np.testing.assert_array_equal(idata.constant_data["n"].values, death.total)
    assert mock_sampling[0]["seed"] == result.model["seed"]


def test_common_model_has_zero_tau_study(mock_sampling, death):
    result = fit(build_model(death, kind="common"), **OPTS)
    post = result.idata.posterior
    assert "tau" not in post and "z" not in post
    assert float(np.abs(post["tau_study"]).max()) == 0.0
    assert result.tau is None
    # no heterogeneity: the same draws up to rounding in the quadrature weights
    assert result.pooled_mean.median == pytest.approx(result.pooled_median.median, abs=1e-12)
    assert result.new_study.hi == pytest.approx(result.pooled_median.hi, abs=1e-12)


def test_subgroup_separate_tau_coords_and_tau_study(mock_sampling, death):
    spec = build_model(death, by="cancer_type", separate_tau=True)
    result = fit(spec, **OPTS)
    post = result.idata.posterior
    assert list(post.coords["level"].values) == ["leukemia", "lymphoma", "myeloma", "solid"]
    assert list(post["tau"].dims) == ["chain", "draw", "level"]
    index = spec.group_index()
    np.testing.assert_array_equal(post["tau_study"].values, post["tau"].values[..., index])
    np.testing.assert_array_equal(post["eta"].values, post["mu"].values[..., index])
    assert result.tau is None and set(result.taus) == set(spec.groups)
    assert set(result.rates) == set(spec.groups) == set(result.rates_mean)
    assert len(result.contrasts) == 6


def test_regression_beta_coords_and_eta(mock_sampling, death):
    spec = build_model(death, formula="cancer_type + age_median")
    result = fit(spec, **OPTS)
    post = result.idata.posterior
    assert list(post.coords["coef"].values) == list(spec.design.columns)
    eta = np.einsum("cdp,kp->cdk", post["beta"].values, spec.design.matrix)
    np.testing.assert_allclose(post["eta"].values, eta)
    assert set(result.coefficients) == set(spec.design.columns)
    assert set(result.rates) == {"leukemia", "lymphoma", "myeloma", "solid"}


def test_to_dict_has_the_cli_contract(mock_sampling, death):
    payload = fit(build_model(death, by="cancer_type"), **OPTS).to_dict()
    for key in ("pooled_median", "pooled_mean", "new_study", "tau"):
        assert set(payload[key]) == {"median", "lo", "hi"}
    assert set(payload["diagnostics"]) >= {
        "rhat_max",
        "ess_bulk_min",
        "ess_tail_min",
        "divergences",
    }
    assert [e["study"] for e in payload["excluded"]] == [e.study for e in death.excluded]
    assert set(payload["rates"]) == {"leukemia", "lymphoma", "myeloma", "solid"}
    assert set(payload["contrasts"][0]) == {"a", "b", "median", "lo", "hi", "prob_a_greater"}
    json.dumps(payload)


def test_summaries_are_computed_from_the_draws(mock_sampling, death):
    result = fit(build_model(death), **OPTS)
    mu = result.idata.posterior["mu"].values.ravel()
    assert result.pooled_median.median == pytest.approx(np.median(expit(mu)))
    assert result.pooled_median.lo == pytest.approx(np.quantile(expit(mu), 0.025))
    theta = result.idata.posterior["theta"].values.reshape(-1, death.k)
    assert result.study_rates["median"].tolist() == pytest.approx(np.median(theta, axis=0).tolist())
    hdi = fit(build_model(death), hdi=True, **OPTS)
    assert hdi.tau.kind == "hdi" and hdi.tau.hi - hdi.tau.lo < result.tau.hi - result.tau.lo


def test_a_study_without_likelihood_has_no_observed_rate_and_no_warning(mock_sampling, death):
    """The leave-one-out refits switch a study's likelihood off (0 of 0): its observed rate is
    NaN, computed without numpy's 'invalid value in divide' warning."""
    from bayesmeta.analysis.exact import without_likelihood

    held_out = build_model(without_likelihood(death, death.studies[2]))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        rates = fit(held_out, **OPTS).study_rates
    observed = rates["observed"].to_numpy()
    assert np.isnan(observed[2]) and not np.isnan(np.delete(observed, 2)).any()
    assert observed[0] == death.events[0] / death.total[0]


def _bad_raw(spec, *, shift=0.0, diverge=0):
    raw = prior_draws(spec, draws=500, chains=2, seed=1)
    values = {name: v.copy() for name, v in raw.values.items()}
    values["mu"][1] += shift
    diverging = raw.diverging.copy()
    diverging.flat[:diverge] = True
    return RawDraws(values, diverging, "test")


def test_convergence_warning_names_the_failed_checks(death):
    spec = build_model(death)
    idata = to_inference_data(spec, _bad_raw(spec, shift=5.0, diverge=3))
    with pytest.warns(ConvergenceWarning, match=r"R-hat.*3 divergent"):
        result = summarize(spec, idata)
    assert result.diagnostics.divergences == 3
    assert result.diagnostics.rhat_max > 1.2
    assert not result.to_dict()["diagnostics"]["ok"]


def test_no_warning_when_diagnostics_pass(death):
    spec = build_model(death)
    idata = to_inference_data(spec, _bad_raw(spec))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        result = summarize(spec, idata)
    assert result.diagnostics.ok


def test_save_load_round_trip(mock_sampling, death, tmp_path):
    result = fit(build_model(death, by="cancer_type"), **OPTS)
    path = save(result, tmp_path / "fit.nc")
    assert [p.name for p in tmp_path.iterdir()] == ["fit.nc"]  # no temporary left behind
    back = load(path)
    assert back.to_dict() == json.loads(json.dumps(result.to_dict()))
    np.testing.assert_array_equal(
        back.idata.posterior["eta"].values, result.idata.posterior["eta"].values
    )
    np.testing.assert_array_equal(
        back.idata.log_likelihood["y"].values, result.idata.log_likelihood["y"].values
    )
    pd.testing.assert_frame_equal(back.study_rates, result.study_rates, check_dtype=False)


def test_load_rejects_other_files(tmp_path):
    bad = tmp_path / "x.nc"
    bad.write_text("not netcdf")
    with pytest.raises(InputError, match="not a bayesmeta result"):
        load(bad)
    with pytest.raises(InputError, match="no such file"):
        load(tmp_path / "missing.nc")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"sampler": "stan"}, "unknown sampler"),
        ({"engine": "laplace"}, "unknown engine"),
        ({"draws": 0}, "draws"),
        ({"chains": 1.5}, "chains"),
        ({"target_accept": 1.0}, "target_accept"),
    ],
)
def test_bad_fit_options(mock_sampling, death, options, message):
    with pytest.raises(InputError, match=message):
        fit(build_model(death), **({"engine": "nuts"} | options))


def test_numpyro_without_jax_is_a_clear_error(mock_sampling, death):
    import importlib.util

    if importlib.util.find_spec("jax") is not None:
        pytest.skip("jax is installed here")
    with pytest.raises(InputError, match="numpyro"):
        fit(build_model(death), engine="nuts", sampler="numpyro")


def test_quadrature_engine_dispatches_lazily(monkeypatch, death):
    import bayesmeta.quad
    import bayesmeta.quad.decisions

    seen = {}

    def fake(spec, *, hdi=False):
        seen.update(spec=spec, hdi=hdi)
        return "quadrature result"

    def fake_decide(spec, result, *, thresholds, benchmark):  # Bayes factors, P(rate > X)
        seen.update(decided=(result, thresholds, benchmark))
        return result

    monkeypatch.setattr(bayesmeta.quad, "fit_quadrature", fake)
    monkeypatch.setattr(bayesmeta.quad.decisions, "decide", fake_decide)
    spec = build_model(death)
    assert fit(spec, engine="quadrature", hdi=True) == "quadrature result"
    assert seen == {"spec": spec, "hdi": True, "decided": ("quadrature result", (), None)}


def test_prior_predictive_shapes_and_seed(death):
    spec = build_model(death, by="cancer_type")
    one = prior_predictive(spec, draws=200, seed=5)
    two = prior_predictive(spec, draws=200, seed=5)
    y = one.prior_predictive["y"].values
    assert y.shape == (1, 200, death.k)
    assert (y >= 0).all() and (y <= np.asarray(death.total)).all()
    np.testing.assert_array_equal(y, two.prior_predictive["y"].values)
    assert list(one.prior["mu"].dims) == ["chain", "draw", "level"]
    # the default mu prior normal(0, 2.5): the prior median rate is 1/2
    assert np.median(expit(one.prior["mu"].values)) == pytest.approx(0.5, abs=0.1)


def test_side_by_side_puts_frequentist_and_bayes_in_one_table(mock_sampling, death):
    from bayesmeta.bayes import side_by_side
    from bayesmeta.freq import rma

    bayes = fit(build_model(death), **OPTS)
    table = side_by_side(death, bayes=bayes)
    assert table["method"].tolist()[:3] == ["DL", "REML", "GLMM"]
    assert table.loc[0, "estimate"] == pytest.approx(rma(death, method="DL").estimate)
    assert table.iloc[3]["estimate"] == bayes.pooled_median.median
    assert table.iloc[4]["estimate"] == bayes.pooled_mean.median


def test_importing_the_package_and_cli_does_not_import_pymc():
    code = (
        "import sys, bayesmeta.bayes, bayesmeta.cli, bayesmeta.cli.fit; "
        "bad = [m for m in ('pymc', 'pytensor', 'arviz', 'xarray', 'matplotlib') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
