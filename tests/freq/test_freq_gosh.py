"""GOSH: the vectorised DL subset fits equal rma() (itself equal to metafor) on the same subset;
the Bayesian sample equals the exact engine on that subset; executors change nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from bayesmeta.bayes import build_model
from bayesmeta.data import cart_outcome
from bayesmeta.errors import InputError
from bayesmeta.freq import rma
from bayesmeta.freq.gosh import MAX_EXACT, all_subsets, gosh
from bayesmeta.quad import fit_quadrature


def test_all_subsets_are_every_nonempty_subset():
    masks = all_subsets(4)
    assert masks.shape == (15, 4)
    assert len({tuple(m) for m in masks}) == 15 and masks.any(axis=1).all()


def test_dl_subset_fits_equal_rma_on_the_same_studies():
    data = cart_outcome("crr").where(np.arange(27) < 10)
    result = gosh(data, n_bayes=0)
    assert result.exhaustive and len(result.mu) == 2**10 - 1
    rng = np.random.default_rng(3)
    for row in rng.choice(len(result.mu), size=12, replace=False):
        mask = result.subsets[row]
        fit = rma(data.where(mask))
        # 1e-10: the same closed-form DL formulas summed in a different order
        assert result.mu[row] == pytest.approx(fit.mu, rel=1e-10, abs=1e-12)
        assert result.tau2[row] == pytest.approx(fit.tau2, rel=1e-10, abs=1e-12)
        assert result.i2[row] == pytest.approx(fit.i2, rel=1e-10, abs=1e-10)


def test_bayes_sample_equals_the_exact_engine_and_executor_changes_nothing():
    data = cart_outcome("orr").where(np.arange(24) < 7)
    from bayesmeta.analysis.gosh import gosh as bayes_gosh

    serial = bayes_gosh(data, n_bayes=4, seed=5, batch=3)
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = bayes_gosh(data, n_bayes=4, seed=5, batch=3, executor=pool)
    freq_only = gosh(data, n_bayes=4, seed=5)  # the same subsets, set aside, not fitted
    assert np.array_equal(freq_only.bayes_rows, serial.bayes_rows)
    assert np.isnan(freq_only.bayes_median).all()
    assert np.array_equal(serial.bayes_rows, threaded.bayes_rows)
    assert np.array_equal(serial.bayes_median, threaded.bayes_median)
    row = serial.bayes_rows[0]
    subset = data.where(serial.subsets[row])
    exact = fit_quadrature(build_model(subset, kind="random")).pooled_median.median
    assert serial.bayes_median[0] == pytest.approx(exact, rel=1e-12)


def test_beyond_fifteen_studies_a_seeded_sample():
    data = cart_outcome("orr")
    assert data.k > MAX_EXACT
    a = gosh(data, n_subsets=300, n_bayes=0, seed=2)
    b = gosh(data, n_subsets=300, n_bayes=0, seed=2)
    c = gosh(data, n_subsets=300, n_bayes=0, seed=3)
    assert not a.exhaustive and a.subsets.shape == (300, data.k)
    assert len({tuple(m) for m in a.subsets}) == 300
    assert np.array_equal(a.subsets, b.subsets) and not np.array_equal(a.subsets, c.subsets)


def test_gosh_rejects_bad_options():
    data = cart_outcome("orr")
    with pytest.raises(InputError):
        gosh(data.where(np.arange(24) < 1))
    with pytest.raises(InputError):
        gosh(data, n_subsets=0)
