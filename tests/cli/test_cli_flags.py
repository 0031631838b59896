"""Every option of every subcommand is honoured or refused.

For each flag, on each path it reaches, the command run with the flag either gives a different
output than without it (the flag was honoured) or exits with status 2 and a one-line error
naming the flag (it would have been ignored). The exact engine is used where it applies; NUTS
paths run with sampling replaced by prior draws shaped like a posterior (everything downstream
of the sampler runs for real). ``multiverse`` and ``simulate`` run serially on tiny spec and
scenario files. A completeness test fails when a subcommand gains an option that no case here
covers. A command line that writes no file is run once and its output reused across cases.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

from bayesmeta.cli import build_parser, main
from bayesmeta.nuts import predictive, sampling

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
CSV = """study,label,x,n,n2,grp,age,year
S1,L1,5,20,25,a,50,2001
S2,L2,8,30,35,a,55,2003
S3,L3,2,15,18,b,60,2002
S4,L4,12,40,45,b,52,2005
S5,L5,7,25,30,a,58,2004
S6,L6,3,22,26,b,61,2007
S7,L7,9,28,30,a,49,2006
S8,L8,,,,b,57,2008
"""
MULTIVERSE = """
name = "mv"
[data]
csv = "studies.csv"
outcome = "x"
events = "x"
total = "n"
[model]
kind = "random"
[sampler]
seed = 11
[multiverse]
methods = {methods}
min_studies = 3
"""
SCENARIOS = """
seed = 3
replicates = 2
methods = ["DL"]
[grid]
k = [{k}]
sizes = ["uniform(50, 200)"]
rate = [0.3]
tau = [0.2]
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
    # the joint model of several outcomes (issue 20): its sampler, likewise
    from bayesmeta.joint import bayes_fit as joint_fit
    from bayesmeta.joint import prior as joint_prior

    def fake_joint(spec, *, draws, tune, chains, seed, sampler="pymc", target_accept=0.95):
        return joint_prior.prior_draws(spec, draws=draws, chains=chains, seed=seed)

    monkeypatch.setattr(joint_fit, "sample_joint", fake_joint)

    from bayesmeta.nuts import ipd as nuts_ipd

    def fake_grouped(X, events, total, starts, *, draws, tune, chains, seed, **options):
        rng = np.random.default_rng(seed)
        p = X.shape[1]
        slope = options.get("slope_column") is not None
        return nuts_ipd.GroupedDraws(
            beta=rng.normal(0.0, 0.1, size=(chains, draws, p)),
            tau=np.abs(rng.normal(0.5, 0.1, size=(chains, draws))),
            slope_sd=np.abs(rng.normal(0.3, 0.1, size=(chains, draws))) if slope else None,
            diverging=np.zeros((chains, draws), dtype=bool),
        )

    monkeypatch.setattr(nuts_ipd, "sample_grouped", fake_grouped)


@pytest.fixture(scope="module")
def priors(tmp_path_factory) -> tuple[str, str]:
    """Two MAP priors (random and common model) for ``design --prior``, derived once."""
    folder = tmp_path_factory.mktemp("priors")
    (folder / "studies.csv").write_text(CSV, encoding="utf-8")
    paths = []
    for name, extra in (("map", []), ("map_common", ["--common"])):
        path = folder / f"{name}.json"
        argv = ["map", str(folder / "studies.csv"), "--events", "x", "--total", "n", *extra]
        with contextlib.redirect_stdout(io.StringIO()):
            assert main([*argv, "--out", str(folder / name)]) == 0
        path.write_text((folder / name / "map.json").read_text(encoding="utf-8"), encoding="utf-8")
        paths.append(str(path))
    return paths[0], paths[1]


@pytest.fixture
def csv(tmp_path_factory, tmp_path) -> str:
    """The data file: one path for the whole module (so runs of the same command line can be
    reused), and a copy in each test's folder for the spec files that name it."""
    (tmp_path / "studies.csv").write_text(CSV, encoding="utf-8")
    path = tmp_path_factory.getbasetemp() / "flags_studies.csv"
    if not path.exists():
        path.write_text(CSV, encoding="utf-8")
    return str(path)


