"""`bayesmeta multiverse SPEC --out DIR`: every defensible specification of one analysis.

The spec file's ``[multiverse]`` table lists the choices (subsets, methods, prior grid); the
exact engine fits the Bayesian ones (``nuts`` is available and slow). Runs on a local process
pool, or a Dask cluster with ``--scheduler``.
"""

from __future__ import annotations

import argparse
import sys

from bayesmeta.cli.many_options import add_execution_arguments, run_executed
from bayesmeta.cli.outputs import add_output_argument
from bayesmeta.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``multiverse`` subcommand.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``bayesmeta`` subcommands.

    Returns
    -------
    None
    """
    parser = subparsers.add_parser(
        "multiverse",
        help="multiverse / specification-curve analysis of a spec file's [multiverse] table",
        description="Fit every combination of the choices in the spec file's [multiverse] table "
        "(or a seeded random sample) and write multiverse.csv/.parquet, summary.json, "
        "spec_curve.png and report.md/.html into --out.",
    )
    parser.add_argument(
        "spec", metavar="SPEC", help="a spec file (.toml) with a [multiverse] table"
    )
    add_output_argument(parser, required=True, metavar="DIR", help="output folder")
    parser.add_argument(
        "--sample",
        type=int,
        default=None,
        metavar="N",
        help="fit a seeded random sample of N specifications (seed: [sampler] seed)",
    )
    add_execution_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run ``bayesmeta multiverse``: fit the spec's multiverse and print its summary.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``multiverse`` arguments.

    Returns
    -------
    int
        Exit status (0; a spec without a ``[multiverse]`` table or ``--sample`` below 1 raises
        :class:`~bayesmeta.errors.InputError`).
    """
    from bayesmeta.many.side import SPEC_CURVE_MODULES, side_process

    if args.sample is not None and args.sample < 1:
        raise InputError(f"--sample {args.sample}: expected at least 1")
    # A parallel run's side process is forked first, before this process imports numpy,
    # pandas and scipy: it imports the figure's modules on the core this one leaves idle
    # until the workers start, instead of during the fitting (issue #22)
    with side_process(
        workers=args.workers, scheduler=args.scheduler, modules=SPEC_CURVE_MODULES
    ) as side:
        from bayesmeta.analysis.specfile import load_spec
        from bayesmeta.multiverse import run_multiverse

        spec = load_spec(args.spec)
        if spec.multiverse is None:
            raise InputError(
                f"{args.spec}: no [multiverse] table (see bayesmeta multiverse --help)"
            )
        summary = run_executed(run_multiverse, spec, args, sample=args.sample, side=side)
    from bayesmeta.cli.common import print_json

    if args.json:
        print_json(summary)
        return 0
    s = summary
    counts = (
        f"{spec.name}: {s['specifications']} specifications ({s['ok']} fitted, {s['skipped']} "
        f"skipped, {s['failed']} failed)"
    )
    if not s["ok"]:  # every specification skipped or failed: no estimate to summarize
        print(f"{counts}; no specification could be fitted (see status in multiverse.csv)")
    else:
        print(
            f"{counts}; median pooled rate {s['median']:.3f} [range {s['min']:.3f} to "
            f"{s['max']:.3f}]; share above {s['threshold']:g}: {s['share_above']:.3f}; moves "
            f"it most: {s['most_influential']}"
        )
    print(f"report: {args.out}/report.html", file=sys.stderr)
    return 0
