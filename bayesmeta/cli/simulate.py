"""`bayesmeta simulate SCENARIOS.toml --out DIR`: a simulation study of the methods.

Scenarios (k, study sizes, true rate or mu, tau) x replicates x methods; coverage, bias, RMSE,
width, failure rate and prediction-interval coverage with Monte Carlo SEs. The exact engine is
the Bayesian default (``bayes``); ``nuts`` is available and slow.
"""

from __future__ import annotations

import argparse
import sys

from bayesmeta.cli.many_options import add_execution_arguments, run_executed
from bayesmeta.cli.outputs import add_output_argument
from bayesmeta.plural import plural


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` subcommand.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``bayesmeta`` subcommands.

    Returns
    -------
    None
    """
    parser = subparsers.add_parser(
        "simulate",
        help="simulation study: coverage, bias, RMSE of the methods over a scenario grid",
        description="Run every scenario of SCENARIOS.toml times its replicates times its "
        "methods; write replicates.csv/.parquet, metrics.csv/.parquet (each number with its "
        "Monte Carlo SE), a plot per metric and report.md/.html into --out.",
    )
    parser.add_argument("scenarios", metavar="SCENARIOS.toml", help="the scenario grid")
    add_output_argument(parser, required=True, metavar="DIR", help="output folder")
    add_execution_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run ``bayesmeta simulate``: run the scenario grid and print coverage, bias and failures.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``simulate`` arguments.

    Returns
    -------
    int
        Exit status (0; a bad scenario file raises :class:`~bayesmeta.errors.SpecError`).
    """
    from bayesmeta.cli.common import print_json
    from bayesmeta.simulate import read_study, run_simulation

    study = read_study(args.scenarios)
    result = run_executed(run_simulation, study, args)
    if args.json:
        print_json(result)
        return 0
    print(
        f"{plural(result['scenarios'], 'scenario')} x {plural(result['replicates'], 'replicate')}"
        f" x {plural(len(result['methods']), 'method')}: {plural(result['fits'], 'fit')}"
    )
    for m in result["metrics"]:
        if m["target"] == "median":
            where = ", ".join(
                f"{key}={m[key]:g}" if isinstance(m.get(key), float) else f"{key}={m[key]}"
                for key in ("k", "sizes", "rate", "tau")
                if m.get(key) is not None
            )
            print(
                f"  scenario {m['scenario']} ({where}) {m['method']:>8}: "
                f"coverage {m['coverage']:.3f} "
                f"({m['coverage_mcse']:.3f}), bias {m['bias']:+.4f}, failures {m['failure_rate']:.3f}"
            )
    print(f"report: {args.out}/report.html", file=sys.stderr)
    return 0