_DONE: dict[tuple[str, ...], tuple[int, str, str]] = {}
_WRITES = ("--out", "--plot")


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    """Run the CLI. A command line that writes no file (its whole output is stdout and stderr)
    is run once and its output reused: the same baseline serves many cases."""
    key = tuple(argv)
    pure = argv[0] != "run" and argv[0] not in ("multiverse", "simulate")
    pure = pure and not any(a in _WRITES for a in argv)
    if pure and key in _DONE:
        return _DONE[key]
    status = main(argv)
    out, err = capsys.readouterr()
    if pure:
        _DONE[key] = (status, out, err)
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
        ("freq", "--method", _base, [*_base, "--method", "HE"], "changes"),
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
    ("fit", "--likelihood", FIT_Q, [*FIT_Q, "--likelihood", "betabinomial"], "changes"),
    ("fit", "--likelihood", FIT_Q, [*FIT_Q, "--likelihood", "nonesuch"], "refused"),
    (
        "fit",
        "--likelihood",
        [*FIT_Q, "--common"],
        [*FIT_Q, "--common", "--likelihood", "betabinomial"],
        "refused",
    ),
    (
        "fit",
        "--phi-prior",
        [*FIT_Q, "--likelihood", "betabinomial"],
        [*FIT_Q, "--likelihood", "betabinomial", "--phi-prior", "gamma(1, 0.1)"],
        "changes",
    ),
    ("fit", "--phi-prior", FIT_Q, [*FIT_Q, "--phi-prior", "gamma(1, 0.1)"], "refused"),
    (
        "fit",
        "--tau-prior",
        [*FIT_Q, "--likelihood", "betabinomial"],
        [*FIT_Q, "--likelihood", "betabinomial", "--tau-prior", "halfcauchy(1)"],
        "refused",
    ),
    ("fit", "--draws", FIT_N, [*FIT_N, "--draws", "300"], "changes"),
    ("fit", "--tune", FIT_N, [*FIT_N, "--tune", "300"], "changes"),
    ("fit", "--chains", FIT_N, [*FIT_N, "--chains", "2"], "changes"),
    ("fit", "--seed", FIT_N, [*FIT_N, "--seed", "11"], "changes"),
    ("fit", "--sampler", FIT_N, [*FIT_N, "--sampler", "pymc"], "changes"),
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
# Bayes factors and decisions (issue 12): fit's decision options, sensitivity's covariate
# factor, and averaging over the scratch folder's random and common specs (same data)
_SENS_PRIORS = ["sensitivity", *D, "--what", "priors", "--json"]
_AVG = ["average", "{tmp}/random.toml", "{tmp}/common.toml", "--json"]
CASES += [
    ("fit", "--threshold", FIT_Q, [*FIT_Q, "--threshold", "0.3"], "changes"),
    ("fit", "--benchmark", FIT_Q, [*FIT_Q, "--benchmark", "0.3"], "changes"),
    ("sensitivity", "--by", _SENS_PRIORS, [*_SENS_PRIORS, "--by", "grp"], "changes"),
    ("average", "SPEC", _AVG, ["average", "{tmp}/random.toml", "--json"], "refused"),
    ("average", "--prior-prob", _AVG, [*_AVG, "--prior-prob", "0.9", "0.1"], "changes"),
    ("average", "--prior-prob", _AVG, [*_AVG, "--prior-prob", "0.9", "0.2"], "refused"),
    ("average", "--threshold", _AVG, [*_AVG, "--threshold", "0.3"], "changes"),
    ("average", "--json", _AVG[:-1], _AVG, "changes"),
]

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
    (
        "run",
        "--multiverse",
        ["run", "{tmp}/mvdir", "--out", "{tmp}/r"],
        ["run", "{tmp}/mvdir", "--out", "{tmp}/r", "--multiverse"],
        "changes",
    ),
    (
        "run",
        "--multiverse",
        ["run", "{tmp}/random.toml", "--out", "{tmp}/r"],
        ["run", "{tmp}/random.toml", "--out", "{tmp}/r", "--multiverse"],
        "refused",
    ),
]
# run's --workers and --scheduler choose where the specs are fitted and must not change a byte
# (tests/analysis/test_analysis_run_parallel.py checks the identity); here the refusals
_RUN = ["run", "{tmp}/random.toml", "--out", "{tmp}/r"]
CASES += [
    ("run", "--workers", _RUN, [*_RUN, "--workers", "0"], "refused"),
    ("run", "--workers", _RUN, [*_RUN, "--workers", "1", "--scheduler", "local:1"], "refused"),
    ("run", "--scheduler", _RUN, [*_RUN, "--scheduler", "nonsense"], "refused"),
]

