"""Fixtures of the Bayesian tests: sampling replaced by prior draws (structure tests)."""

from __future__ import annotations

import pytest

from bayesmeta.nuts import predictive, sampling


@pytest.fixture
def mock_sampling(monkeypatch):
    """Make ``fit`` return prior draws shaped like a posterior, without PyMC.

    Like Bambi's fixtures: the InferenceData has the real structure (chains, draws, coords), so
    everything downstream of the sampler runs for real. Records the calls in ``calls``.
    """
    calls = []

    def fake_sample(spec, *, draws, tune, chains, seed, sampler="pymc", target_accept=0.95):
        sampling.check_sampler(sampler)
        calls.append({"spec": spec, "draws": draws, "chains": chains, "seed": seed})
        return predictive.prior_draws(spec, draws=draws, chains=chains, seed=seed)

    monkeypatch.setattr(sampling, "sample", fake_sample)
    return calls
