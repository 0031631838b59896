"""Bad input the reliability audit (issue 10) found accepted silently or crashing: each is now
one line naming the file, study or option and the field, exit status 2."""

from __future__ import annotations

import pandas as pd
import pytest

from bayesmeta.bayes import build_model
from bayesmeta.cli import main
from bayesmeta.data import from_frame, read_table
from bayesmeta.errors import InputError, SpecError

GOOD = pd.DataFrame(
    {
        "study": ["A", "B", "C", "D"],
        "ev": [3, 5, 0, 7],
        "n": [10, 12, 8, 9],
        "group": ["x", "y", "x", "y"],
        "empty": [None, None, None, None],
    }
)


def _one_line_error(argv, capsys, *words):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1, captured.err
    for word in words:
        assert word in captured.err, captured.err
    return captured.err


def test_duplicate_csv_header_is_refused(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("study,ev,n,age,age\nA,1,10,50,60\nB,2,10,51,61\n")
    with pytest.raises(InputError, match=r"dup\.csv: column 'age' appears twice"):
        read_table(path)


def test_duplicate_frame_columns_are_refused():
    frame = pd.concat([GOOD, GOOD[["group"]]], axis=1)
    with pytest.raises(InputError, match="'group' appears twice"):
        from_frame(frame, events="ev", total="n")


@pytest.mark.parametrize(("events", "total"), [("ev", "ev"), ("n", "n")])
def test_events_and_total_naming_one_column_is_refused(events, total):
    with pytest.raises(InputError, match=f"same column '{events}'"):
        from_frame(GOOD, events=events, total=total)


def test_events_and_total_same_column_cli(tmp_path, capsys):
    path = tmp_path / "d.csv"
    GOOD.to_csv(path, index=False)
    _one_line_error(["freq", str(path), "--events", "n", "--total", "n"], capsys, "'n'")


def test_counts_compared_as_exact_integers(tmp_path):
    # 2^53 + 1 == 2^53 in floating point: the old check passed events <= total
    path = tmp_path / "big.csv"
    path.write_text("study,ev,n\nA,9007199254740993,9007199254740992\nB,1,10\n")
    with pytest.raises(
        InputError, match=r"study 'A': 'ev' = 9007199254740993 exceeds 'n' = 9007199254740992"
    ):
        from_frame(read_table(path), events="ev", total="n")


@pytest.mark.parametrize(
    "total", ["18446744073709551616", "9223372036854775808", "9007199254740993"]
)
def test_count_beyond_exact_range_is_refused(tmp_path, total):
    path = tmp_path / "big.csv"
    path.write_text(f"study,ev,n\nA,1,{total}\nB,1,10\n")
    with pytest.raises(InputError, match=f"study 'A': 'n' = {total} is too large"):
        from_frame(read_table(path), events="ev", total="n")


def test_count_beyond_int64_is_one_line_in_the_cli(tmp_path, capsys):
    path = tmp_path / "big.csv"
    path.write_text("study,ev,n\nA,1,18446744073709551616\nB,1,10\nC,2,10\n")
    _one_line_error(["freq", str(path), "--events", "ev", "--total", "n"], capsys, "study 'A'")


def test_whole_float_and_string_counts_still_accepted():
    frame = GOOD.assign(ev=[3.0, 5.0, 0.0, 7.0], n=["10", "12", "8", "9"])
    data = from_frame(frame, events="ev", total="n")
    assert data.events.tolist() == [3, 5, 0, 7] and data.total.tolist() == [10, 12, 8, 9]


@pytest.mark.parametrize("option", ["mu_prior", "beta_prior", "tau_prior"])
def test_empty_prior_string_is_refused(option):
    data = from_frame(GOOD, events="ev", total="n")
    with pytest.raises(InputError, match="cannot read prior ''"):
        build_model(data, **{option: ""})


def test_empty_prior_string_cli(tmp_path, capsys):
    path = tmp_path / "d.csv"
    GOOD.to_csv(path, index=False)
    argv = ["fit", str(path), "--events", "ev", "--total", "n", "--engine", "quadrature"]
    _one_line_error([*argv, "--tau-prior", ""], capsys, "tau prior")


@pytest.mark.parametrize("formula", ["", "  ", "~"])
def test_empty_formula_is_refused(formula):
    data = from_frame(GOOD, events="ev", total="n")
    with pytest.raises(InputError, match="formula is empty"):
        build_model(data, formula=formula)


def test_empty_formula_cli(tmp_path, capsys):
    path = tmp_path / "d.csv"
    GOOD.to_csv(path, index=False)
    argv = ["fit", str(path), "--events", "ev", "--total", "n", "--engine", "quadrature"]
    _one_line_error([*argv, "--formula", ""], capsys, "formula is empty")


def test_empty_by_is_refused():
    data = from_frame(GOOD, events="ev", total="n")
    with pytest.raises(InputError, match="grouping covariate"):
        build_model(data, by="")


@pytest.mark.parametrize(
    "options", [{"by": "empty"}, {"formula": "group + empty"}], ids=["by", "formula"]
)
def test_covariate_missing_in_every_study_is_named(options):
    data = from_frame(GOOD, events="ev", total="n")
    with pytest.raises(InputError, match="covariate 'empty' is missing in every study"):
        build_model(data, **options)


def test_covariate_missing_in_every_study_freq(tmp_path, capsys):
    path = tmp_path / "d.csv"
    GOOD.to_csv(path, index=False)
    base = ["freq", str(path), "--events", "ev", "--total", "n"]
    _one_line_error([*base, "--by", "empty"], capsys, "'empty' is missing in every study")
    _one_line_error([*base, "--mods", "empty"], capsys, "'empty' is missing in every study")


SPEC = """
name = {name}
[data]
dataset = "cart_wu2025"
events = "crr_events"
total = "crr_total"
[model]
kind = "random"
[sampler]
engine = "quadrature"
"""


@pytest.mark.parametrize(
    "name",
    ['"../../evil"', '"/tmp/evil"', '""', '"a/b"', '".."', '"."', '".hidden"', '"a\\\\b"'],
)
def test_spec_name_must_be_one_safe_path_component(tmp_path, name):
    from bayesmeta.analysis.specfile import read_spec

    path = tmp_path / "s.toml"
    path.write_text(SPEC.format(name=name), encoding="utf-8")
    with pytest.raises(SpecError, match=rf"{path}: name: "):
        read_spec(path)


def test_spec_name_outside_out_writes_nothing(tmp_path, capsys):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    path = work / "s.toml"
    path.write_text(SPEC.format(name='"../../evil"'), encoding="utf-8")
    _one_line_error(["run", str(path), "--out", str(work / "out")], capsys, "name:")
    assert not (tmp_path / "evil").exists() and not (work / "out").exists()


def test_plain_spec_name_is_accepted(tmp_path):
    from bayesmeta.analysis.specfile import read_spec

    path = tmp_path / "s.toml"
    path.write_text(SPEC.format(name='"crr_pooled-v2.1"'), encoding="utf-8")
    assert read_spec(path).name == "crr_pooled-v2.1"


def test_empty_mods_is_refused_not_the_random_model(tmp_path, capsys):
    path = tmp_path / "d.csv"
    GOOD.to_csv(path, index=False)
    argv = ["freq", str(path), "--events", "ev", "--total", "n", "--mods", ""]
    _one_line_error(argv, capsys, "formula is empty")
