"""``bayesmeta fit/freq DATA --outcomes ...`` end to end (NUTS replaced by prior draws)."""

from __future__ import annotations

import json

import pytest

from bayesmeta.cli import main
from bayesmeta.joint import bayes_fit as joint_fit
from bayesmeta.joint import prior as joint_prior

BASE = ["fit", "cart_wu2025", "--outcomes", "orr,crr,dead", "--draws", "30", "--chains", "2"]


@pytest.fixture(autouse=True)
def prior_sampling(monkeypatch):
    def fake(spec, *, draws, tune, chains, seed, sampler="pymc", target_accept=0.95):
        return joint_prior.prior_draws(spec, draws=draws, chains=chains, seed=seed)

    monkeypatch.setattr(joint_fit, "sample_joint", fake)


def test_nested_mode_output_names_the_two_studies_with_more_complete_responses(capsys):
    assert main([*BASE, "--nested", "crr<orr"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("nested crr<orr:")]
    assert len(lines) == 2
    assert "Pan J 2021" in lines[0] and "19 exceeds 'orr_events' = 18" in lines[0]
    assert "Jiang H 2019" in lines[1] and "51 exceeds 'orr_events' = 50" in lines[1]


def test_json_and_out_folder(tmp_path, capsys):
    out = tmp_path / "joint"
    argv = [*BASE, "--joint", "orr>0.8,dead<0.25", "--given", "orr=27/30", "--json"]
    assert main([*argv, "--out", str(out)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload["outcomes"]["dead"]) == {"pooled_median", "pooled_mean", "new_study", "tau"}
    assert set(payload["correlations"]) == {"orr,crr", "orr,dead", "crr,dead"}
    assert set(payload["joint"][0]) >= {"condition", "pooled", "new_study"}
    assert payload["sampling"]["draws"] == 30 and "versions" in payload
    assert payload["sampling"]["sampler"] == "nutpie"  # the default "auto", named as resolved
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(
        [
            "posterior.nc",
            "result.json",
            "summary.csv",
            "correlations.csv",
            "joint.csv",
            "conditional.csv",
            "study_rates.csv",
            "diagnostics.csv",
        ]
    )
    assert json.loads((out / "result.json").read_text())["joint"] == payload["joint"]
    # the posterior round-trips: draws (study effects included) and the payload written with them
    from bayesmeta.joint.draws import load_posterior

    draws, saved = load_posterior(out / "posterior.nc")
    assert draws.mu.shape == (2, 30, 3) and draws.u.shape == (2, 30, 32, 3)
    assert saved["joint"] == payload["joint"] and saved["outcomes"] == payload["outcomes"]


def test_bad_options_are_one_line_errors(capsys):
    for extra, message in (
        (["--joint", "orr>1.2"], "--joint: 'orr>1.2' needs a rate strictly between 0 and 1"),
        (["--joint", "cr>0.5"], "--joint: 'cr' is not one of the outcomes"),
        (["--given", "orr=abc"], "--given: 'orr=abc' needs a rate"),
    ):
        assert main([*BASE, *extra]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err
    assert main(["fit", "cart_wu2025", "--outcomes", "orr"]) == 2
    assert "at least two outcomes" in capsys.readouterr().err
    assert main(["fit", "cart_wu2025"]) == 2
    assert "--events and --total are required (or --outcomes" in capsys.readouterr().err


def test_freq_text_table(capsys):
    assert main(["freq", "cart_wu2025", "--outcomes", "orr,death", "--method", "GLMM"]) == 0
    out = capsys.readouterr().out
    assert "multivariate GLMM" in out and "correlation orr,death" in out
    assert "log-likelihood" in out


@pytest.mark.parametrize(
    ("option", "value"), [("--draws", "0"), ("--chains", "0"), ("--tune", "-1")]
)
def test_bad_nuts_counts_are_one_line_errors_before_sampling(monkeypatch, capsys, option, value):
    # checked as every other NUTS path checks them (nuts/sample_fit.checked_options)
    def never(*args, **kwargs):
        raise AssertionError("sampled")

    monkeypatch.setattr(joint_fit, "sample_joint", never)
    argv = ["fit", "cart_wu2025", "--outcomes", "orr,crr,dead", option, value]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert option.removeprefix("--") in err and len(err.strip().splitlines()) == 1
