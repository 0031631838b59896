"""Which modules the CLI loads: ``import bayesmeta.cli`` (so ``--version`` and ``--help``) loads
nothing outside the standard library and a few light bayesmeta modules, and ``freq`` loads
neither scipy.stats, scipy.optimize nor any plotting or sampling library. Checked in a fresh
interpreter through ``sys.modules`` (a statement about imports, not a timing)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "pandas", "scipy", "matplotlib", "pymc", "arviz", "xarray", "pytensor")
#: the only bayesmeta modules outside bayesmeta.cli that building the parser may load
LIGHT = {
    "bayesmeta",
    "bayesmeta.errors",
    "bayesmeta.engines",  # the boundary package: the standard library only until a fit
    "bayesmeta.engines.registry",
    "bayesmeta.engines.fitting",
    "bayesmeta.engines.by_capability",
    "bayesmeta.model",
    "bayesmeta.model.options",
    "bayesmeta.data",
    "bayesmeta.data.names",
    "bayesmeta.ipd",  # its package module: the choices only
    "bayesmeta.plural",  # "1 study", "2 studies": the standard library only
    "bayesmeta.versions",  # stack_versions, with_versions, json_ready: the standard library only
}


def _modules_after(code: str) -> set[str]:
    script = f"import json, sys\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    process = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return set(json.loads(process.stdout.strip().splitlines()[-1]))


def _third_party(modules: set[str]) -> set[str]:
    tops = {m.split(".")[0] for m in modules}
    return {t for t in tops if t not in sys.stdlib_module_names and not t.startswith("_")} - {
        "bayesmeta"
    }


@pytest.mark.parametrize(
    "code",
    [
        "import bayesmeta.cli",
        "from bayesmeta.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass",
        "from bayesmeta.cli import main\ntry:\n    main(['--version'])\nexcept SystemExit:\n    pass",
    ],
    ids=["import", "help", "version"],
)
def test_cli_start_loads_only_the_standard_library(code):
    modules = _modules_after(code)
    assert _third_party(modules) == set()
    own = {m for m in modules if m.startswith("bayesmeta") and not m.startswith("bayesmeta.cli")}
    assert own <= LIGHT, sorted(own - LIGHT)
    # heavy parts of the standard library too: importlib.metadata (email, zipfile, csv) was a
    # third of the start; the versions of the stack are read when an output is written
    assert not {"importlib.metadata", "email", "zipfile"} & modules
    # and no subcommand's module: each is imported when its subcommand is parsed
    from bayesmeta.cli import SUBCOMMANDS

    assert not {f"bayesmeta.cli.{module}" for module, _ in SUBCOMMANDS.values()} & modules


def test_a_subcommand_loads_its_own_module_only():
    modules = _modules_after(
        "from bayesmeta.cli import main\ntry:\n    main(['simulate', '--help'])\n"
        "except SystemExit:\n    pass"
    )
    assert "bayesmeta.cli.simulate" in modules
    assert not {"bayesmeta.cli.fit", "bayesmeta.cli.freq", "bayesmeta.cli.ipd"} & modules


def test_help_lines_are_the_subcommands_own():
    # the table behind --help (modules not imported) says what each module registers
    from bayesmeta.cli import SUBCOMMANDS, build_parser

    full = build_parser()
    assert full.format_help() == build_parser(commands=()).format_help()
    (subcommands,) = [a for a in full._actions if isinstance(a, argparse._SubParsersAction)]
    assert list(subcommands.choices) == list(SUBCOMMANDS)
    lines = {action.dest: action.help for action in subcommands._choices_actions}
    assert lines == {name: line for name, (_, line) in SUBCOMMANDS.items()}


def test_freq_loads_no_plotting_sampling_or_scipy_stats():
    modules = _modules_after(
        "from bayesmeta.cli import main\n"
        "main(['freq', 'cart_wu2025', '--events', 'orr_events', '--total', 'orr_total', '--json'])"
    )
    assert "bayesmeta.freq.rma" in modules  # it did run
    loaded = {m for m in modules if m.split(".")[0] in HEAVY}
    for name in ("scipy.stats", "scipy.optimize", "matplotlib", "pymc", "arviz", "xarray"):
        assert name not in loaded
    # the GLMM, GOSH and the bias tests are not loaded for a DL fit
    assert not {"bayesmeta.freq.glmm", "bayesmeta.freq.gosh", "bayesmeta.freq.trimfill"} & modules


def test_brentq_takes_scipys_steps():
    from scipy import optimize

    from bayesmeta.freq.roots import brentq

    cases = [
        (lambda x: x**3 - 2 * x - 5, 2.0, 3.0),
        (lambda x: (x - 0.3) * (x + 4) ** 2 - 1e-3, 0.0, 10.0),
        (lambda x: 68.0 / (1 + x) - 23.0, 0.0, 100.0),  # Q(tau^2) = k - 1, the PM root's shape
    ]
    for f, a, b in cases:
        ours = brentq(f, a, b, xtol=1e-14, rtol=8.881784197001252e-16)
        theirs = optimize.brentq(f, a, b, xtol=1e-14, rtol=8.881784197001252e-16)
        assert ours == pytest.approx(theirs, rel=1e-15, abs=1e-14)


def test_the_console_script_freezes_what_is_left_before_the_interpreter_ends():
    """``entry`` (the console script, ``python -m bayesmeta``) hands the objects a command leaves
    to ``gc.freeze`` before exiting, so the interpreter's last collections skip them; ``main``
    alone (called in a long-lived process) freezes nothing."""
    script = """
import atexit, gc, sys
from bayesmeta.cli import entry, main

assert main(["freq", "no-such-file.csv"]) == 2  # a command that returns (bad input)
assert gc.get_freeze_count() == 0
atexit.register(lambda: print("frozen", gc.get_freeze_count() > 0))
sys.argv = ["bayesmeta", "--version"]
entry()
"""
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip().splitlines()[-1] == "frozen True"