# freq's small-study and prediction-interval options (pooled analysis only)
CASES += [
    ("freq", "--bias", FREQ, [*FREQ, "--bias"], "changes"),
    (
        "freq",
        "--bias",
        [*FREQ, "--method", "GLMM"],
        [*FREQ, "--method", "GLMM", "--bias"],
        "changes",
    ),
    ("freq", "--bias", [*FREQ, "--by", "grp"], [*FREQ, "--by", "grp", "--bias"], "refused"),
    ("freq", "--pi", FREQ, [*FREQ, "--pi", "t"], "changes"),
    (
        "freq",
        "--pi",
        [*FREQ, "--method", "GLMM"],
        [*FREQ, "--method", "GLMM", "--pi", "hts"],
        "changes",
    ),
    ("freq", "--pi", [*FREQ, "--mods", "age"], [*FREQ, "--mods", "age", "--pi", "t"], "refused"),
]
# fit's default engine is auto (exact wherever it applies): NUTS-only options are refused
for _flag, _value in (
    ("--draws", "300"),
    ("--tune", "300"),
    ("--chains", "2"),
    ("--seed", "11"),
    ("--sampler", "nutpie"),
):
    _auto = ["fit", *D, "--json"]
    CASES.append(("fit", _flag, _auto, [*_auto, _flag, _value], "refused"))
CUM = ["cumulative", *D, "--json"]
CASES += [
    (
        "cumulative",
        "DATA",
        CUM,
        ["cumulative", "cart_wu2025", "--events", "orr_events", "--total", "orr_total", "--json"],
        "changes",
    ),
    (
        "cumulative",
        "--events",
        CUM,
        ["cumulative", "{csv}", "--events", "n", "--total", "n2", "--json"],
        "changes",
    ),
    ("cumulative", "--total", CUM, [*CUM, "--total", "n2"], "changes"),
    ("cumulative", "--study", CUM, [*CUM, "--study", "label"], "changes"),
    ("cumulative", "--order", CUM, [*CUM, "--order", "age"], "changes"),
    ("cumulative", "--method", CUM, [*CUM, "--method", "PM"], "changes"),
    ("cumulative", "--method", CUM, [*CUM, "--method", "HE"], "changes"),
    ("cumulative", "--level", CUM, [*CUM, "--level", "0.9"], "changes"),
    ("cumulative", "--mu-prior", CUM, [*CUM, "--mu-prior", "normal(0, 0.5)"], "changes"),
    ("cumulative", "--tau-prior", CUM, [*CUM, "--tau-prior", "halfnormal(0.2)"], "changes"),
    ("cumulative", "--plot", CUM, [*CUM, "--plot", "{tmp}/cumulative.png"], "changes"),
    ("cumulative", "--json", CUM[:-1], CUM, "changes"),
]
# multiverse and simulate: tiny inputs, serial. --workers and --scheduler choose where the fits
# run and must not change a number (tests/many checks the identity); here a bad value, and
# --workers together with --scheduler (it would be ignored), are refused.
MV = ["multiverse", "{tmp}/mv.toml", "--out", "{tmp}/m", "--workers", "1", "--json"]
SIM = ["simulate", "{tmp}/sc.toml", "--out", "{tmp}/s", "--workers", "1", "--json"]
for _cmd, _base, _positional, _other in (
    ("multiverse", MV, "SPEC", "{tmp}/mv2.toml"),
    ("simulate", SIM, "SCENARIOS.toml", "{tmp}/sc2.toml"),
):
    _out = _base.index("--out") + 1
    CASES += [
        (_cmd, _positional, _base, [_base[0], _other, *_base[2:]], "changes"),
        (_cmd, "--out", _base, [*_base[:_out], "{tmp}/elsewhere", *_base[_out + 1 :]], "changes"),
        (_cmd, "--json", _base[:-1], _base, "changes"),
        (_cmd, "--workers", _base, [*_base[:-3], "--workers", "0", "--json"], "refused"),
        (_cmd, "--workers", _base, [*_base, "--scheduler", "local:1"], "refused"),
        (_cmd, "--scheduler", _base, [*_base[:-3], "--scheduler", "nonsense", "--json"], "refused"),
        (
            _cmd,
            "--resume",
            _base,
            [*_base[:_out], "{tmp}/other", *_base[_out + 1 :], "--resume"],
            "refused",
        ),
    ]
