"""Real sampling, small: same seed gives identical numbers; the compiled-model cache is reused
when only data or prior parameters change; nutpie (when installed) samples the same model."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bayesmeta.bayes import build_model, fit
from bayesmeta.data import cart_outcome
from bayesmeta.data.metadata import MetaData
from bayesmeta.errors import ConvergenceWarning
from bayesmeta.nuts import sampling

pytestmark = pytest.mark.sampling
SMALL = {"draws": 200, "tune": 200, "chains": 2}


def _quiet_fit(spec, **options):
    with warnings.catch_warnings():
        # 400 draws cannot reach ESS 400; these tests are about reproducibility, not precision
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit(spec, engine="nuts", **options)


def _changed_counts(data: MetaData) -> MetaData:
    events = np.array(data.events)
    events[0] -= 1
    return MetaData(data.studies, events, data.total, data.covariates, data.excluded, data.outcome)


def test_same_seed_same_numbers_and_cache_reuse():
    data = cart_outcome("orr")
    sampling.clear_cache()
    one = _quiet_fit(build_model(data), seed=3, **SMALL)
    assert len(sampling._cache) == 1
    two = _quiet_fit(build_model(data), seed=3, **SMALL)
    assert one.to_dict() == two.to_dict()
    np.testing.assert_array_equal(one.idata.posterior["z"].values, two.idata.posterior["z"].values)
    other = _quiet_fit(build_model(data), seed=4, **SMALL)
    assert other.pooled_median != one.pooled_median
    # new counts and a new prior parameter reuse the compiled model (same structure)...
    changed = _quiet_fit(
        build_model(_changed_counts(data), tau_prior="halfnormal(0.5)"), seed=3, **SMALL
    )
    assert len(sampling._cache) == 1
    # ...and the new values are really used
    np.testing.assert_array_equal(
        changed.idata.observed_data["y"].values, _changed_counts(data).events
    )
    assert changed.tau.median < one.tau.median
    # a fresh compile of the changed model gives the same draws as the cached one
    sampling.clear_cache()
    fresh = _quiet_fit(
        build_model(_changed_counts(data), tau_prior="halfnormal(0.5)"), seed=3, **SMALL
    )
    assert fresh.to_dict() == changed.to_dict()


def test_nutpie_sampler_reproducible_and_close_to_pymc():
    spec = build_model(cart_outcome("death"))
    one = fit(spec, engine="nuts", sampler="nutpie")
    two = fit(spec, engine="nuts", sampler="nutpie")
    assert one.to_dict() == two.to_dict()
    # same sampler, same seed: identical draws, not just identical summaries
    for name in ("mu", "tau", "z"):
        np.testing.assert_array_equal(
            one.idata.posterior[name].values, two.idata.posterior[name].values
        )
    assert one.model["sampler"] == "nutpie"
    assert one.diagnostics.ok, one.diagnostics.problems()
    # death pooled mean rate from brms: 0.278 (validation/brms/reference.json); MCSE ~0.002
    assert one.pooled_mean.median == pytest.approx(0.278, abs=0.012)


def test_single_chain_fit_has_one_chain_and_full_summary():
    spec = build_model(cart_outcome("orr"))
    with warnings.catch_warnings():
        # 100 draws of one chain cannot reach ESS 400; that warning is the expected outcome here
        warnings.simplefilter("ignore", ConvergenceWarning)
        options = {"chains": 1, "draws": 100, "tune": 100, "seed": 3}
        result = fit(spec, engine="nuts", **options)
        again = fit(spec, engine="nuts", **options)
    assert result.model["sampler"] == "nutpie"  # the default ("auto"): nutpie, installed
    assert result.to_dict() == again.to_dict()  # same seed, same numbers
    assert result.idata.posterior.sizes["chain"] == 1
    assert result.idata.posterior.sizes["draw"] == 100
    assert 0.7 < result.pooled_median.median < 0.95
    assert result.diagnostics.divergences >= 0


def test_auto_sampler_is_the_fastest_installed_and_reports_ess_per_second(monkeypatch):
    import json

    spec = build_model(cart_outcome("death"))
    one = _quiet_fit(spec, seed=3, sampler="auto", **SMALL)
    assert one.model["sampler"] == "nutpie"  # installed (the dev extra): the fastest
    timing = one.diagnostics.timing()
    assert timing["sampling_seconds"] > 0
    assert timing["ess_bulk_per_second"] == pytest.approx(
        one.diagnostics.ess_bulk_min / timing["sampling_seconds"]
    )
    # timing is reported but kept out of the saved summary: same seed, same numbers
    assert "seconds" not in json.dumps(one.to_dict())
    assert _quiet_fit(spec, seed=3, sampler="auto", **SMALL).to_dict() == one.to_dict()
    # a cached nutpie model refitted with another prior starts where a fresh compile does
    changed = build_model(cart_outcome("death"), tau_prior="halfnormal(0.5)")
    cached = _quiet_fit(changed, seed=3, sampler="nutpie", **SMALL)
    sampling.clear_cache()
    assert _quiet_fit(changed, seed=3, sampler="nutpie", **SMALL).to_dict() == cached.to_dict()
    # without nutpie, "auto" is PyMC
    monkeypatch.setattr(sampling.importlib.util, "find_spec", lambda name: None)
    assert sampling.resolve_sampler("auto") == "pymc"
    assert sampling.resolve_sampler("nutpie") == "nutpie"
