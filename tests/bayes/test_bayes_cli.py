"""``bayesmeta fit`` end to end with sampling mocked (real parsing, summaries and files)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bayesmeta.cli import main

CSV_ARGS = ["cart_wu2025", "--events", "dead_events", "--total", "dead_total"]
FAST = ["--engine", "nuts", "--draws", "500", "--chains", "2", "--tune", "10"]


def test_fit_json_by_cancer_type(mock_sampling, capsys):
    assert main(["fit", *CSV_ARGS, *FAST, "--by", "cancer_type", "--seed", "7", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    for key in ("pooled_median", "pooled_mean", "new_study", "tau"):
        assert set(payload[key]) == {"median", "lo", "hi"}
    assert set(payload["diagnostics"]) >= {
        "rhat_max",
        "ess_bulk_min",
        "ess_tail_min",
        "divergences",
    }
    assert len(payload["excluded"]) == 5
    assert set(payload["rates"]) == {"leukemia", "lymphoma", "myeloma", "solid"}
    assert len(payload["contrasts"]) == 6
    assert payload["model"]["seed"] == 7 and mock_sampling[0]["seed"] == 7
    assert payload["model"]["kind"] == "subgroup"


def test_fit_options_reach_the_model(mock_sampling, capsys):
    argv = [
        "fit",
        *CSV_ARGS,
        *FAST,
        "--formula",
        "cancer_type",
        "--tau-prior",
        "halfcauchy(1)",
        "--beta-prior",
        "normal(0, 1)",
        "--json",
    ]
    assert main(argv) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["model"]["priors"] == {
        "mu": "normal(0, 2.5)",
        "beta": "normal(0, 1)",
        "tau": "halfcauchy(1)",
    }
    assert "coefficients" in payload and "intercept" in payload["coefficients"]
    spec = mock_sampling[0]["spec"]
    assert spec.kind == "regression" and spec.formula == "cancer_type"


def test_fit_out_writes_netcdf_and_tables(mock_sampling, tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(["fit", *CSV_ARGS, *FAST, "--by", "cancer_type", "--separate-tau", "--out", str(out)])
        == 0
    )
    text = capsys.readouterr().out
    assert "pooled rate at the average study" in text and "tau[solid]" in text
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "posterior.nc",
            "result.json",
            "summary.csv",
            "study_rates.csv",
            "contrasts.csv",
            "diagnostics.csv",
            "excluded.csv",
        ]
    )
    summary = pd.read_csv(out / "summary.csv")
    assert "pooled_mean" in summary["quantity"].tolist()
    assert len(pd.read_csv(out / "study_rates.csv")) == 27
    from bayesmeta.bayes import load

    written = json.loads((out / "result.json").read_text())
    assert written.pop("versions")["numpy"]  # the stack it was computed with
    assert load(out / "posterior.nc").to_dict() == written


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--tau-prior", "normal(0, 1)"], "tau prior"),
        (["--by", "nope"], "nope"),
        (["--separate-tau"], "separate_tau"),
        (["--engine", "nuts", "--draws", "0"], "draws"),
    ],
)
def test_fit_bad_input_is_one_line_exit_2(mock_sampling, capsys, extra, message):
    assert main(["fit", *CSV_ARGS, *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("bayesmeta fit: error:") and message in err
    assert len(err.splitlines()) == 1
