"""`bayesmeta sensitivity`: JSON on stdout, files in --out, one-line errors with exit 2."""

from __future__ import annotations

import json

from bayesmeta.cli import main

ARGS = ["sensitivity", "cart_wu2025", "--events", "dead_events", "--total", "dead_total"]


def test_json_and_out_files(tmp_path, capsys):
    status = main(
        [*ARGS, "--what", "small,freq", "--min-n", "15", "--json", "--out", str(tmp_path)]
    )
    assert status == 0
    payload = json.loads(capsys.readouterr().out)
    kinds = [row["kind"] for row in payload["rows"]]
    assert kinds[0] == "baseline" and kinds.count("small_studies") == 1
    assert kinds.count("freq_estimator") == 10 and kinds.count("freq_correction") == 5
    assert payload["rows"][0]["engine"] == "quadrature"
    assert {e["study"] for e in payload["excluded"]} >= {"Mailankody S 2022", "Brudno JN 2024"}
    assert payload["rows"][-1]["mean"] is None  # NaN becomes null
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "bayes_factors.png",  # exact fits carry log Bayes factors (issue 12)
        "sensitivity.csv",
        "sensitivity.json",
        "sensitivity.png",
    ]
    assert json.loads((tmp_path / "sensitivity.json").read_text())["rows"] == payload["rows"]


def test_bad_options_exit_2_with_one_line(capsys):
    assert main([*ARGS, "--what", "priors,foo"]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "unknown variation 'foo'" in error
    assert main([*ARGS, "--min-n", "0"]) == 2
    assert "--min-n" in capsys.readouterr().err