CASES += [  # --force: a grid above the resource limits is refused, naming --force
    ("multiverse", "--force", MV, ["multiverse", "{tmp}/mvbig.toml", *MV[2:]], "refused"),
    ("simulate", "--force", SIM, ["simulate", "{tmp}/scbig.toml", *SIM[2:]], "refused"),
    ("run", "--force", [], ["run", "{tmp}/mvbig.toml", "--out", "{tmp}/r"], "refused"),
    ("run", "--force", [], ["run", "{tmp}/random.toml", "--out", "{tmp}/r", "--force"], "refused"),
]
CASES += [
    ("multiverse", "--sample", MV, [*MV, "--sample", "2"], "changes"),
    ("multiverse", "--sample", MV, [*MV, "--sample", "0"], "refused"),
]
MAP = ["map", *D, "--json"]
MAP_BY = [*MAP, "--by", "grp", "--level", "a"]
MAP_F = [*MAP, "--formula", "grp", "--pattern", "grp=a"]
CASES += [
    (
        "map",
        "DATA",
        MAP,
        ["map", "cart_wu2025", "--events", "orr_events", "--total", "orr_total", "--json"],
        "changes",
    ),
    (
        "map",
        "--events",
        MAP,
        ["map", "{csv}", "--events", "n", "--total", "n2", "--json"],
        "changes",
    ),
    ("map", "--total", MAP, [*MAP, "--total", "n2"], "changes"),
    ("map", "--study", MAP, [*MAP, "--study", "label"], "changes"),
    ("map", "--by", MAP, MAP_BY, "changes"),
    ("map", "--by", MAP, [*MAP, "--by", "grp"], "refused"),  # which level is the new study?
    ("map", "--level", MAP_BY, [*MAP_BY[:-1], "b"], "changes"),
    ("map", "--level", MAP, [*MAP, "--level", "a"], "refused"),
    ("map", "--formula", MAP, MAP_F, "changes"),
    ("map", "--pattern", MAP_F, [*MAP_F[:-1], "grp=b"], "changes"),
    ("map", "--pattern", MAP, [*MAP, "--pattern", "grp=a"], "changes"),  # those studies
    ("map", "--common", MAP, [*MAP, "--common"], "changes"),
    ("map", "--separate-tau", MAP_BY, [*MAP_BY, "--separate-tau"], "changes"),
    ("map", "--separate-tau", MAP, [*MAP, "--separate-tau"], "refused"),
    ("map", "--mu-prior", MAP, [*MAP, "--mu-prior", "normal(0, 0.5)"], "changes"),
    ("map", "--tau-prior", MAP, [*MAP, "--tau-prior", "halfnormal(0.2)"], "changes"),
    (
        "map",
        "--tau-prior",
        [*MAP, "--common"],
        [*MAP, "--common", "--tau-prior", "halfnormal(1)"],
        "refused",
    ),
    ("map", "--components", MAP, [*MAP, "--components", "1"], "changes"),
    ("map", "--robust", MAP, [*MAP, "--robust", "0.2"], "changes"),
    (
        "map",
        "--robust-mean",
        [*MAP, "--robust", "0.2"],
        [*MAP, "--robust", "0.2", "--robust-mean", "map"],
        "changes",
    ),
    ("map", "--robust-mean", MAP, [*MAP, "--robust-mean", "map"], "refused"),
    ("map", "--new-events", MAP, [*MAP, "--new-events", "3", "--new-total", "20"], "changes"),
    ("map", "--new-events", MAP, [*MAP, "--new-events", "3"], "refused"),
    ("map", "--new-total", MAP, [*MAP, "--new-total", "20"], "refused"),
    (
        "map",
        "--new-total",
        [*MAP, "--new-events", "3", "--new-total", "20"],
        [*MAP, "--new-events", "3", "--new-total", "40"],
        "changes",
    ),
    ("map", "--json", MAP[:-1], MAP, "changes"),
    ("map", "--out", MAP, [*MAP, "--out", "{tmp}/map"], "changes"),
]
DES = ["design", "--prior", "{prior}", "--n", "30", "--p0", "0.2", "--json"]
DES_N = [*DES, "--target-power", "0.8", "--at-rate", "0.4"]
CASES += [
    ("design", "--prior", DES, ["design", "--prior", "{prior2}", *DES[3:]], "changes"),
    ("design", "--prior", DES, ["design", "--prior", "{tmp}/missing.json", *DES[3:]], "refused"),
    ("design", "--n", DES, [*DES, "--n", "40"], "changes"),
    ("design", "--p0", DES, [*DES, "--p0", "0.3"], "changes"),
    ("design", "--confidence", DES, [*DES, "--confidence", "0.8"], "changes"),
    ("design", "--vague", DES, [*DES, "--vague", "2", "3"], "changes"),
    ("design", "--nogo-rate", DES, [*DES, "--nogo-rate", "0.15"], "changes"),
    (
        "design",
        "--nogo-confidence",
        [*DES, "--nogo-rate", "0.15"],
        [*DES, "--nogo-rate", "0.15", "--nogo-confidence", "0.6"],
        "changes",
    ),
    ("design", "--nogo-confidence", DES, [*DES, "--nogo-confidence", "0.6"], "refused"),
    ("design", "--target-power", DES, DES_N, "changes"),
    ("design", "--target-power", DES, [*DES, "--target-power", "0.8"], "refused"),
    ("design", "--at-rate", DES_N, [*DES_N, "--at-rate", "0.5"], "changes"),
    ("design", "--at-rate", DES, [*DES, "--at-rate", "0.4"], "refused"),
    ("design", "--rates", DES, [*DES, "--rates", "0.2,0.4"], "changes"),
    ("design", "--lower-is-better", DES, [*DES, "--lower-is-better"], "changes"),
    (
        "design",
        "--higher-is-better",
        [*DES, "--lower-is-better"],
        [*DES, "--higher-is-better"],
        "changes",
    ),
    ("design", "--n-max", DES_N, [*DES_N, "--n-max", "10"], "changes"),
    ("design", "--n-max", DES, [*DES, "--n-max", "10"], "refused"),
    ("design", "--json", DES[:-1], DES, "changes"),
    ("design", "--out", DES, [*DES, "--out", "{tmp}/design"], "changes"),
]


