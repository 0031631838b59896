"""Every option of every subcommand is honoured or refused.

For each flag, on each path it reaches, the command run with the flag either gives a different
output than without it (the flag was honoured) or exits with status 2 and a one-line error
naming the flag (it would have been ignored). The exact engine is used where it applies; NUTS
paths run with sampling replaced by prior draws shaped like a posterior (everything downstream
of the sampler runs for real). A completeness test fails when a subcommand gains an option that
no case here covers.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bayesmeta.bayes import predictive, sampling
from bayesmeta.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
CSV = """study,label,x,n,n2,grp,age
S1,L1,5,20,25,a,50
S2,L2,8,30,35,a,55
S3,L3,2,15,18,b,60
S4,L4,12,40,45,b,52
S5,L5,7,25,30,a,58
S6,L6,3,22,26,b,61
S7,L7,9,28,30,a,49
S8,L8,,,,b,57
"""
SPEC = """
title = "flags test"
[data]
dataset = "cart_wu2025"
outcome = "crr"
events = "crr_events"
total = "crr_total"
[model]
kind = "{kind}"
[sampler]
engine = "quadrature"
draws = 100
chains = 2
seed = 3
[baselines]
methods = ["DL"]
"""


@pytest.fixture(autouse=True)
def mock_nuts(monkeypatch):
    """NUTS replaced by prior draws of the requested shape (seeded): fast, deterministic."""

    def fake_sample(spec, *, draws, tune, chains, seed, sampler="pymc", target_accept=0.95):
        sampling.check_sampler(sampler)
        return predictive.prior_draws(spec, draws=draws, chains=chains, seed=seed)

    monkeypatch.setattr(sampling, "sample", fake_sample)


@pytest.fixture
def csv(tmp_path) -> str:
    path = tmp_path / "studies.csv"
    path.write_text(CSV, encoding="utf-8")
    return str(path)


_COMPARED: dict[tuple[str, ...], tuple[int, str, str]] = {}


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run the CLI; ``compare`` (pure stdout, the slowest) is run once per argument list."""
    key = tuple(argv)
    if argv[0] == "compare" and key in _COMPARED:
        return _COMPARED[key]
    status = main(argv)
    out, err = capsys.readouterr()
    if argv[0] == "compare":
        _COMPARED[key] = (status, out, err)
    return status, out, err


# (subcommand, flag, argv without the flag, argv with it, expected: "changes" or "refused").
# "{csv}" is the data file, "{tmp}" a scratch folder.
D = ["{csv}", "--events", "x", "--total", "n"]
FREQ = ["freq", *D, "--json"]
FIT_Q = ["fit", *D, "--engine", "quadrature", "--json"]
FIT_N = ["fit", *D, "--engine", "nuts", "--json"]
SENS = ["sensitivity", *D, "--what", "freq", "--json"]
PATHS = {"pooled": [], "by": ["--by", "grp"], "mods": ["--mods", "age"]}

CASES: list[tuple[str, str, list[str], list[str], str]] = [
    (
        "freq",
        "DATA",
        FREQ,
        ["freq", "cart_wu2025", "--events", "orr_events", "--total", "orr_total", "--json"],
        "changes",
    ),
    ("freq", "--events", FREQ, [*FREQ[:3], "n", "--total", "n2", "--json"], "changes"),
    ("freq", "--total", FREQ, [*FREQ, "--total", "n2"], "changes"),
    ("freq", "--study", FREQ, [*FREQ, "--study", "label"], "changes"),
    ("freq", "--by", FREQ, [*FREQ, "--by", "grp"], "changes"),
    ("freq", "--mods", FREQ, [*FREQ, "--mods", "age"], "changes"),
    (
        "freq",
        "--tau2",
        [*FREQ, "--by", "grp"],
        [*FREQ, "--by", "grp", "--tau2", "common"],
        "changes",
    ),
    ("freq", "--tau2", FREQ, [*FREQ, "--tau2", "common"], "refused"),
    (
        "freq",
        "--tau2",
        [*FREQ, "--mods", "age"],
        [*FREQ, "--mods", "age", "--tau2", "common"],
        "refused",
    ),
    ("freq", "--json", FREQ[:-1], FREQ, "changes"),
    (
        "freq",
        "--method",
        [*FREQ, "--method", "GLMM"],
        [*FREQ, "--method", "GLMM", "--measure", "PFT"],
        "refused",
    ),
    (
        "freq",
        "--ci",
        [*FREQ, "--method", "GLMM"],
        [*FREQ, "--method", "GLMM", "--ci", "hk"],
        "refused",
    ),
]
for _path, _extra in PATHS.items():
    _base = [*FREQ, *_extra]
    CASES += [
        ("freq", "--method", _base, [*_base, "--method", "GLMM"], "changes"),
        ("freq", "--measure", _base, [*_base, "--measure", "PFT"], "changes"),
        ("freq", "--ci", _base, [*_base, "--ci", "hk"], "changes"),
        ("freq", "--level", _base, [*_base, "--level", "0.9"], "changes"),
        (
            "freq",
            "--level",
            [*_base, "--method", "GLMM"],
            [*_base, "--method", "GLMM", "--level", "0.9"],
            "changes",
        ),
    ]
