"""The ``bayesmeta`` console command: subcommands ``freq``, ``fit``, ``run``, ``compare``,
``sensitivity``, ``map`` and ``design``.

Each subcommand lives in its own module with ``register(subparsers)`` and ``run(args) -> int``.
Input errors print one line on stderr and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bayesmeta.cli import compare, design, fit, freq, mapprior, run, sensitivity
from bayesmeta.cli.common import OneLineParser
from bayesmeta.errors import BayesmetaError

SUBCOMMANDS = (freq, fit, run, compare, sensitivity, mapprior, design)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="bayesmeta",
        description="Bayesian and frequentist meta-analysis of proportions.",
    )
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=OneLineParser
    )
    subparsers.required = True
    for module in SUBCOMMANDS:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 2 bad input, 1 unexpected failure)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
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


def entry() -> None:
    sys.exit(main())