# several outcomes at once (issue 20): freq's multivariate GLMM on the bundled data
FREQ_1 = ["freq", "cart_wu2025", "--events", "orr_events", "--total", "orr_total", "--json"]
FREQ_J = ["freq", "cart_wu2025", "--outcomes", "orr,crr", "--json"]
CASES += [
    ("freq", "--outcomes", FREQ_1, FREQ_J, "changes"),
    (
        "freq",
        "--outcomes",
        FREQ_J,
        ["freq", "cart_wu2025", "--outcomes", "orr,dead", "--json"],
        "changes",
    ),
    ("freq", "--events", FREQ_J, [*FREQ_J, "--events", "orr_events"], "refused"),
    ("freq", "--total", FREQ_J, [*FREQ_J, "--total", "orr_total"], "refused"),
    ("freq", "--method", FREQ_J, [*FREQ_J, "--method", "REML"], "refused"),
    ("freq", "--mods", FREQ_J, [*FREQ_J, "--mods", "age_median"], "changes"),
    ("freq", "--level", FREQ_J, [*FREQ_J, "--level", "0.9"], "changes"),
    ("freq", "--json", FREQ_J[:-1], FREQ_J, "changes"),
    ("freq", "--by", FREQ_J, [*FREQ_J, "--by", "cancer_type"], "refused"),
    ("freq", "--tau2", FREQ_J, [*FREQ_J, "--tau2", "common"], "refused"),
    ("freq", "--bias", FREQ_J, [*FREQ_J, "--bias"], "refused"),
    ("freq", "--pi", FREQ_J, [*FREQ_J, "--pi", "t"], "refused"),
    ("freq", "--measure", FREQ_J, [*FREQ_J, "--measure", "PFT"], "refused"),
    ("freq", "--ci", FREQ_J, [*FREQ_J, "--ci", "hk"], "refused"),
]