CASES += [
    (
        "fit",
        "DATA",
        FIT_Q,
        [
            "fit",
            "cart_wu2025",
            "--events",
            "orr_events",
            "--total",
            "orr_total",
            "--engine",
            "quadrature",
            "--json",
        ],
        "changes",
    ),
    (
        "fit",
        "--events",
        FIT_Q,
        ["fit", "{csv}", "--events", "n", "--total", "n2", "--engine", "quadrature", "--json"],
        "changes",
    ),
    ("fit", "--total", FIT_Q, [*FIT_Q, "--total", "n2"], "changes"),
    ("fit", "--study", FIT_Q, [*FIT_Q, "--study", "label"], "changes"),
    ("fit", "--formula", FIT_N, [*FIT_N, "--formula", "age"], "changes"),
    ("fit", "--by", FIT_Q, [*FIT_Q, "--by", "grp", "--separate-tau"], "changes"),
    ("fit", "--common", FIT_Q, [*FIT_Q, "--common"], "changes"),
    (
        "fit",
        "--separate-tau",
        [*FIT_N, "--by", "grp"],
        [*FIT_N, "--by", "grp", "--separate-tau"],
        "changes",
    ),
    ("fit", "--separate-tau", FIT_Q, [*FIT_Q, "--separate-tau"], "refused"),
    ("fit", "--mu-prior", FIT_Q, [*FIT_Q, "--mu-prior", "normal(0, 1)"], "changes"),
    (
        "fit",
        "--beta-prior",
        [*FIT_N, "--formula", "age"],
        [*FIT_N, "--formula", "age", "--beta-prior", "normal(0, 0.1)"],
        "changes",
    ),
    ("fit", "--beta-prior", FIT_Q, [*FIT_Q, "--beta-prior", "normal(0, 1)"], "refused"),
    (
        "fit",
        "--beta-prior",
        [*FIT_N, "--by", "grp"],
        [*FIT_N, "--by", "grp", "--beta-prior", "normal(0, 1)"],
        "refused",
    ),
    ("fit", "--tau-prior", FIT_Q, [*FIT_Q, "--tau-prior", "halfcauchy(1)"], "changes"),
    (
        "fit",
        "--tau-prior",
        [*FIT_Q, "--common"],
        [*FIT_Q, "--common", "--tau-prior", "halfcauchy(1)"],
        "refused",
    ),
    ("fit", "--draws", FIT_N, [*FIT_N, "--draws", "300"], "changes"),
    ("fit", "--tune", FIT_N, [*FIT_N, "--tune", "300"], "changes"),
    ("fit", "--chains", FIT_N, [*FIT_N, "--chains", "2"], "changes"),
    ("fit", "--seed", FIT_N, [*FIT_N, "--seed", "11"], "changes"),
    ("fit", "--sampler", FIT_N, [*FIT_N, "--sampler", "nutpie"], "changes"),
    ("fit", "--engine", FIT_N, FIT_Q, "changes"),
    ("fit", "--hdi", FIT_Q, [*FIT_Q, "--hdi"], "changes"),
    ("fit", "--hdi", FIT_N, [*FIT_N, "--hdi"], "changes"),
    ("fit", "--json", FIT_Q[:-1], FIT_Q, "changes"),
    ("fit", "--out", FIT_Q, [*FIT_Q, "--out", "{tmp}/fit"], "changes"),
]
for _flag, _value in (
    ("--draws", "300"),
    ("--tune", "300"),
    ("--chains", "2"),
    ("--seed", "11"),
    ("--sampler", "nutpie"),
):
    CASES.append(("fit", _flag, FIT_Q, [*FIT_Q, _flag, _value], "refused"))
CASES += [
    (
        "sensitivity",
        "DATA",
        SENS,
        [
            "sensitivity",
            "cart_wu2025",
            "--events",
            "orr_events",
            "--total",
            "orr_total",
            "--what",
            "freq",
            "--json",
        ],
        "changes",
    ),
    (
        "sensitivity",
        "--events",
        SENS,
        ["sensitivity", "{csv}", "--events", "n", "--total", "n2", "--what", "freq", "--json"],
        "changes",
    ),
    ("sensitivity", "--total", SENS, [*SENS, "--total", "n2"], "changes"),
    ("sensitivity", "--study", SENS, [*SENS, "--study", "label"], "changes"),
    ("sensitivity", "--what", SENS, [*SENS, "--what", "loo"], "changes"),
    (
        "sensitivity",
        "--min-n",
        [*SENS, "--what", "small"],
        [*SENS, "--what", "small", "--min-n", "22"],
        "changes",
    ),
    ("sensitivity", "--min-n", SENS, [*SENS, "--min-n", "22"], "refused"),
    ("sensitivity", "--engine", SENS, [*SENS, "--engine", "nuts"], "changes"),
    ("sensitivity", "--json", SENS[:-1], SENS, "changes"),
    ("sensitivity", "--out", SENS, [*SENS, "--out", "{tmp}/sens"], "changes"),
]
for _flag, _value in (("--draws", "300"), ("--tune", "300"), ("--chains", "3"), ("--seed", "11")):
    _nuts = [*SENS, "--engine", "nuts"]
    CASES.append(("sensitivity", _flag, _nuts, [*_nuts, _flag, _value], "changes"))
    CASES.append(("sensitivity", _flag, SENS, [*SENS, _flag, _value], "refused"))
