"""Bayesian influence (Pareto k, exact leave-one-out pooled rate), the Bayesian sequential
analysis, and the report sections every spec gets."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bayesmeta.analysis.bayes_influence import bayes_influence
from bayesmeta.analysis.bias_report import (
    BAUJAT_FILE,
    FUNNEL_FILE,
    BiasInfluence,
    influence_blocks,
    small_study_blocks,
)
from bayesmeta.analysis.blocks import Heading, Image, to_markdown
from bayesmeta.analysis.sequential import bayes_cumulative
from bayesmeta.bayes import build_model
from bayesmeta.data import cart_outcome
from bayesmeta.freq.influence import influence
from bayesmeta.freq.ranktest import rank_test
from bayesmeta.freq.smallstudy import egger, peters
from bayesmeta.freq.trimfill import trim_fill
from bayesmeta.quad import fit_quadrature


def test_leave_one_out_pooled_rate_equals_an_exact_refit():
    data = cart_outcome("death")
    result = bayes_influence(data)
    spec = build_model(data, kind="random")
    for i in (0, 7, 13):
        reduced = dataclasses.replace(spec, data=data.without(data.studies[i], reason="x"))
        refit = fit_quadrature(reduced).pooled_median
        # the reweighted grid and a new grid integrate the same posterior: agreement to the
        # engine's accuracy (quantiles from a spline CDF on different nodes, ~1e-5)
        assert result.without[i].median == pytest.approx(refit.median, abs=5e-5)
        assert result.without[i].hi == pytest.approx(refit.hi, abs=5e-5)
    assert result.pooled.median == pytest.approx(fit_quadrature(spec).pooled_median.median)
    assert np.allclose(result.shift, [w.median - result.pooled.median for w in result.without])


def test_pareto_k_from_draws_is_reported_per_study():
    data = cart_outcome("orr").where(np.arange(24) < 8)
    rng = np.random.default_rng(0)
    eta = rng.normal(1.7, 0.2, size=(2, 200, 1)) * np.ones((1, 1, data.k))
    tau = np.abs(rng.normal(0.7, 0.1, size=(2, 200, 1))) * np.ones((1, 1, data.k))
    draws = type("D", (), {"events": data.events, "total": data.total, "eta": eta, "tau": tau})
    result = bayes_influence(data, draws=draws)
    assert result.pareto_k.shape == (data.k,)
    assert [r["study"] for r in result.to_dict()["rows"]] == list(data.studies)


def test_bayes_cumulative_last_row_is_the_full_posterior():
    data = cart_outcome("orr").where(np.arange(24) < 5)
    result = bayes_cumulative(data, order_by="year")
    full = fit_quadrature(build_model(data, kind="random")).pooled_median
    last = result.rows[-1]
    assert last.k == 5 and last.median == pytest.approx(full.median, rel=1e-12)
    years = data.covariates["year"].to_numpy()
    assert result.rows[0].study == data.studies[int(np.argmin(years))]
    widths = [r.hi - r.lo for r in result.rows]
    assert widths[0] > widths[-1]


def _bias(data):
    return BiasInfluence(
        egger=egger(data),
        peters=peters(data),
        begg=rank_test(data),
        trimfill=trim_fill(data),
        influence=influence(data),
        bayes=bayes_influence(data),
    )


def test_report_sections_show_every_piece():
    data = cart_outcome("death")
    bi = _bias(data)
    blocks = small_study_blocks(bi) + influence_blocks(bi)
    headings = [b.text for b in blocks if isinstance(b, Heading)]
    assert headings == ["Small-study effects", "Influence"]
    images = [b.path for b in blocks if isinstance(b, Image)]
    assert images == [FUNNEL_FILE, BAUJAT_FILE]
    text = to_markdown(blocks)
    for needle in (
        "Egger's regression, mixed-effects (metafor's regtest)",
        "Peters' test",
        "Begg's rank correlation",
        "4 (right)",
    ):
        assert needle in text
    assert f"{100 * bi.trimfill.estimate:.1f}%" in text
    for study in data.studies:
        assert f"| {study} |" in text
    flagged = int(np.sum(bi.influence.influential))
    assert text.count("| * |") == flagged


def test_report_sections_record_what_could_not_be_computed():
    bi = BiasInfluence(errors={"egger": "needs three studies", "influence": "too few"})
    text = to_markdown(small_study_blocks(bi, figure=False) + influence_blocks(bi, figure=False))
    assert "egger: not computed (needs three studies)" in text
    assert "Not computed (too few)" in text


def test_pareto_k_reads_the_log_likelihood_the_draws_keep(monkeypatch):
    import bayesmeta.analysis.loo as loo
    import bayesmeta.model.likelihood as likelihood
    from bayesmeta.analysis.bayes_influence import pareto_k_of
    from bayesmeta.analysis.draws import StudyDraws

    data = cart_outcome("orr").where(np.arange(24) < 8)
    rng = np.random.default_rng(1)
    eta = rng.normal(1.7, 0.5, size=(2, 3000, data.k))  # 6000 draws: thinned to 3000
    tau = np.abs(rng.normal(0.7, 0.1, size=(2, 3000, 1))) * np.ones((1, 1, data.k))
    draws = StudyDraws(data.studies, data.events, data.total, eta, tau)
    expected = pareto_k_of(data.events, data.total, eta, tau)
    draws.loglik()  # kept, as the InferenceData of a run computes it
    calls = []
    real = likelihood.integrated_loglik

    def counted(*args, **kwargs):
        calls.append(args[2].shape)
        return real(*args, **kwargs)

    monkeypatch.setattr(likelihood, "integrated_loglik", counted)
    monkeypatch.setattr(loo, "integrated_loglik", counted)
    result = bayes_influence(data, draws=draws)
    assert calls == []  # not computed again for the Pareto k (the thinned draws' are its rows)
    np.testing.assert_allclose(result.pareto_k, expected, rtol=1e-12)