# one-stage IPD (issue 21): a tiny patient file and its aggregate trials (tests/cli/ipd_*.csv)
IPD_P = str(ROOT / "tests" / "cli" / "ipd_patients.csv")
IPD_A = str(ROOT / "tests" / "cli" / "ipd_aggregate.csv")
IPD = ["ipd", IPD_P, "--outcome", "y", "--modifiers", "x + z"]
IPD_G = [*IPD, "--method", "GLMM", "--json"]
IPD_B = [*IPD, "--json"]
IPD_N = [*IPD_B, "--engine", "nuts"]
IPD_AG = [*IPD_G, "--aggregate", IPD_A, "--events", "e", "--total", "n"]
IPD_SIM = ["ipd", "ipd_lalu2025_simulated", "--outcome", "cr", "--modifiers", "bridging"]
CASES += [
    ("ipd", "PATIENTS", IPD_G, [*IPD_SIM, "--method", "GLMM", "--json"], "changes"),
    ("ipd", "--trial", IPD_G, [*IPD_G, "--trial", "site"], "changes"),
    ("ipd", "--outcome", IPD_G, ["ipd", IPD_P, "--outcome", "y2", *IPD_G[4:]], "changes"),
    ("ipd", "--aggregate", IPD_G, IPD_AG, "changes"),
    ("ipd", "--aggregate", IPD_G, [*IPD_G, "--aggregate", IPD_A], "refused"),
    ("ipd", "--events", IPD_AG, [*IPD_AG[:-3], "e2", *IPD_AG[-2:]], "changes"),
    ("ipd", "--events", IPD_G, [*IPD_G, "--events", "e"], "refused"),
    ("ipd", "--total", IPD_AG, [*IPD_AG[:-1], "n2"], "changes"),
    ("ipd", "--total", IPD_G, [*IPD_G, "--total", "n"], "refused"),
    ("ipd", "--modifiers", IPD_G, [*IPD[:-1], "x", *IPD_G[6:]], "changes"),
    ("ipd", "--method", IPD_B, IPD_G, "changes"),
    ("ipd", "--engine", IPD_B, IPD_N, "changes"),
    ("ipd", "--engine", IPD_G, [*IPD_G, "--engine", "nuts"], "refused"),
    ("ipd", "--random-slope", IPD_N, [*IPD_N, "--random-slope", "x"], "changes"),
    (
        "ipd",
        "--random-slope",
        IPD_B,
        [*IPD_B, "--engine", "quadrature", "--random-slope", "x"],
        "refused",
    ),
    ("ipd", "--random-slope", IPD_G, [*IPD_G, "--random-slope", "x"], "refused"),
    ("ipd", "--level", IPD_G, [*IPD_G, "--level", "0.9"], "changes"),
    ("ipd", "--level", IPD_B, [*IPD_B, "--level", "0.9"], "refused"),
    ("ipd", "--json", IPD_G[:-1], IPD_G, "changes"),
    ("ipd", "--out", IPD_G, [*IPD_G, "--out", "{tmp}/ipd"], "changes"),
]
for _flag, _value in (
    ("--intercept-prior", "normal(0, 1)"),
    ("--beta-prior", "normal(0, 1)"),
    ("--tau-prior", "halfnormal(0.5)"),
):
    CASES += [
        ("ipd", _flag, IPD_B, [*IPD_B, _flag, _value], "changes"),
        ("ipd", _flag, IPD_G, [*IPD_G, _flag, _value], "refused"),
    ]
for _flag, _value in (("--draws", "300"), ("--tune", "300"), ("--chains", "3"), ("--seed", "11")):
    CASES += [
        ("ipd", _flag, IPD_N, [*IPD_N, _flag, _value], "changes"),
        ("ipd", _flag, IPD_B, [*IPD_B, _flag, _value], "refused"),
        ("ipd", _flag, IPD_G, [*IPD_G, _flag, _value], "refused"),
    ]


