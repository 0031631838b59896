"""Execution options shared by ``multiverse`` and ``simulate`` (workers, scheduler, resume) and
``run`` (workers, scheduler)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any


def add_execution_arguments(parser: argparse.ArgumentParser) -> None:
    """``--workers``, ``--scheduler``, ``--resume``, ``--json`` and ``--force`` (same in both).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.

    Returns
    -------
    None
    """
    add_worker_arguments(parser)
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted run into the same --out (rows already done are kept)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print the summary as JSON (and no progress bar)"
    )
    add_force_argument(parser)


def add_worker_arguments(parser: argparse.ArgumentParser) -> None:
    """``--workers`` and ``--scheduler``: where the tasks run (``run`` too).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.

    Returns
    -------
    None
    """
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="local worker processes (default: every core; 1 = serial, in this process)",
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="a Dask scheduler (tcp://HOST:PORT), or local:N to start a LocalCluster of N "
        "workers; needs pip install 'bayesmeta[cluster]'",
    )


def add_force_argument(parser: argparse.ArgumentParser, *, what: str = "") -> None:
    """``--force``: run even above the resource limits (``multiverse``, ``simulate``, ``run``).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    what : str
        What it applies to, added to the help (``run``: "multiverse specs: ").

    Returns
    -------
    None
    """
    parser.add_argument(
        "--force",
        action="store_true",
        help=f"{what}run even when the estimated cost is above the resource limits "
        "(24 CPU-hours, 50 million fits)",
    )


def interrupted_hint(out: str) -> str:
    """The line printed when a run is interrupted.

    Parameters
    ----------
    out : str
        The output folder.

    Returns
    -------
    str
    """
    return f"interrupted: finished rows are kept in {out}/.progress; the same command with --resume continues"


def run_executed(
    run: Callable[..., Any], target: Any, args: argparse.Namespace, **options: Any
) -> Any:
    """``run(target, ...)`` with the execution options of :func:`add_execution_arguments`; on
    Ctrl-C the line saying how to resume is printed before the interruption goes on.

    Parameters
    ----------
    run : callable
        ``run_multiverse`` or ``run_simulation``.
    target : object
        Its first argument (the spec or the simulation study).
    args : argparse.Namespace
        Parsed arguments (``out``, ``workers``, ``scheduler``, ``resume``, ``force``, ``json``).
    **options
        Further keywords of ``run`` (``sample``).

    Returns
    -------
    object
        What ``run`` returns (its summary).
    """
    try:
        return run(
            target,
            out=args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            resume=args.resume,
            force=args.force,
            show_progress=False if args.json else None,
            **options,
        )
    except KeyboardInterrupt:
        print(interrupted_hint(args.out), file=sys.stderr)
        raise