_PAIR = [str(MODELS / "crr_pooled.toml"), str(MODELS / "crr_by_cancer_type.toml")]
CASES += [
    # a single spec is refused (a comparison needs two); --common-studies and --json show
    # that every listed spec is fitted and ranked
    ("compare", "SPEC", ["compare", *_PAIR], ["compare", _PAIR[0]], "refused"),
    (
        "compare",
        "--common-studies",
        ["compare", *_PAIR, "--json"],
        ["compare", *_PAIR, "--json", "--common-studies"],
        "changes",
    ),
    ("compare", "--json", ["compare", *_PAIR], ["compare", *_PAIR, "--json"], "changes"),
    (
        "compare",
        "--out",
        ["compare", *_PAIR],
        ["compare", *_PAIR, "--out", "{tmp}/missing"],
        "refused",
    ),
    (
        "run",
        "SPEC|DIR",
        ["run", "{tmp}/random.toml", "--out", "{tmp}/r"],
        ["run", "{tmp}/common.toml", "--out", "{tmp}/r"],
        "changes",
    ),
    (
        "run",
        "--out",
        ["run", "{tmp}/random.toml", "--out", "{tmp}/r1"],
        ["run", "{tmp}/random.toml", "--out", "{tmp}/r2"],
        "changes",
    ),
]


def _ids() -> list[str]:
    seen: dict[str, int] = {}
    ids = []
    for command, flag, _, _, expected in CASES:
        key = f"{command}{flag}-{expected}"
        seen[key] = seen.get(key, 0) + 1
        ids.append(f"{key}-{seen[key]}")
    return ids


def _fill(argv: list[str], csv: str, tmp: Path) -> list[str]:
    return [a.replace("{csv}", csv).replace("{tmp}", str(tmp)) for a in argv]


def _snapshot(out: str, tmp: Path) -> str:
    """stdout, plus the files written under the scratch folder (names and JSON results)."""
    files = sorted(
        str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file() and p.suffix != ".toml"
    )
    return out + "\n" + "\n".join(files)


@pytest.mark.parametrize(("command", "flag", "without", "with_", "expected"), CASES, ids=_ids())
def test_flag_is_honoured_or_refused(
    command, flag, without, with_, expected, csv, tmp_path, capsys
):
    for kind in ("random", "common"):
        (tmp_path / f"{kind}.toml").write_text(SPEC.format(kind=kind), encoding="utf-8")
    if expected == "refused":  # the message must name the flag; no baseline run needed
        status, out, err = _run(_fill(with_, csv, tmp_path), capsys)
        assert status == 2 and out == ""
        assert err.count("\n") == 1 and err.startswith(f"bayesmeta {command}: error: ")
        if flag.startswith("--") and flag not in ("--method", "--ci"):
            assert flag in err or flag.lstrip("-").replace("-", "_") in err
        return
    status, out, err = _run(_fill(without, csv, tmp_path), capsys)
    assert status == 0, err
    before = _snapshot(out, tmp_path)
    status, out, err = _run(_fill(with_, csv, tmp_path), capsys)
    assert status == 0, err
    assert _snapshot(out, tmp_path) != before


def test_every_option_of_every_subcommand_has_a_case():
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    covered = {(command, flag) for command, flag, *_ in CASES}
    for command, sub in subparsers.items():
        for action in sub._actions:
            if action.dest == "help":
                continue
            name = action.option_strings[-1] if action.option_strings else action.metavar
            assert (command, name) in covered, f"bayesmeta {command} {name} has no case"


def test_freq_level_reaches_the_metaregression_table(csv, capsys):
    """The text table, not only the JSON: the interval column is labelled with the level."""
    argv = ["freq", csv, "--events", "x", "--total", "n", "--mods", "age", "--level", "0.9"]
    status, out, _ = _run(argv, capsys)
    assert status == 0 and "90% CI" in out
    payload = json.loads(_run([*argv, "--json"], capsys)[1])
    assert payload["level"] == 0.9 and all("ci" in c for c in payload["coefficients"].values())
