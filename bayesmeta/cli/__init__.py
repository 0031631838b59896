"""The ``bayesmeta`` console command: subcommands ``freq``, ``fit``, ``run``, ``compare``, ``sensitivity``,
``cumulative``, ``multiverse``, ``simulate``, ``map``, ``design``, ``average`` and ``ipd``.

Each subcommand lives in its own module with ``register(subparsers)`` and ``run(args) -> int``.
Input errors print one line on stderr and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from bayesmeta import __version__
from bayesmeta.cli import (
    average,
    compare,
    cumulative,
    design,
    fit,
    freq,
    ipd,
    mapprior,
    multiverse,
    run,
    sensitivity,
    simulate,
)
from bayesmeta.cli.common import OneLineParser
from bayesmeta.cli.outputs import claimed_outputs
from bayesmeta.cli.quiet import cli_warnings
from bayesmeta.errors import BayesmetaError

SUBCOMMANDS = (
    freq,
    fit,
    run,
    compare,
    sensitivity,
    cumulative,
    multiverse,
    simulate,
    mapprior,
    design,
    average,
    ipd,
)


def build_parser() -> argparse.ArgumentParser:
    """The ``bayesmeta`` parser with every subcommand (the documentation's CLI pages use it).

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
    for module in SUBCOMMANDS:
        module.register(subparsers)
    return parser


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
    parser = build_parser()
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
