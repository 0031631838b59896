"""``bayesmeta ipd``: one-stage individual patient data meta-analysis.

Patient rows (``--outcome``: 0/1 per patient) or covariate-pattern rows (``--events`` and
``--total``), optionally with trials that reported only aggregate data (``--aggregate AD.csv``
with ``--events``/``--total`` naming its columns). Each modifier is split into its within-trial
and across-trial effect; the one-stage model is fitted by Bayes (exact, or NUTS) or as a GLMM
(``--method GLMM``), beside the naive pooled stratified rates and risk ratios.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bayesmeta.cli.outputs import add_output_argument
from bayesmeta.errors import InputError

NUTS_ONLY = ("draws", "tune", "chains", "seed")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``ipd`` subcommand.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The parser's subcommands.
    """
    from bayesmeta.data.names import IPD_DATASETS
    from bayesmeta.ipd import ENGINES, METHODS
    from bayesmeta.model.options import NUTS_IPD

    parser = subparsers.add_parser(
        "ipd",
        help="one-stage IPD meta-analysis: within- vs across-trial effects of patient modifiers",
        description=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument(
        "data",
        metavar="PATIENTS",
        help=f"CSV, one row per patient (or covariate pattern), or {', '.join(IPD_DATASETS)}"
        " (SIMULATED)",
    )
    parser.add_argument("--trial", default="trial", help="column with trial labels (trial)")
    parser.add_argument("--outcome", metavar="COL", help="column with each patient's 0/1 outcome")
    parser.add_argument(
        "--events", metavar="COL", help="events column (grouped rows, or of --aggregate)"
    )
    parser.add_argument(
        "--total", metavar="COL", help="patients column (grouped rows, or of --aggregate)"
    )
    parser.add_argument(
        "--modifiers", required=True, metavar="F", help="e.g. 'bridging + age + female'"
    )
    parser.add_argument(
        "--aggregate",
        metavar="AD.csv",
        help="trials with only events/total and the mean of each modifier (one row each)",
    )
    parser.add_argument(
        "--method", choices=METHODS, default="bayes", help="bayes (default) or GLMM (ML)"
    )
    parser.add_argument(
        "--engine", choices=ENGINES, default="auto", help="auto: exact unless --random-slope"
    )
    parser.add_argument(
        "--random-slope", metavar="MOD", help="a random within-trial slope of MOD (NUTS)"
    )
    parser.add_argument("--intercept-prior", metavar="S", help="default 'normal(0, 2.5)'")
    parser.add_argument("--beta-prior", metavar="S", help="default 'normal(0, 2.5)'")
    parser.add_argument("--tau-prior", metavar="S", help="default 'halfnormal(1.5)'")
    nuts = NUTS_IPD  # the IPD model's NUTS defaults (model/options.py)
    parser.add_argument(
        "--draws",
        type=int,
        metavar="N",
        help=f"NUTS draws per chain ({nuts.draws}; target acceptance {nuts.target_accept:g})",
    )
    parser.add_argument("--tune", type=int, metavar="N", help=f"NUTS tuning steps ({nuts.tune})")
    parser.add_argument("--chains", type=int, metavar="N", help=f"NUTS chains ({nuts.chains})")
    parser.add_argument("--seed", type=int, metavar="N", help=f"NUTS random seed ({nuts.seed})")
    parser.add_argument("--level", type=float, metavar="L", help="GLMM confidence level (0.95)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_output_argument(parser, metavar="DIR", help="write tables, forests and a report here")
    parser.set_defaults(handler=run)


def check_options(args: argparse.Namespace) -> None:
    """Refuse options the chosen method or engine would ignore (one line naming the option).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``ipd`` arguments.

    Returns
    -------
    None
    """
    if args.outcome is None and (args.events is None or args.total is None) and not args.aggregate:
        raise InputError("give --outcome (0/1 per patient) or --events and --total (grouped rows)")
    if args.aggregate and (args.events is None or args.total is None):
        raise InputError("--aggregate needs --events and --total (its columns)")
    if args.outcome is not None and not args.aggregate:
        for option in ("events", "total"):
            if getattr(args, option) is not None:
                raise InputError(
                    f"--{option}: with --outcome it names a column of --aggregate, which is not given"
                )
    if args.method == "GLMM":
        for option in ("engine", "random_slope", "intercept_prior", "beta_prior", "tau_prior"):
            value = getattr(args, option)
            if value is not None and not (option == "engine" and value == "auto"):
                raise InputError(f"--{option.replace('_', '-')}: only the Bayesian method uses it")
        for option in NUTS_ONLY:
            if getattr(args, option) is not None:
                raise InputError(f"--{option}: only NUTS uses it, not --method GLMM")
        return
    if args.random_slope and args.engine == "quadrature":
        raise InputError("--random-slope needs NUTS (--engine nuts or auto), not the exact engine")
    if args.level is not None:
        raise InputError("--level: the Bayesian intervals are 95%; --level sets the GLMM's CI")
    uses_nuts = args.engine == "nuts" or (args.engine == "auto" and args.random_slope)
    if not uses_nuts:
        for option in NUTS_ONLY:
            if getattr(args, option) is not None:
                raise InputError(
                    f"--{option}: only NUTS uses it (the exact engine runs here; --engine nuts)"
                )


def load_patients(args: argparse.Namespace):
    """PATIENTS (a CSV or the bundled SIMULATED set) plus --aggregate, validated.

    Parameters
    ----------
    args : argparse.Namespace

    Returns
    -------
    tuple
        The PatientData and its label ("" unless SIMULATED).
    """
    from bayesmeta.data import read_table
    from bayesmeta.data.patients import (
        IPD_DATASETS,
        aggregate_from_frame,
        load_ipd_dataset,
        patients_from_frame,
    )
    from bayesmeta.ipd.simulated import LABEL

    note = ""
    if not Path(args.data).exists() and args.data in IPD_DATASETS:
        frame = load_ipd_dataset(args.data)
        note = LABEL
    else:
        frame = read_table(args.data)
    grouped = args.outcome is None
    data = patients_from_frame(
        frame,
        trial=args.trial,
        outcome=args.outcome,
        events=args.events if grouped else None,
        total=args.total if grouped else None,
    )
    if args.aggregate:
        ad = aggregate_from_frame(
            read_table(args.aggregate), trial=args.trial, events=args.events, total=args.total
        )
        data = data.with_aggregate(ad)
    return data, note


def run(args: argparse.Namespace) -> int:
    """Run ``bayesmeta ipd``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments.

    Returns
    -------
    int
        Exit status.
    """
    from bayesmeta.cli.common import print_json
    from bayesmeta.folders import check_writable
    from bayesmeta.ipd.analysis import run_ipd
    from bayesmeta.ipd.bayes import IpdPriors

    if args.out:
        check_writable(args.out)
    check_options(args)
    data, note = load_patients(args)
    priors = IpdPriors.from_strings(
        intercept=args.intercept_prior, beta=args.beta_prior, tau=args.tau_prior
    )
    # None keeps the IPD model's NUTS default (model/options.py: NUTS_IPD)
    nuts = {name: getattr(args, name) for name in NUTS_ONLY}
    analysis = run_ipd(
        data,
        modifiers=args.modifiers,
        method=args.method,
        engine=args.engine,
        priors=priors,
        random_slope=args.random_slope,
        level=args.level or 0.95,
        nuts=nuts,
        data_note=note,
    )
    if args.out:
        from bayesmeta.folders import locked
        from bayesmeta.ipd.report import write_ipd_outputs

        with locked(args.out):
            write_ipd_outputs(analysis, args.out)
    if args.json:
        payload = analysis.to_dict()
        if _timing(analysis) is not None:  # NUTS: not in to_dict (saved files reproducible)
            payload["timing"] = _timing(analysis)
        print_json(payload)
    else:
        print_text(analysis)
    return 0


def _timing(analysis) -> dict[str, float] | None:
    """Sampling seconds and ESS per second of a NUTS fit (None: GLMM or the exact engine)."""
    return None if analysis.bayes is None else analysis.bayes.diagnostics.timing()


def print_text(analysis) -> None:
    """The human-readable summary on stdout.

    Parameters
    ----------
    analysis : IpdAnalysis
    """
    from bayesmeta.ipd.report import coefficient_table, naive_table

    design, data = analysis.design, analysis.design.data
    write = sys.stdout.write
    if analysis.data_note:
        write(f"*** {analysis.data_note} ***\n")
    write(
        f"one-stage IPD: outcome {data.outcome}, {data.k} trials, {data.n_patients} patients"
        + (f" + {len(data.aggregate_trials)} aggregate trials" if data.aggregate_trials else "")
        + f", {len(data.excluded)} rows left out\n"
    )
    if analysis.bayes is not None:
        b = analysis.bayes
        write(f"Bayesian ({b.engine}); tau {b.tau.median:.3f} [{b.tau.lo:.3f}, {b.tau.hi:.3f}]\n")
        if (t := _timing(analysis)) is not None:
            write(
                f"sampling ({b.settings.get('sampler')}): {t['sampling_seconds']:.2f} s, "
                f"{t['ess_bulk_per_second']:.0f} bulk ESS/s (min over parameters)\n"
            )
        for problem in b.diagnostics.problems():
            write(f"warning: {problem}\n")
    else:
        g = analysis.glmm
        write(
            f"GLMM (AGQ 7 nodes); tau^2 {g.tau2:.4f}; logLik {g.loglik:.3f};"
            f" LRT tau = 0: {g.lrt['statistic']:.2f}, p = {g.lrt['p']:.3g}\n"
        )
    write("\nwithin- and across-trial effects (log odds ratios):\n")
    write(coefficient_table(analysis).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    write("\n")
    naive = naive_table(analysis)
    if not naive.empty:
        write("\nnaive pooled stratified rates (patients pooled across trials), one-stage ORs:\n")
        write(naive.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        write("\n")
    for m, trials in design.no_within.items():
        if trials:
            tail = " (trial-level: across only)" if m in design.trial_level else ""
            write(f"no within-trial information on {m}: {len(trials)} trial(s){tail}\n")
