"""Every input error reaches the user as one stderr line and exit status 2, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from bayesmeta.cli import main

GOOD = pd.DataFrame(
    {
        "study": ["A 2020", "B 2021", "C 2022", "D 2023"],
        "ev": [3, 5, 0, 7],
        "n": [10, 12, 8, 9],
        "group": ["x", "y", "x", "y"],
    }
)

BAD_TABLES = {
    "events_above_total": (GOOD.assign(ev=[3, 13, 0, 7]), "B 2021"),
    "negative": (GOOD.assign(ev=[3, -5, 0, 7]), "B 2021"),
    "non_integer": (GOOD.assign(n=[10, 12, 8.5, 9]), "C 2022"),
    "non_numeric": (GOOD.assign(ev=["3", "x", "0", "7"]), "B 2021"),
    "non_finite": (GOOD.assign(n=[10, 12, float("inf"), 9]), "C 2022"),
    "total_zero": (GOOD.assign(ev=[3, 5, 0, 0], n=[10, 12, 8, 0]), "D 2023"),
    "only_events": (GOOD.assign(n=[10, None, 8, 9]), "B 2021"),
    "duplicate": (GOOD.assign(study=["A 2020", "B 2021", "A 2020", "D 2023"]), "A 2020"),
}
COMMANDS = ["freq", "fit"]


def _run(argv, capsys):
    status = main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("case", sorted(BAD_TABLES))
@pytest.mark.parametrize("as_json", [False, True])
def test_bad_table_exits_2_naming_the_study(tmp_path, capsys, command, case, as_json):
    frame, study = BAD_TABLES[case]
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    argv = [command, str(path), "--events", "ev", "--total", "n"] + (["--json"] if as_json else [])
    status, out, err = _run(argv, capsys)
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert study in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_column_and_file(tmp_path, capsys, command):
    path = tmp_path / "data.csv"
    GOOD.to_csv(path, index=False)
    status, _, err = _run([command, str(path), "--events", "events", "--total", "n"], capsys)
    assert status == 2 and "'events' not found" in err and len(err.strip().splitlines()) == 1
    status, _, err = _run(
        [command, str(tmp_path / "nope.csv"), "--events", "ev", "--total", "n"], capsys
    )
    assert status == 2 and "no such file" in err
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    status, _, err = _run([command, str(empty), "--events", "ev", "--total", "n"], capsys)
    assert status == 2 and "empty" in err


@pytest.mark.parametrize(
    "command", [["freq"], ["fit", "--engine", "quadrature"]], ids=["freq", "fit"]
)
def test_excluded_study_is_reported_and_the_analysis_proceeds(tmp_path, capsys, command):
    path = tmp_path / "data.csv"
    GOOD.assign(ev=[3, None, 0, 7], n=[10, None, 8, 9]).to_csv(path, index=False)
    argv = [*command[:1], str(path), "--events", "ev", "--total", "n", *command[1:], "--json"]
    status, out, err = _run(argv, capsys)
    assert status == 0, err
    payload = json.loads(out)
    assert payload["k"] == 3
    assert [e["study"] for e in payload["excluded"]] == ["B 2021"]


def test_usage_error_is_one_line_exit_2():
    process = subprocess.run(
        [sys.executable, "-m", "bayesmeta", "freq", "--no-such-option"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 2
    assert len(process.stderr.strip().splitlines()) == 1
    assert "Traceback" not in process.stderr


@pytest.mark.parametrize("command", ["freq", "fit", "run", "compare", "sensitivity"])
def test_every_subcommand_has_help(command):
    process = subprocess.run(
        [sys.executable, "-m", "bayesmeta", command, "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 0
    assert "usage: bayesmeta " + command in process.stdout
