"""`bayesmeta run` on one spec with the exact engine: every output, the report's content,
same seed -> same numbers, and an interrupted run leaves no half-written report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bayesmeta.analysis import runner, spec_render
from bayesmeta.analysis.fitting import fit_spec
from bayesmeta.analysis.specfile import load_spec
from bayesmeta.cli import main

SPEC = """
title = "CRR pooled (test)"
[data]
dataset = "cart_wu2025"
outcome = "crr"
events = "crr_events"
total = "crr_total"
[model]
kind = "random"
[priors]
tau = "halfnormal(1.5)"
[sampler]
engine = "quadrature"
draws = 300
chains = 2
seed = 7
[baselines]
methods = ["DL", "GLMM"]
[paper]
source = "Wu et al. 2025, Fig. 2B"
estimate = 0.58
ci = [0.43, 0.72]
i2 = 0.84
"""


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("specs") / "crr_test.toml"
    path.write_text(SPEC, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def fitted(spec_path):
    return fit_spec(load_spec(spec_path))


@pytest.fixture(scope="module")
def record(fitted, tmp_path_factory):
    return runner.write_outputs(fitted, tmp_path_factory.mktemp("out"))


def test_every_output_file_is_written(record):
    for name in ("posterior.nc", "summary.json", "pooled.csv", "study_rates.csv", "forest.png",
                 "pooled_posterior.png", "report.md", "report.html"):  # fmt: skip
        assert (record.folder / name).stat().st_size > 0, name
    assert not [p for p in record.folder.iterdir() if p.name.startswith(".")]  # no temp files


def test_report_states_model_priors_exclusions_diagnostics_and_baselines(record, fitted):
    text = (record.folder / "report.md").read_text()
    assert "tau ~ halfnormal(1.5)" in text and "mu ~ normal(0, 2.5)" in text
    for exclusion in fitted.model.data.excluded:  # the 5 studies without a CRR
        assert exclusion.study in text
    assert "outcome not reported" in text
    # an exact fit states its diagnostics as "Exact (no sampling)" (issue 23), never a sampler warning
    assert fitted.result.diagnostics.sampled is False and fitted.result.diagnostics.ok
    diagnostics = text.split("Diagnostics", 1)[1].split("\n#", 1)[0]
    assert "Exact (no sampling)" in diagnostics and "WARNING" not in diagnostics
    for row in (
        "pooled median rate",
        "pooled mean rate",
        "Frequentist DL",
        "Frequentist GLMM",
        "Paper: Wu et al. 2025",
    ):
        assert row in text
    html = (record.folder / "report.html").read_text()
    assert (
        html.startswith("<!DOCTYPE html>")
        and "Frequentist GLMM" in html
        and 'src="forest.png"' in html
    )


def test_tables_match_the_result(record, fitted):
    summary = json.loads((record.folder / "summary.json").read_text())
    assert summary["bayes"]["pooled_median"]["median"] == pytest.approx(
        fitted.result.pooled_median.median
    )
    assert len(summary["excluded"]) == 5
    rates = pd.read_csv(record.folder / "study_rates.csv")
    assert len(rates) == fitted.model.data.k == 27
    # the frequentist GLMM row is the same fit the paper reports (0.58 [0.43; 0.72])
    glmm = summary["baselines"]["GLMM"]
    assert glmm["estimate"] == pytest.approx(0.58, abs=0.005)


def test_same_seed_same_numbers(spec_path, fitted):
    import arviz as az

    again = fit_spec(load_spec(spec_path))
    assert again.result.to_dict() == fitted.result.to_dict()
    np.testing.assert_array_equal(again.draws.eta, fitted.draws.eta)
    del az


def test_interrupted_run_leaves_the_previous_folder_as_it_was(fitted, tmp_path, monkeypatch):
    folder = tmp_path / fitted.spec.name
    folder.mkdir()
    (folder / "report.md").write_text("an old report of other numbers")

    def broken(fitted, files):
        files["forest.png"] = b""  # whatever a writer left, then a crash
        raise RuntimeError("interrupted while drawing")

    monkeypatch.setattr(spec_render, "spec_figures", broken)
    with pytest.raises(RuntimeError):
        runner.write_outputs(fitted, tmp_path)
    assert sorted(p.name for p in folder.iterdir()) == ["report.md"]
    assert (folder / "report.md").read_text() == "an old report of other numbers"
    assert [p.name for p in tmp_path.iterdir()] == [fitted.spec.name]  # no temporary folder


def test_writer_failure_midway_leaves_no_partial_folder(fitted, tmp_path, monkeypatch):
    from bayesmeta.errors import OutputError

    real = runner.write_bytes

    def failing(path, content):
        if Path(path).name == "report.html":
            raise OSError(28, "No space left on device")
        return real(path, content)

    monkeypatch.setattr(runner, "write_bytes", failing)
    with pytest.raises(OutputError, match="disk is full"):
        runner.write_outputs(fitted, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_cli_run_writes_the_report(spec_path, tmp_path, capsys):
    assert main(["run", str(spec_path), "--out", str(tmp_path)]) == 0
    assert "crr_test: pooled median rate" in capsys.readouterr().out
    assert (tmp_path / "crr_test" / "report.html").is_file()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["run", "no/such/spec.toml"], "no such spec file or folder"),
        (["compare", "no/such/a.toml", "b.toml"], "no such spec file"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1


def test_cli_spec_error_exits_2_naming_the_key(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(SPEC.replace('kind = "random"', 'kind = "random"\nby = "country"'))
    assert main(["run", str(bad), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: [model] by:" in err and err.count("\n") == 1


def test_compare_reloads_saved_fits_from_out(spec_path, tmp_path, monkeypatch, capsys):
    from bayesmeta.analysis import comparison

    common = spec_path.parent / "crr_common_test.toml"
    common.write_text(SPEC.replace('kind = "random"', 'kind = "common"'), encoding="utf-8")
    assert main(["run", str(spec_path.parent), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "index.md").is_file() and (tmp_path / "comparison.json").is_file()
    capsys.readouterr()

    def no_refit(*args, **kwargs):
        raise AssertionError("refitted although a saved fit of the same spec exists")

    monkeypatch.setattr(comparison, "posterior_draws", no_refit)
    assert main(["compare", str(spec_path), str(common), "--out", str(tmp_path), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["name"] == "crr_test"  # 27 studies with 0% to 100% rates: no common effect
    # an edited spec is not reloaded
    common.write_text(
        SPEC.replace('kind = "random"', 'kind = "common"') + "\n# edited\n", encoding="utf-8"
    )
    with pytest.raises(AssertionError, match="refitted"):
        main(["compare", str(spec_path), str(common), "--out", str(tmp_path)])


def test_log_evidence_is_in_summary_json_and_the_report(record, fitted):
    """The exact fit's log p(y) and its numerical error reach summary.json and the report."""
    summary = json.loads((record.folder / "summary.json").read_text())
    assert summary["bayes"]["log_evidence"] == pytest.approx(fitted.result.log_evidence)
    assert summary["bayes"]["log_evidence_error"] == pytest.approx(fitted.result.log_evidence_error)
    text = (record.folder / "report.md").read_text()
    assert f"Log evidence log p(y) = {fitted.result.log_evidence:.3f}" in text