# the joint model (issue 20): fit --outcomes on the bundled data, NUTS replaced by prior draws
FIT_1 = ["fit", "cart_wu2025", "--events", "orr_events", "--total", "orr_total", "--json"]
FIT_J = ["fit", "cart_wu2025", "--outcomes", "orr,crr,dead", "--draws", "30", "--chains", "2"]
FIT_J = [*FIT_J, "--json"]
CASES += [
    ("fit", "--outcomes", FIT_1, FIT_J, "changes"),
    ("fit", "--events", FIT_J, [*FIT_J, "--events", "orr_events"], "refused"),
    ("fit", "--total", FIT_J, [*FIT_J, "--total", "orr_total"], "refused"),
    ("fit", "--formula", FIT_J, [*FIT_J, "--formula", "age_median"], "changes"),
    ("fit", "--by", FIT_J, [*FIT_J, "--by", "cancer_type"], "refused"),
    ("fit", "--common", FIT_J, [*FIT_J, "--common"], "refused"),
    ("fit", "--separate-tau", FIT_J, [*FIT_J, "--separate-tau"], "refused"),
    ("fit", "--mu-prior", FIT_J, [*FIT_J, "--mu-prior", "normal(0, 1)"], "changes"),
    (
        "fit",
        "--beta-prior",
        [*FIT_J, "--formula", "age_median"],
        [*FIT_J, "--formula", "age_median", "--beta-prior", "normal(0, 1)"],
        "changes",
    ),
    ("fit", "--beta-prior", FIT_J, [*FIT_J, "--beta-prior", "normal(0, 1)"], "refused"),
    ("fit", "--tau-prior", FIT_J, [*FIT_J, "--tau-prior", "halfnormal(1)"], "changes"),
    ("fit", "--cor-prior", FIT_J, [*FIT_J, "--cor-prior", "lkj(1)"], "changes"),
    ("fit", "--cor-prior", FIT_1, [*FIT_1, "--cor-prior", "lkj(1)"], "refused"),
    ("fit", "--nested", FIT_J, [*FIT_J, "--nested", "crr<orr"], "changes"),
    ("fit", "--nested", FIT_1, [*FIT_1, "--nested", "crr<orr"], "refused"),
    ("fit", "--joint", FIT_J, [*FIT_J, "--joint", "orr>0.8,dead<0.25"], "changes"),
    ("fit", "--joint", FIT_1, [*FIT_1, "--joint", "orr>0.8"], "refused"),
    ("fit", "--given", FIT_J, [*FIT_J, "--given", "orr=0.9"], "changes"),
    ("fit", "--given", FIT_1, [*FIT_1, "--given", "orr=0.9"], "refused"),
    ("fit", "--draws", FIT_J, [*FIT_J, "--draws", "40"], "changes"),
    ("fit", "--tune", FIT_J, [*FIT_J, "--tune", "300"], "changes"),
    ("fit", "--chains", FIT_J, [*FIT_J, "--chains", "3"], "changes"),
    ("fit", "--seed", FIT_J, [*FIT_J, "--seed", "11"], "changes"),
    ("fit", "--sampler", FIT_J, [*FIT_J, "--sampler", "pymc"], "changes"),
    ("fit", "--sampler", FIT_J, [*FIT_J, "--sampler", "numpyro"], "refused"),
    ("fit", "--engine", FIT_J, [*FIT_J, "--engine", "quadrature"], "refused"),
    ("fit", "--hdi", FIT_J, [*FIT_J, "--hdi"], "refused"),
    ("fit", "--threshold", FIT_J, [*FIT_J, "--threshold", "0.5"], "refused"),
    ("fit", "--benchmark", FIT_J, [*FIT_J, "--benchmark", "0.5"], "refused"),
    ("fit", "--json", FIT_J[:-1], FIT_J, "changes"),
    ("fit", "--out", FIT_J, [*FIT_J, "--out", "{tmp}/joint"], "changes"),
]


def _ids() -> list[str]:
    seen: dict[str, int] = {}
    ids = []
    for command, flag, _, _, expected in CASES:
        key = f"{command}{flag}-{expected}"
        seen[key] = seen.get(key, 0) + 1
        ids.append(f"{key}-{seen[key]}")
    return ids


def _fill(argv: list[str], csv: str, tmp: Path, priors: tuple[str, str]) -> list[str]:
    return [
        a.replace("{csv}", csv)
        .replace("{tmp}", str(tmp))
        .replace("{prior}", priors[0])
        .replace("{prior2}", priors[1])
        for a in argv
    ]


def _snapshot(out: str, tmp: Path) -> str:
    """stdout, plus the files written under the scratch folder (names and JSON results)."""
    files = sorted(
        str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file() and p.suffix != ".toml"
    )
    return out + "\n" + "\n".join(files)


