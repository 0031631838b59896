"""Bad [multiverse] tables and scenario files: one-line SpecError naming the file and key; the
CLI exits 2; `bayesmeta run` leaves multiverse specs out unless asked."""

from __future__ import annotations

import textwrap

import pytest

from bayesmeta.analysis.specfile import load_spec, read_spec
from bayesmeta.cli import main
from bayesmeta.errors import SpecError
from bayesmeta.simulate import read_study

from .conftest import MULTIVERSE, simulation_file


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (('methods = ["DL", "PM", "GLMM", "bayes"]', 'methods = ["DL", "XX"]'), "methods"),
        (("hartung_knapp = [true]", "hartung_knapp = [1]"), "hartung_knapp"),
        (('tau_priors = ["halfnormal(1)"]', 'tau_priors = ["normal(0, 1)"]'), "tau_priors"),
        (("min_total = [0, 30]", "min_total = [-1]"), "min_total"),
        (("threshold = 0.15", "threshold = 2.0"), "threshold"),
        (("min_studies = 3", "min_studies = 3\nbogus = 1"), "bogus"),
        (('region = ["north"]', 'region = ["all"]'), "filters.region"),
        (('kind = "random"', 'kind = "common"'), "[model] kind"),
    ],
)
def test_bad_multiverse_entry_names_file_and_key(tmp_path, change, key):
    path = tmp_path / "m.toml"
    text = textwrap.dedent(MULTIVERSE)
    assert change[0] in text
    path.write_text(text.replace(*change))
    with pytest.raises(SpecError) as error:
        read_spec(path)
    message = str(error.value)
    assert str(path) in message and key in message and "\n" not in message


def test_filter_level_not_in_the_data_is_a_spec_error(multiverse_spec, tmp_path):
    from bayesmeta.multiverse import run_multiverse

    text = multiverse_spec.read_text().replace('region = ["north"]', 'region = ["west"]')
    multiverse_spec.write_text(text)
    with pytest.raises(SpecError, match=r"filters\.region: level 'west'"):
        run_multiverse(load_spec(multiverse_spec), out=tmp_path / "o", workers=1)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("replicates = 5", "replicates = 0", "replicates"),
        ('methods = ["DL"]', 'methods = ["DL", "magic"]', "methods"),
        ("k = [5]", "k = [1]", "[grid] k"),
        ("rate = [0.3]", "rate = [1.3]", "[grid] rate"),
        ('sizes = ["uniform(50, 200)"]', 'sizes = ["uniform(200, 50)"]', "[grid] sizes"),
        ("tau = [0.5]", "tau = [-1]", "[grid] tau"),
    ],
)
def test_bad_scenarios_entry_names_file_and_key(tmp_path, old, new, key):
    path = simulation_file(tmp_path, replicates=5, methods=["DL"], taus=[0.5])
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    with pytest.raises(SpecError) as error:
        read_study(path)
    assert str(path) in str(error.value) and key in str(error.value)


def test_cli_bad_input_exits_2_with_one_line(tmp_path, capsys):
    path = simulation_file(tmp_path, replicates=0, methods=["DL"], taus=[0.5])
    assert main(["simulate", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "replicates" in err
    good = simulation_file(tmp_path, replicates=2, methods=["DL"], taus=[0.5])
    for option in (["--workers", "0"], ["--scheduler", "local:0"]):
        assert main(["simulate", str(good), "--out", str(tmp_path / "o"), *option]) == 2
    assert not (tmp_path / "o").exists()  # bad options: nothing written


def test_run_folder_leaves_multiverse_specs_out_unless_asked(multiverse_spec, tmp_path):
    from bayesmeta.analysis.batch import spec_paths
    from bayesmeta.cli import build_parser
    from bayesmeta.cli.run import _multiverse_specs

    folder = multiverse_spec.parent
    parse = build_parser().parse_args
    assert _multiverse_specs(parse(["run", str(folder)])) == []
    asked = _multiverse_specs(parse(["run", str(folder), "--multiverse"]))
    named = _multiverse_specs(parse(["run", str(multiverse_spec)]))
    assert [s.name for s in asked] == [s.name for s in named] == ["tiny_multiverse"]
    assert multiverse_spec in spec_paths(folder)
    from bayesmeta.analysis.batch import run_folder

    assert run_folder(folder, tmp_path / "report") == ([], [])  # the multiverse is not fitted
    assert not (tmp_path / "report").exists()


def test_models_folder_has_a_multiverse_spec_per_outcome_that_run_models_skips():
    from pathlib import Path

    from bayesmeta.analysis.batch import spec_paths

    models = Path(__file__).resolve().parents[2] / "models"
    multiverses = {
        s.outcome: s.name for s in map(read_spec, spec_paths(models)) if s.multiverse is not None
    }
    assert multiverses == {o: f"multiverse_{o}" for o in ("orr", "crr", "death")}
