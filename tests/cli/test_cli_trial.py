"""`bayesmeta map` and `bayesmeta design`: JSON keys, report folders, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from bayesmeta.cli import main

MODELS = Path(__file__).resolve().parents[2] / "models"
CART = ["cart_wu2025", "--events", "orr_events", "--total", "orr_total"]
# a small table (fast exact fits) with two covariates
SMALL = pd.DataFrame(
    {
        "study": [f"S{i}" for i in range(8)],
        "ev": [12, 15, 9, 20, 4, 6, 5, 7],
        "n": [20, 22, 15, 30, 12, 14, 10, 16],
        "group": ["a", "a", "a", "a", "b", "b", "b", "b"],
        "region": ["x", "y", "x", "y", "x", "y", "x", "y"],
        "dose": [1.0, 2.0, 1.0, 2.0, 1.5, 2.5, 1.5, 2.5],
    }
)


def _run(argv, capsys):
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture(scope="module")
def small_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "small.csv"
    SMALL.to_csv(path, index=False)
    return str(path)


@pytest.fixture(scope="module")
def map_json(tmp_path_factory, small_csv):
    """`map --json` on the small table, level a, robustified, with a new trial."""
    import contextlib
    import io

    argv = [
        "map", small_csv, "--events", "ev", "--total", "n", "--by", "group", "--level", "a",
        "--robust", "0.2", "--new-events", "3", "--new-total", "20", "--json",
    ]  # fmt: skip
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(argv) == 0
    path = tmp_path_factory.mktemp("prior") / "MAP.json"
    path.write_text(out.getvalue())
    return path


def test_map_json_keys(map_json):
    payload = json.loads(map_json.read_text())
    assert set(payload) >= {"mixture", "ess", "fit_quality", "conflict", "robust", "map_mixture"}
    assert set(payload["mixture"][0]) == {"weight", "a", "b"}
    assert set(payload["ess"]) == {"elir", "moment", "morita"}
    assert payload["fit_quality"]["max_cdf_diff"] < 0.01
    assert set(payload["fit_quality"]["quantile_diffs"]) == {"2.5%", "50%", "97.5%"}
    assert payload["mixture"][-1] == {"weight": 0.2, "a": 1.0, "b": 1.0}
    assert payload["prior_for"] == "group=a" and payload["k"] == 4
    assert 0 <= payload["conflict"]["box_p"] <= 1


def test_pattern_with_one_covariate_is_the_level(small_csv, map_json, capsys):
    argv = ["map", small_csv, "--events", "ev", "--total", "n", "--pattern", "group=a",
            "--robust", "0.2", "--json"]  # fmt: skip
    status, out, err = _run(argv, capsys)
    assert status == 0, err
    by_level = json.loads(map_json.read_text())
    assert json.loads(out)["mixture"] == by_level["mixture"]


def test_design_json_from_map_json(map_json, capsys):
    argv = ["design", "--prior", str(map_json), "--n", "40", "--p0", "0.5", "--confidence",
            "0.9", "--target-power", "0.8", "--at-rate", "0.7", "--json"]  # fmt: skip
    status, out, err = _run(argv, capsys)
    assert status == 0, err
    payload = json.loads(out)
    assert isinstance(payload["critical"], int) and 0 <= payload["type1"] <= 1
    assert payload["power"]["0.5"] == pytest.approx(payload["type1"])
    assert payload["vague"]["prior"] == "Beta(1, 1)"
    assert payload["smallest_n"]["n"] >= 1
    argv = [
        "design",
        "--prior",
        str(map_json),
        "--n",
        "40",
        "--p0",
        "0.5",
        "--rates",
        "0.6,0.8",
        "--json",
    ]
    status, out, err = _run(argv, capsys)
    assert status == 0, err
    assert list(json.loads(out)["power"]) == ["0.6", "0.8"]


def test_report_folders(tmp_path, small_csv, map_json, capsys):
    out = tmp_path / "map_report"
    argv = ["map", small_csv, "--events", "ev", "--total", "n", "--out", str(out)]
    status, _, err = _run(argv, capsys)
    assert status == 0, err
    assert sorted(p.name for p in out.iterdir()) == [
        "map.json",
        "map.png",
        "mixture.csv",
        "report.md",
    ]
    assert json.loads((out / "map.json").read_text())["prior_for"] == "all studies"
    design_out = tmp_path / "design_report"
    argv = ["design", "--prior", str(out / "map.json"), "--n", "30", "--p0", "0.5",
            "--out", str(design_out)]  # fmt: skip
    status, stdout, err = _run(argv, capsys)
    assert status == 0, err
    # the decision rule in words (issue 23: GO/NO-GO), the direction said once
    assert "GO if P(p > 0.5 | data) > 0.9: >= " in stdout and " of 30" in stdout
    assert stdout.count("higher is better") == 1 and "(the default)" in stdout
    names = sorted(p.name for p in design_out.iterdir())
    assert names == ["design.json", "oc.csv", "oc.png", "report.md"]
    (design_out / "stale.txt").write_text("someone else's file")
    argv[argv.index("30")] = "25"  # a folder with a file bayesmeta does not write: refused
    status, _, err = _run(argv, capsys)
    assert status == 2 and "not written by bayesmeta" in err, err
    assert (design_out / "stale.txt").exists()
    (design_out / "stale.txt").unlink()
    status, _, err = _run(argv, capsys)  # a second run replaces the folder as a whole
    assert status == 0, err
    assert json.loads((design_out / "design.json").read_text())["n"] == 25
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_report_is_written_whole_or_not_at_all(tmp_path, map_json, monkeypatch, capsys):
    import bayesmeta.trial.report as report

    def broken(figure):
        def write(path):
            raise RuntimeError("disk full")

        return write

    monkeypatch.setattr(report, "png_writer", broken)
    target = tmp_path / "never"
    argv = ["design", "--prior", str(map_json), "--n", "30", "--p0", "0.5", "--out", str(target)]
    with pytest.raises(RuntimeError):
        main(argv)
    assert list(tmp_path.iterdir()) == []


BAD = {
    "level_without_studies": (["--by", "group", "--level", "c"], "no studies at level 'c'"),
    "pattern_unknown_level": (["--pattern", "group=zz"], "no studies at level 'zz'"),
    "pattern_unknown_covariate": (["--pattern", "colour=red"], "unknown covariate 'colour'"),
    "pattern_two_covariates": (["--pattern", "group=a,region=x"], "--formula 'group + region'"),
    "formula_pattern_level": (["--formula", "group", "--pattern", "group=zz"], "no studies at"),
    "formula_pattern_missing": (["--formula", "group + dose", "--pattern", "group=a"], "missing"),
    "formula_pattern_not_a_number": (["--formula", "dose", "--pattern", "dose=hi"], "a number"),
    "formula_pattern_unknown": (
        ["--formula", "dose", "--pattern", "colour=1"],
        "unknown covariate",
    ),
    "formula_without_pattern": (["--formula", "dose"], "--pattern"),
    "pattern_malformed": (["--pattern", "group"], "covariate=level"),
    "robust_above_one": (["--robust", "1.5"], "--robust 1.5"),
    "robust_negative": (["--robust", "-0.1"], "--robust -0.1"),
    "new_total_alone": (["--new-total", "10"], "go together"),
    "new_events_above_total": (["--new-events", "11", "--new-total", "10"], "between 0 and total"),
    "by_without_level": (["--by", "group"], "--level"),
    "pattern_other_than_by": (["--by", "group", "--pattern", "region=x"], "groups by 'group'"),
    "pattern_with_common": (["--common", "--pattern", "group=a"], "--pattern needs"),
    "pattern_numeric": (["--pattern", "dose=2"], "numeric covariate 'dose'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_map_bad_input_one_line_exit_2(small_csv, capsys, case):
    extra, message = BAD[case]
    status, out, err = _run(["map", small_csv, "--events", "ev", "--total", "n", *extra], capsys)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--n", "0", "--p0", "0.5"], "--n 0"),
        (["--n", "20", "--p0", "1.2"], "--p0 1.2"),
        (["--n", "20", "--p0", "0"], "--p0 0"),
        (["--n", "20", "--p0", "0.5", "--confidence", "1"], "--confidence"),
        (["--n", "20", "--p0", "0.5", "--target-power", "0.8"], "go together"),
        (["--n", "20", "--p0", "0.5", "--rates", "0.5,x"], "--rates"),
        (["--n", "20", "--p0", "0.5", "--rates", "0.5,1.5"], "--rates"),
    ],
)
def test_design_bad_input_one_line_exit_2(map_json, capsys, extra, message):
    status, out, err = _run(["design", "--prior", str(map_json), *extra], capsys)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err, err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("{not json", "not JSON"),
        ('{"ess": {}}', "no 'mixture' list"),
        ('{"mixture": [{"weight": 1, "a": "x", "b": 2}]}', "numeric 'weight', 'a' and 'b'"),
        ('{"mixture": [{"weight": 1, "a": -1, "b": 2}]}', "positive"),
    ],
)
def test_design_unreadable_prior(tmp_path, capsys, content, message):
    path = tmp_path / "prior.json"
    if content is not None:
        path.write_text(content)
    status, _, err = _run(["design", "--prior", str(path), "--n", "20", "--p0", "0.5"], capsys)
    assert status == 2 and len(err.strip().splitlines()) == 1
    assert message in err and "prior.json" in err, err


def test_cart_myeloma_map_prints_a_summary(capsys):
    status, out, err = _run(["map", *CART, "--by", "cancer_type", "--level", "myeloma"], capsys)
    assert status == 0, err
    assert "cancer_type=myeloma" in out and "ESS: elir" in out


@pytest.mark.parametrize("command", ["map", "design"])
def test_trial_subcommands_have_help(command):
    import subprocess
    import sys

    process = subprocess.run(
        [sys.executable, "-m", "bayesmeta", command, "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 0
    assert "usage: bayesmeta " + command in process.stdout


def test_spec_file_level_and_regression_pattern(capsys):
    """A spec file names data and model; a regression spec serves a two-covariate pattern
    through the exact regression engine (the JSON says which model and design row)."""
    argv = ["map", str(MODELS / "crr_by_cancer_type.toml"), "--level", "myeloma", "--components", "2",
            "--json"]  # fmt: skip
    status, out, err = _run(argv, capsys)
    assert status == 0, err
    by_level = json.loads(out)
    assert (
        by_level["model"]["kind"] == "subgroup" and by_level["prior_for"] == "cancer_type=myeloma"
    )
    argv = ["map", str(MODELS / "crr_regression_cancer_type_country.toml"), "--pattern",
            "cancer_type=myeloma,country=USA", "--json"]  # fmt: skip
    status, out, err = _run(argv, capsys)
    assert status == 0, err
    payload = json.loads(out)
    assert payload["model"]["kind"] == "regression"
    assert payload["prior_for"] == "cancer_type=myeloma, country=USA"
    assert payload["model"]["pattern"]["intercept"] == 1.0
    assert payload["fit_quality"]["max_cdf_diff"] < 0.01
    status, _, err = _run(["map", str(MODELS / "crr_regression_cancer_type_country.toml")], capsys)
    assert status == 2 and "--pattern" in err
    argv = ["map", str(MODELS / "crr_regression_cancer_type_country.toml"), "--pattern",
            "cancer_type=myeloma"]  # fmt: skip
    status, _, err = _run(argv, capsys)
    assert status == 2 and "missing: country" in err and len(err.strip().splitlines()) == 1


def test_numeric_pattern_moves_with_the_covariate(small_csv, capsys):
    """--formula dose --pattern dose=D: the predictive median follows the fitted slope (the
    rates fall with dose in SMALL), so a higher dose gives a lower median."""
    medians = []
    for dose in ("1", "2.5"):
        argv = ["map", small_csv, "--events", "ev", "--total", "n", "--formula", "dose",
                "--pattern", f"dose={dose}", "--json"]  # fmt: skip
        status, out, err = _run(argv, capsys)
        assert status == 0, err
        medians.append(json.loads(out)["predictive"]["median"])
    assert medians[1] < medians[0]
