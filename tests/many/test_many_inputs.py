"""Scenario files, multiverse grids and design inputs that used to crash or be accepted as
nonsense (issue 24, defects 8, 9, 11-14): one line naming the file and key (or the option),
exit 2, nothing written; and the resource limits, which --force overrides."""

from __future__ import annotations

import json

import pytest

from bayesmeta.cli import main

from .conftest import simulation_file


def refused(argv, capsys, *words) -> str:
    assert main([str(a) for a in argv]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert captured.out == "" and len(err.splitlines()) == 1, err
    assert err.startswith(f"bayesmeta {argv[0]}: error: "), err
    for word in words:
        assert word in err, err
    return err


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('methods = ["DL"]', 'methods = [["DL"]]', "methods"),
        ("seed = 3\n", "seed = 3\nnuts = 5\n", "[nuts]"),
        ("tau = [0.5]", 'tau = [0.5]\n[nuts]\ndraws = "abc"', "[nuts] draws"),
        ("tau = [0.5]", "tau = [0.5]\n[nuts]\nchains = 0", "[nuts] chains"),
        ("rate = [0.3]", "mu = [inf]", "[grid] mu"),
        ("rate = [0.3]", "mu = [nan]", "[grid] mu"),
        ("rate = [0.3]", "mu = [-800.0]", "[grid] mu"),
        ("rate = [0.3]", "rate = [1e-320]", "[grid] rate"),
        ("tau = [0.5]", "tau = [inf]", "[grid] tau"),
        ("tau = [0.5]", "tau = [nan]", "[grid] tau"),
        ("uniform(50, 200)", "fixed(inf)", "[grid] sizes"),
        ("uniform(50, 200)", "fixed(1e19)", "[grid] sizes"),
        ("uniform(50, 200)", "fixed(0.5)", "[grid] sizes"),
        ("uniform(50, 200)", "uniform(0.5, 3)", "[grid] sizes"),
        ("uniform(50, 200)", "lognormal(nan, 1)", "[grid] sizes"),
        ("uniform(50, 200)", "lognormal(40, 100)", "[grid] sizes"),
        ("k = [5]", "k = [100000000]", "[grid] k"),
        ("replicates = 5", "replicates = 5000000", "replicates"),
    ],
)
def test_bad_scenario_value_is_one_line_naming_the_key(tmp_path, capsys, old, new, key):
    path = simulation_file(tmp_path, replicates=5, methods=["DL"], taus=[0.5])
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    out = tmp_path / "out"
    refused(["simulate", path, "--out", out, "--workers", "1"], capsys, str(path), key)
    assert not out.exists()


def test_a_grid_above_the_resource_limit_is_refused_unless_forced(tmp_path, capsys):
    path = simulation_file(tmp_path, replicates=900_000, methods=["DL", "bayes"], taus=[0.5])
    out = tmp_path / "out"
    err = refused(["simulate", path, "--out", out], capsys, "CPU-hours", "--force")
    assert "limit" in err and not out.exists()


def test_force_runs_above_the_limit(tmp_path, capsys, monkeypatch):
    import bayesmeta.many.budget as budget

    monkeypatch.setattr(budget, "LIMIT_CPU_HOURS", 1e-9)
    path = simulation_file(tmp_path, replicates=3, methods=["DL"], taus=[0.5])
    argv = ["simulate", path, "--out", tmp_path / "out", "--workers", "1", "--json"]
    refused(argv, capsys, "--force")
    assert main([str(a) for a in [*argv, "--force"]]) == 0
    assert json.loads(capsys.readouterr().out)["fits"] == 3


def test_a_multiverse_above_the_limit_is_refused_unless_forced(
    multiverse_spec, tmp_path, capsys, monkeypatch
):
    import bayesmeta.many.budget as budget

    argv = ["multiverse", multiverse_spec, "--out", tmp_path / "o", "--workers", "1"]
    monkeypatch.setattr(budget, "LIMIT_FITS", 100)  # 128 specifications
    refused(argv, capsys, "[multiverse]", "128 fits", "--force")
    assert main([str(a) for a in [*argv, "--sample", "4", "--json"]]) == 0  # within it
    capsys.readouterr()


def test_a_multiverse_too_large_to_enumerate_is_refused(multiverse_spec, tmp_path, capsys):
    levels = ", ".join(f'"l{i}"' for i in range(400))
    text = multiverse_spec.read_text().replace('region = ["north"]', "region = [" + levels + "]")
    multiverse_spec.write_text(
        text.replace("min_total = [0, 30]", f"min_total = {list(range(4000))}")
    )
    from bayesmeta.analysis.specfile import load_spec
    from bayesmeta.errors import InputError
    from bayesmeta.multiverse.run import check_multiverse_budget

    class Data:
        k = 7

    with pytest.raises(InputError, match="enumerated"):
        check_multiverse_budget(load_spec(multiverse_spec), Data(), sample=10, force=True)


# --- design --prior, --rates, --n-max, --vague (defects 9, 13, 14) ------------------------------


@pytest.fixture
def design_argv(tmp_path):
    def argv(prior_text: str | None, *extra: str) -> list[str]:
        prior = tmp_path / "map.json"
        if prior_text is not None:
            prior.write_text(prior_text)
        return ["design", "--prior", str(prior), "--n", "20", "--p0", "0.3", *extra]

    return argv


OK = json.dumps({"mixture": [{"weight": 1, "a": 2, "b": 3}]})


@pytest.mark.parametrize(
    ("prior", "extra", "words"),
    [
        ("[" * 100_000 + "]" * 100_000, (), ("--prior", "nested")),
        ('{"mixture": [{"weight": 1, "a": 1' + "0" * 400 + ', "b": 2}]}', (), ("a",)),
        ('{"mixture": [{"weight": 1, "a": 1' + "0" * 5000 + ', "b": 2}]}', (), ("--prior",)),
        ('{"mixture": [{"weight": 1, "a": true, "b": 2}]}', (), ("mixture[0] a",)),
        ('{"mixture": [{"weight": 1, "a": 1e-300, "b": 1e-300}]}', (), ("mixture[0] a",)),
        ('{"mixture": [5]}', (), ("mixture[0]",)),
        (OK, ("--rates", "nan"), ("--rates",)),
        (OK, ("--rates", "0.2,1.5"), ("--rates",)),
        (OK, ("--target-power", "0.8", "--at-rate", "0.5", "--n-max", "0"), ("--n-max",)),
        (OK, ("--vague", "inf", "1"), ("--vague",)),
        (OK, ("--vague", "1e-300", "1e-300"), ("--vague",)),
    ],
)
def test_bad_design_input_is_one_line_naming_the_field(design_argv, capsys, prior, extra, words):
    argv = design_argv(prior, *extra)
    refused(argv, capsys, *words)


def test_design_prior_from_dev_zero_is_bounded(capsys):
    argv = ["design", "--prior", "/dev/zero", "--n", "20", "--p0", "0.3"]
    refused(argv, capsys, "--prior /dev/zero", "MB")


def test_average_refuses_a_multiverse_spec(multiverse_spec, tmp_path, capsys):
    other = tmp_path / "other.toml"
    other.write_text(multiverse_spec.read_text().replace("tiny_multiverse", "other"))
    refused(["average", multiverse_spec, other], capsys, "[multiverse]")