@pytest.mark.parametrize(("command", "flag", "without", "with_", "expected"), CASES, ids=_ids())
def test_flag_is_honoured_or_refused(
    command, flag, without, with_, expected, csv, priors, tmp_path, capsys
):
    for kind in ("random", "common"):
        (tmp_path / f"{kind}.toml").write_text(SPEC.format(kind=kind), encoding="utf-8")
    for name, methods in (("mv", '["DL", "PM"]'), ("mv2", '["DL"]')):
        (tmp_path / f"{name}.toml").write_text(MULTIVERSE.format(methods=methods), "utf-8")
    (tmp_path / "mvdir").mkdir()
    (tmp_path / "mvdir" / "studies.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "mvdir" / "mv.toml").write_text(MULTIVERSE.format(methods='["DL"]'), "utf-8")
    for name, k in (("sc", 5), ("sc2", 8)):
        (tmp_path / f"{name}.toml").write_text(SCENARIOS.format(k=k), encoding="utf-8")
    big = SCENARIOS.format(k=5).replace("replicates = 2", "replicates = 900000")
    (tmp_path / "scbig.toml").write_text(big.replace('["DL"]', '["DL", "nuts"]'), "utf-8")
    grid = [f"normal(0, {1 + i / 100:g})" for i in range(100)]  # x 100: 10^4 NUTS analyses
    big = MULTIVERSE.format(methods='["nuts"]') + f"mu_priors = {grid}\n".replace("'", '"')
    big += "tau_priors = " + str([f"halfnormal({1 + i / 100:g})" for i in range(100)]) + "\n"
    big = big.replace("'", '"')
    (tmp_path / "mvbig.toml").write_text(big, encoding="utf-8")
    # an interrupted run of something else, for --resume to refuse
    (tmp_path / "other" / ".progress" / "chunks").mkdir(parents=True)
    (tmp_path / "other" / ".progress" / "chunks" / "manifest.json").write_text("{}", "utf-8")
    if expected == "refused":  # the message must name the flag; no baseline run needed
        status, out, err = _run(_fill(with_, csv, tmp_path, priors), capsys)
        assert status == 2 and out == ""
        assert err.count("\n") == 1 and err.startswith(f"bayesmeta {command}: error: ")
        if flag.startswith("--") and flag not in ("--method", "--ci"):
            assert flag in err or flag.lstrip("-").replace("-", "_") in err
        return
    status, out, err = _run(_fill(without, csv, tmp_path, priors), capsys)
    assert status == 0, err
    before = _snapshot(out, tmp_path)
    status, out, err = _run(_fill(with_, csv, tmp_path, priors), capsys)
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


def test_run_force_reaches_a_multiverse_spec_above_the_limits(csv, tmp_path, capsys, monkeypatch):
    """`run SPEC --force` runs a multiverse spec above the resource limits, as `multiverse
    --force` does (the budget is checked with force=True)."""
    import bayesmeta.multiverse as multiverse
    from bayesmeta.multiverse.run import check_multiverse_budget, multiverse_data

    checked = []

    def fake_run(spec, *, out, force=False, **options):  # the budget check, then no fits
        data = multiverse_data(spec, spec.multiverse)
        check_multiverse_budget(spec, data, sample=None, force=force)
        checked.append(force)
        return {"specifications": 1, "median": None}

    monkeypatch.setattr(multiverse, "run_multiverse", fake_run)
    (tmp_path / "big.toml").write_text(
        MULTIVERSE.format(methods='["nuts"]')
        + "mu_priors = [" + ", ".join(f'"normal(0, {1 + i / 100:g})"' for i in range(100)) + "]\n"
        + "tau_priors = [" + ", ".join(f'"halfnormal({1 + i / 100:g})"' for i in range(100)) + "]\n",
        encoding="utf-8",
    )  # fmt: skip
    argv = ["run", str(tmp_path / "big.toml"), "--out", str(tmp_path / "r")]
    status, _, err = _run(argv, capsys)
    assert status == 2 and "--force" in err, err
    status, out, err = _run([*argv, "--force"], capsys)
    assert status == 0, err
    assert checked == [True] and "multiverse of 1 specifications" in out


def test_freq_level_reaches_the_metaregression_table(csv, capsys):
    """The text table, not only the JSON: the interval column is labelled with the level."""
    argv = ["freq", csv, "--events", "x", "--total", "n", "--mods", "age", "--level", "0.9"]
    status, out, _ = _run(argv, capsys)
    assert status == 0 and "90% CI" in out
    payload = json.loads(_run([*argv, "--json"], capsys)[1])
    assert payload["level"] == 0.9 and all("ci" in c for c in payload["coefficients"].values())


def test_cumulative_level_labels_each_interval(csv, capsys):
    """--level sets the frequentist CI; the exact engine's CrI stays 95% and says so."""
    argv = ["cumulative", csv, "--events", "x", "--total", "n", "--level", "0.9"]
    status, out, _ = _run(argv, capsys)
    assert status == 0 and "frequentist (90% CI)" in out and "Bayesian (95% CrI)" in out
    payload = json.loads(_run([*argv, "--json"], capsys)[1])
    assert payload["frequentist"]["level"] == 0.9 and payload["bayesian"]["level"] == 0.95
