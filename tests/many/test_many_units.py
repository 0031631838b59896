"""The pieces: per-task seeds, batching, the lean pooled rate, the MCSE formulas, the choices'
enumeration and sampling, the progress bar, the variance decomposition."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest

from bayesmeta.analysis.multiverse_choices import choice_at, size, specifications
from bayesmeta.freq.rma import rma_arrays
from bayesmeta.many import Progress, SerialExecutor, batched, make_executor, task_rng, task_seed
from bayesmeta.many.pooled import pooled_logit
from bayesmeta.multiverse.summary import variance_shares
from bayesmeta.simulate.metrics import performance


def test_task_seed_depends_on_master_seed_and_key_only():
    a = task_rng(5, "001-000002").random(3)
    assert np.array_equal(a, task_rng(5, "001-000002").random(3))
    assert not np.array_equal(a, task_rng(6, "001-000002").random(3))
    assert not np.array_equal(a, task_rng(5, "001-000003").random(3))
    # pinned: SHA-256 words, not Python's salted hash(), so every process agrees
    assert task_seed(0, "a").entropy[1] == int.from_bytes(
        bytes.fromhex("ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb")[:4],
        "little",
    )


def test_batched_keeps_order_and_every_item():
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    with pytest.raises(ValueError):
        list(batched([], 0))


def test_serial_executor_is_a_concurrent_futures_executor():
    with make_executor(workers=1) as executor:
        assert isinstance(executor, SerialExecutor)
        assert executor.submit(pow, 2, 5).result() == 32
        assert list(executor.map(abs, [-1, 2])) == [1, 2]
        with pytest.raises(ZeroDivisionError):
            executor.submit(divmod, 1, 0).result()


@pytest.mark.parametrize("method", ["EE", "DL", "REML", "PM", "ML", "SJ", "HS", "HE", "EB"])
@pytest.mark.parametrize("hk", [False, True])
def test_lean_pooled_rate_equals_rma_arrays(method, hk):
    rng = np.random.default_rng(7)
    total = rng.integers(5, 120, 8)
    events = rng.binomial(total, 0.15)
    events[0] = 0  # a zero-event study: the continuity correction is exercised too
    full = rma_arrays(events, total, method=method, ci="hk" if hk else "z")
    lean = pooled_logit(events, total, method=method, hartung_knapp=hk)
    assert lean["estimate"] == pytest.approx(full.estimate, rel=1e-13)
    assert [lean["ci_lo"], lean["ci_hi"]] == pytest.approx(list(full.ci), rel=1e-13)
    assert lean["tau2"] == pytest.approx(full.tau2, rel=1e-13, abs=1e-15)
    if full.pi is None:
        assert math.isnan(lean["pi_lo"])
    else:
        assert [lean["pi_lo"], lean["pi_hi"]] == pytest.approx(list(full.pi), rel=1e-13)


def test_performance_measures_and_mcse_by_brute_force():
    rng = np.random.default_rng(1)
    estimate = 0.3 + rng.normal(0.01, 0.05, 400)
    lo, hi = estimate - 0.08, estimate + 0.1
    out = performance(estimate, lo, hi, 0.3)
    error = estimate - 0.3
    n = len(error)
    assert out["bias"] == pytest.approx(error.mean())
    assert out["bias_mcse"] == pytest.approx(np.std(error, ddof=1) / math.sqrt(n))
    cover = np.mean((lo <= 0.3) & (0.3 <= hi))
    assert out["coverage"] == pytest.approx(cover)
    assert out["coverage_mcse"] == pytest.approx(math.sqrt(cover * (1 - cover) / n))
    assert out["width"] == pytest.approx(0.18)
    assert out["rmse"] == pytest.approx(math.sqrt(np.mean(error**2)))
    # MCSE of the RMSE by the bootstrap (independent of the delta-method formula)
    boot = [math.sqrt(np.mean(rng.choice(error, n) ** 2)) for _ in range(4000)]
    assert out["rmse_mcse"] == pytest.approx(np.std(boot), rel=0.1)


def test_performance_without_intervals_is_nan():
    out = performance(np.full(3, np.nan), np.full(3, np.nan), np.full(3, np.nan), 0.5)
    assert all(math.isnan(v) for v in out.values())


def test_enumeration_is_mixed_radix_and_sampling_is_seeded_and_distinct():
    dims = [("a", ["x", "y"]), ("min_total", [0, 10, 20]), ("analysis", [{"method": "DL"}])]
    assert size(dims) == 6
    assert choice_at(dims, 5) == {"a": "y", "min_total": 20, "method": "DL"}
    every = list(specifications(dims))
    assert [key for key, _ in every] == ["0", "1", "2", "3", "4", "5"]
    sample = list(specifications(dims, sample=4, seed=3))
    assert sample == list(specifications(dims, sample=4, seed=3))
    assert len({k for k, _ in sample}) == 4 and sample == sorted(sample, key=lambda s: s[0])
    assert list(specifications(dims, sample=99)) == every


def test_variance_shares_find_the_choice_that_moves_the_estimate():
    frame = pd.DataFrame(
        {
            "estimate": [0.2, 0.21, 0.6, 0.61],
            "method": ["DL", "REML", "DL", "REML"],
            "subset": ["a", "a", "b", "b"],
        }
    )
    shares = variance_shares(frame, ["method", "subset"])
    assert shares[0]["choice"] == "subset" and shares[0]["share"] > 0.99
    assert shares[1]["share"] < 0.01


def test_progress_bar_silent_off_a_terminal_and_counts_on_one():
    quiet = io.StringIO()
    Progress(10, stream=quiet).advance(10)
    assert quiet.getvalue() == ""
    loud = io.StringIO()
    bar = Progress(10, done=4, stream=loud, enabled=True, label="fits")
    bar.advance(6)
    bar.close()
    assert "10/10 fits" in loud.getvalue() and "/s" in loud.getvalue()


def test_a_specification_fits_exactly_the_studies_its_choices_select(multiverse_spec):
    from bayesmeta.analysis.specfile import load_spec
    from bayesmeta.multiverse.run import multiverse_data
    from bayesmeta.multiverse.specification import Context, fit_specification

    spec = load_spec(multiverse_spec)
    data = multiverse_data(spec, spec.multiverse)
    context = Context.of(data, covariates=["region"], seed=1, min_studies=3)
    dl = {"method": "DL", "hartung_knapp": "yes", "mu_prior": "n/a", "tau_prior": "n/a"}
    # all regions, sizes >= 30, C left out (C has 25 patients: not in the subset)
    row = fit_specification(
        context, "k1", {"filter_region": "all", "min_total": 30, "left_out": "C", **dl}
    )
    assert row["status"].startswith("skipped: the study left out")
    # north, any size, B left out: A, E, G
    row = fit_specification(
        context, "k2", {"filter_region": "north", "min_total": 0, "left_out": "B", **dl}
    )
    expected = rma_arrays(np.array([3, 7, 2]), np.array([40, 35, 15]), method="DL", ci="hk")
    assert row["status"] == "ok" and row["k"] == 3
    assert row["estimate"] == pytest.approx(expected.estimate, rel=1e-13)
    assert [row["ci_lo"], row["ci_hi"]] == pytest.approx(list(expected.ci), rel=1e-13)
    # north, sizes >= 30, B left out: A, E: fewer than min_studies
    row = fit_specification(
        context, "k3", {"filter_region": "north", "min_total": 30, "left_out": "B", **dl}
    )
    assert row["status"] == "skipped: 2 studies (fewer than 3)" and math.isnan(row["estimate"])


def test_batches_and_in_flight_scale_with_the_run_and_the_executor():
    from bayesmeta.many.executor import executor_slots
    from bayesmeta.many.tasks import default_batch

    assert [default_batch(n) for n in (10, 10_000, 10**6)] == [16, 156, 1024]
    with make_executor(workers=1) as serial:
        assert executor_slots(serial) == 1
    with make_executor(workers=2) as pool:
        assert executor_slots(pool) == 2
