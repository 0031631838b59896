"""The ``bayesmeta`` console command: subcommands ``freq``, ``fit``, ``run``, ``compare``, ``sensitivity``,
``cumulative``, ``multiverse``, ``simulate``, ``map``, ``design``, ``average`` and ``ipd``.

Each subcommand lives in its own module with ``register(subparsers)`` and ``run(args) -> int``,
named in :data:`SUBCOMMANDS` with its help line and imported only when its subcommand is parsed.
Input errors print one line on stderr and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Collection, Sequence
from importlib import import_module

from bayesmeta import __version__
from bayesmeta.cli.common import OneLineParser
from bayesmeta.errors import BayesmetaError

#: subcommand -> (its module in bayesmeta.cli, the one line ``bayesmeta --help`` shows), in the
#: order of the help; a module is imported only when its subcommand is parsed, so ``--version``
#: and ``--help`` import none (``tests/cli/test_cli_imports.py`` checks the lines are the modules')
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "freq": ("freq", "frequentist meta-analysis equal to R's metafor/meta"),
    "fit": ("fit", "Bayesian hierarchical meta-analysis of proportions"),
    "run": ("run", "fit model spec files (TOML) and write posterior, tables, figures and reports"),
    "compare": (
        "compare",
        "rank model spec files by PSIS-LOO on the study-level (integrated) likelihood",
    ),
    "sensitivity": (
        "sensitivity",
        "pooled rates across priors, leave-one-out, small studies and frequentist variants",
    ),
    "cumulative": (
        "cumulative",
        "cumulative meta-analysis: frequentist (metafor::cumul) and Bayesian sequential",
    ),
    "multiverse": (
        "multiverse",
        "multiverse / specification-curve analysis of a spec file's [multiverse] table",
    ),
    "simulate": (
        "simulate",
        "simulation study: coverage, bias, RMSE of the methods over a scenario grid",
    ),
    "map": (
        "mapprior",
        "MAP prior of a new study's rate: beta mixture, robustification, ESS, conflict",
    ),
    "design": (
        "design",
        "operating characteristics of a one-sample design with a MAP prior (exact)",
    ),
    "average": (
        "average",
        "Bayesian model averaging of spec files (posterior model probabilities)",
    ),
    "ipd": (
        "ipd",
        "one-stage IPD meta-analysis: within- vs across-trial effects of patient modifiers",
    ),
}


def build_parser(*, commands: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The ``bayesmeta`` parser with every subcommand (the documentation's CLI pages use it).

    Parameters
    ----------
    commands : collection of str, optional
        The subcommands to register with their options (None: every one); the others are
        listed by name and help line only, without importing their modules.

    Returns
    -------
    argparse.ArgumentParser
        A parser whose usage errors are one line with exit status 2.
    """
    parser = OneLineParser(
        prog="bayesmeta",
        description="Bayesian and frequentist meta-analysis of proportions.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=OneLineParser
    )
    subparsers.required = True
    for name, (module, line) in SUBCOMMANDS.items():
        if commands is None or name in commands:
            import_module(f"bayesmeta.cli.{module}").register(subparsers)
        else:
            subparsers.add_parser(name, help=line, add_help=False)
    return parser


def _command_in(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` names: its first word that is not an option (the top-level
    options take no value)."""
    return next((word for word in argv if not word.startswith("-")), None)


class Terminated(BaseException):
    """SIGTERM, raised where the process is so that every writer removes its temporary files.

    Parameters
    ----------
    *args
        As for any exception.
    """


def _terminate(signum, frame) -> None:
    raise Terminated


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status.

    Parameters
    ----------
    argv : Sequence[str], optional
        Command-line arguments (None: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 ok, 2 bad input, 1 unexpected failure, 130 interrupted, 143 terminated.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(commands=[_command_in(argv)])
    args = parser.parse_args(argv)
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        return _dispatch(args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _dispatch(args: argparse.Namespace) -> int:
    from bayesmeta.cli.outputs import claimed_outputs
    from bayesmeta.cli.quiet import cli_warnings

    try:
        with cli_warnings(args.command), claimed_outputs(args):  # --out checked, locked
            return int(args.handler(args) or 0)
    except BayesmetaError as error:
        print(f"bayesmeta {args.command}: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and closed early
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("bayesmeta: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("bayesmeta: terminated", file=sys.stderr)
        return 143


def entry() -> None:
    """The console script: run :func:`main` on ``sys.argv`` and exit with its status.

    When the command is done, what it leaves in memory is frozen out of the garbage collector
    (``gc.freeze``): the process is ending, and the interpreter's last collections over all
    that numpy, pandas, scipy and matplotlib loaded took 0.1-0.3 s of every command. (Only
    here: ``main`` called in a long-lived process collects as usual.)
    """
    import gc

    try:
        status = main()
    finally:  # also when argparse exits (--help, --version, a usage error)
        gc.freeze()
    sys.exit(status)
