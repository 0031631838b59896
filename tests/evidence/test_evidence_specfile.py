"""The ``[decisions]`` table of spec files, and posterior model probabilities in ``compare``."""

from __future__ import annotations

from pathlib import Path

import pytest

from bayesmeta.analysis.spec_parse import parse_spec
from bayesmeta.errors import SpecError

DOC = {
    "data": {"dataset": "cart_wu2025", "outcome": "orr", "events": "orr_events",
             "total": "orr_total"},
    "model": {"kind": "random"},
    "sampler": {"engine": "quadrature", "draws": 50, "chains": 1},
}  # fmt: skip


def test_decisions_are_read_and_validated():
    spec = parse_spec({**DOC, "decisions": {"threshold": [0.8, 0.9], "benchmark": 0.7}},
                      path=Path("x.toml"))  # fmt: skip
    assert spec.decisions == {"thresholds": (0.8, 0.9), "benchmark": 0.7}
    single = parse_spec({**DOC, "decisions": {"threshold": 0.8}}, path=Path("x.toml"))
    assert single.decisions["thresholds"] == (0.8,)
    assert parse_spec(DOC, path=Path("x.toml")).decisions == {"thresholds": (), "benchmark": None}
    with pytest.raises(SpecError, match=r"x.toml: \[decisions\] threshold: .*between 0 and 1"):
        parse_spec({**DOC, "decisions": {"threshold": [0.8, 1.5]}}, path=Path("x.toml"))
    with pytest.raises(SpecError, match=r"\[decisions\] threshold: expected a number or array"):
        parse_spec({**DOC, "decisions": {"threshold": "0.8"}}, path=Path("x.toml"))
    with pytest.raises(SpecError, match=r"\[decisions\] cutoff: unknown key"):
        parse_spec({**DOC, "decisions": {"cutoff": 0.8}}, path=Path("x.toml"))


def test_spec_fit_carries_the_decisions():
    from bayesmeta.analysis.fitting import fit_bayes, to_model

    spec = parse_spec({**DOC, "decisions": {"threshold": [0.8], "benchmark": 0.7}},
                      path=Path("x.toml"))  # fmt: skip
    result, _draws = fit_bayes(spec, to_model(spec))
    assert set(result.prob_above) == {"0.8"}
    assert set(result.bayes_factors) == {"heterogeneity", "pooled_vs_benchmark"}


def test_benchmark_with_nuts_is_refused_at_load():
    from bayesmeta.analysis.fitting import to_model

    doc = {**DOC, "sampler": {"engine": "nuts"}, "decisions": {"benchmark": 0.7}}
    with pytest.raises(SpecError, match=r"\[decisions\] benchmark: .*exact engine"):
        to_model(parse_spec(doc, path=Path("x.toml")))


def test_comparison_has_posterior_model_probabilities():
    from bayesmeta.analysis.averaging import average
    from bayesmeta.analysis.comparison import compare_models
    from bayesmeta.analysis.fitting import to_model

    specs = [
        parse_spec({**DOC, "name": "random"}, path=Path("random.toml")),
        parse_spec({**DOC, "name": "common", "model": {"kind": "common"}}, path=Path("c.toml")),
    ]
    models = [to_model(s) for s in specs]
    comparison = compare_models(specs, models)
    expected = average({"random": models[0], "common": models[1]})
    for m in expected.models:
        assert comparison.posterior_prob[m.name] == pytest.approx(m.posterior_prob, abs=1e-12)
    rows = comparison.to_list()
    assert {r["name"]: r["posterior_prob"] for r in rows} == comparison.posterior_prob


def test_folder_run_index_has_an_averaging_section(tmp_path):
    import json

    from bayesmeta.analysis.batch import run_folder

    folder = tmp_path / "specs"
    folder.mkdir()
    common = """[data]
dataset = "cart_wu2025"
outcome = "death"
events = "dead_events"
total = "dead_total"

[sampler]
engine = "quadrature"
draws = 100
chains = 1

[baselines]
methods = ["DL"]
"""
    (folder / "death_random.toml").write_text(common + '\n[model]\nkind = "random"\n')
    (folder / "death_common.toml").write_text(common + '\n[model]\nkind = "common"\n')
    out = tmp_path / "out"
    run_folder(folder, out)
    payload = json.loads((out / "comparison.json").read_text())
    averaging = payload["death"]["averaging"]
    names = {m["name"]: m["posterior_prob"] for m in averaging["models"]}
    assert set(names) == {"death_random", "death_common"}
    assert names["death_random"] > 0.999  # heterogeneity log BF ~ 74
    assert set(averaging["inclusion_bf"]) == {"heterogeneity"}
    rows = {r["name"]: r["posterior_prob"] for r in payload["death"]["rows"]}
    assert rows == pytest.approx(names, abs=1e-12)
    index = (out / "index.md").read_text()
    assert "Bayesian model averaging" in index and "P(M|y)" in index
    report = (out / "death_random" / "report.md").read_text()
    assert "## Bayes factors" in report and "random vs common (tau = 0)" in report
    summary = json.loads((out / "death_random" / "summary.json").read_text())
    assert summary["bayes"]["bayes_factors"]["heterogeneity"]["log_bf"] > 50
