"""Fuzz (hypothesis) of the CLI's file inputs (issue 24): scenario files, multiverse tables and
design priors, valid and broken, through ``bayesmeta.cli.main`` in this process. Every one
ends with exit 0, or exit 2 and one line on stderr; never an exception (a traceback).

Derandomized (the same examples on every run) and bounded: few examples, tiny grids."""

from __future__ import annotations

import contextlib
import io
import json
import math
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bayesmeta.cli import main

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
STUDIES = "study,events,total,region\nA,3,40,n\nB,12,60,n\nC,0,25,s\nD,30,120,s\nE,7,35,n\n"


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


def toml_document(top: dict[str, Any], tables: dict[str, dict[str, Any]]) -> str:
    lines = [f"{key} = {toml_value(value)}" for key, value in top.items()]
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in table.items()]
    return "\n".join(lines) + "\n"


def run_cli(argv: list[str]) -> None:
    """Exit 0, or 2 with one line; an exception fails the test (hypothesis shrinks it)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse's usage errors (one line, status 2)
            status = exit_.code
    text = err.getvalue()
    assert "Traceback" not in text, text
    assert status in (0, 2), (status, text)
    if status == 2:
        lines = text.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"bayesmeta {argv[0]}: error: "), text


odd_numbers = st.one_of(
    st.sampled_from([0, -1, 1, 2, 0.5, 1e19, 10**12, math.inf, -math.inf, math.nan, 1e-300]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
)
sizes = st.one_of(
    st.builds(
        "{}({}{})".format,
        st.sampled_from(["uniform", "lognormal", "fixed", "poisson"]),
        odd_numbers.map(str),
        st.one_of(st.just(""), odd_numbers.map(lambda v: f", {v}")),
    ),
    st.text(max_size=12),
)
names = st.sampled_from(["DL", "REML", "DL-HK", "GLMM", "bayes", "EE", "XX", "halfnormal(1)"])
weird = st.one_of(
    odd_numbers,
    st.booleans(),
    st.text(max_size=8),
    sizes,
    names,
    st.lists(st.one_of(odd_numbers, names, sizes, st.booleans()), max_size=3),
    st.lists(st.lists(names, max_size=2), min_size=1, max_size=2),
    st.dictionaries(st.sampled_from(["draws", "x", "region"]), odd_numbers, max_size=2),
)


def mutated(base: dict[str, Any], paths: list[str]):
    """``base`` with one or two of ``paths`` (``table.key``) set to a weird value."""

    @st.composite
    def strategy(draw):
        document = json.loads(json.dumps(base))
        for path in draw(st.lists(st.sampled_from(paths), min_size=1, max_size=2, unique=True)):
            *tables, key = path.split(".")
            where = document
            for table in tables:
                if not isinstance(where.get(table), dict):
                    where[table] = {}
                where = where[table]
            where[key] = draw(weird)
        return document

    return strategy()


def as_toml(document: dict[str, Any]) -> str:
    top = {k: v for k, v in document.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in document.items() if isinstance(v, dict)}
    return toml_document(top, tables)


SCENARIO = {
    "seed": 3,
    "replicates": 1,
    "methods": ["DL"],
    "grid": {"k": [3], "sizes": ["fixed(20)"], "rate": [0.3], "tau": [0.5]},
}
SCENARIO_PATHS = [
    "seed", "replicates", "methods", "level", "nuts", "priors",
    "grid.k", "grid.sizes", "grid.rate", "grid.mu", "grid.tau", "grid.x",
    "nuts.draws", "nuts.chains", "nuts.sampler", "priors.tau", "priors.mu",
]  # fmt: skip


@FUZZ
@given(document=mutated(SCENARIO, SCENARIO_PATHS))
def test_fuzz_scenario_files(document):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "scenarios.toml"
        path.write_text(as_toml(document))
        run_cli(["simulate", str(path), "--out", f"{folder}/out", "--workers", "1", "--json"])


MULTIVERSE = {
    "name": "fuzz",
    "data": {"csv": "studies.csv", "outcome": "x", "events": "events", "total": "total"},
    "model": {"kind": "random"},
    "sampler": {"seed": 3},
    "multiverse": {"methods": ["DL"], "min_studies": 3, "leave_one_out": False},
}
MULTIVERSE_PATHS = [
    f"multiverse.{key}"
    for key in (
        "methods", "min_studies", "min_total", "leave_one_out", "threshold", "hartung_knapp",
        "tau_priors", "mu_priors", "sample", "filters", "other",
    )
] + ["multiverse.filters.region", "sampler.seed", "multiverse"]  # fmt: skip


@FUZZ
@given(document=mutated(MULTIVERSE, MULTIVERSE_PATHS))
def test_fuzz_multiverse_specs(document):
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "studies.csv").write_text(STUDIES)
        path = Path(folder) / "fuzz.toml"
        path.write_text(as_toml(document))
        argv = ["multiverse", str(path), "--out", f"{folder}/out", "--workers", "1", "--json"]
        run_cli([*argv, "--sample", "3"])


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), odd_numbers, st.text(max_size=5)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
component = st.fixed_dictionaries(
    {},
    optional={
        "weight": st.one_of(st.floats(0.1, 1), json_values),
        "a": st.one_of(st.floats(0.5, 50), json_values),
        "b": st.one_of(st.floats(0.5, 50), json_values),
    },
)
priors = st.one_of(
    st.fixed_dictionaries({"mixture": st.lists(component, max_size=3)}),
    st.fixed_dictionaries({"mixture": json_values}),
    json_values,
)
option_values = st.one_of(odd_numbers.map(str), st.sampled_from(["0.3", "0.9", "20", "abc", ""]))


@FUZZ
@given(
    prior=priors,
    n=st.one_of(st.integers(1, 40).map(str), option_values),
    extra=st.lists(
        st.sampled_from(["--rates", "--vague", "--n-max", "--nogo-rate", "--confidence"]),
        max_size=2,
        unique=True,
    ),
    values=st.lists(option_values, min_size=4, max_size=4),
)
def test_fuzz_design_inputs(prior, n, extra, values):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "map.json"
        path.write_text(json.dumps(prior, allow_nan=True))
        argv = ["design", "--prior", str(path), "--n", n, "--p0", "0.3"]
        for i, option in enumerate(extra):
            argv += [option, values[i]] if option != "--vague" else [option, *values[2:]]
            if option == "--n-max":
                argv += ["--target-power", "0.8", "--at-rate", "0.5"]
        run_cli(argv)
