"""`bayesmeta cumulative`: cumulative meta-analysis, frequentist and Bayesian sequential."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bayesmeta.cli.common import add_data_arguments, load_data, print_json
from bayesmeta.cli.outputs import add_output_argument

if TYPE_CHECKING:  # pragma: no cover
    from bayesmeta.data import MetaData

PLOT_FORMATS = ("png", "pdf", "svg")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``cumulative`` subcommand.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``bayesmeta`` subcommands.

    Returns
    -------
    None
    """
    parser = subparsers.add_parser(
        "cumulative",
        help="cumulative meta-analysis: frequentist (metafor::cumul) and Bayesian sequential",
        description=(
            "Pool the studies one at a time in the order of a column (publication year by "
            "default): the frequentist estimate after each study (metafor::cumul) and the "
            "exact posterior of the pooled rate after each study."
        ),
    )
    add_data_arguments(parser)
    parser.add_argument(
        "--order",
        default="year",
        metavar="COL",
        help="column giving the order: any covariate, or the --events or --total column (default year)",
    )
    parser.add_argument(
        "--method",
        default="DL",
        choices=("DL", "REML", "PM", "ML", "EB", "SJ", "HS", "HE", "EE"),
        help="tau^2 estimator of the frequentist rows (default DL)",
    )
    parser.add_argument("--level", type=float, default=0.95, help="confidence level (0.95)")
    parser.add_argument("--mu-prior", metavar="S", help="prior of mu, default 'normal(0, 2.5)'")
    parser.add_argument("--tau-prior", metavar="S", help="prior of tau, default 'halfnormal(1.5)'")
    add_output_argument(
        parser, "--plot", kind="file", metavar="FILE", help="write the plot (PNG, PDF or SVG) here"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run ``bayesmeta cumulative``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments.

    Returns
    -------
    int
        Exit status.
    """
    from bayesmeta.analysis.sequential import bayes_cumulative
    from bayesmeta.errors import InputError
    from bayesmeta.freq.cumulative import cumulative
    from bayesmeta.model.priors import Priors

    suffix = "png"
    if args.plot and "." in Path(args.plot).name:
        suffix = Path(args.plot).suffix.lower().lstrip(".")
        if suffix not in PLOT_FORMATS:
            raise InputError(f"--plot {args.plot}: a .png, .pdf or .svg file")
    if not 0 < args.level < 1:
        raise InputError(f"--level must be between 0 and 1, got {args.level}")
    data = with_order_column(load_data(args), args)
    priors = Priors.from_strings(mu=args.mu_prior, tau=args.tau_prior)
    freq = cumulative(data, order_by=args.order, method=args.method, level=args.level)
    bayes = bayes_cumulative(data, order_by=args.order, priors=priors)
    if args.plot:
        from bayesmeta.atomic import write_with
        from bayesmeta.folders import writing
        from bayesmeta.plots.cumulative import cumulative_plot

        figure = cumulative_plot(freq, bayes, outcome=data.outcome)
        with writing(args.plot, option="--plot"):
            write_with(args.plot, lambda tmp: figure.savefig(tmp, dpi=110, format=suffix))
    payload = {"frequentist": freq.to_dict(), "bayesian": bayes.to_dict()}
    if args.json:
        print_json(payload)
    else:
        print(_table(payload))
    return 0


def with_order_column(data: MetaData, args: argparse.Namespace) -> MetaData:
    """The data with ``--order`` available as a column when it names the events or total column.

    Counts are not covariates, so ordering by the total (study size) or the events needs them
    copied beside the covariates; the analysis itself never reads that copy.

    Parameters
    ----------
    data : MetaData
        The validated studies.
    args : argparse.Namespace
        Parsed arguments (``order``, ``events``, ``total``).

    Returns
    -------
    MetaData
        ``data`` itself, or a copy with one more covariate column.
    """
    counts = {args.events: data.events, args.total: data.total}
    if args.order in data.covariates.columns or args.order not in counts:
        return data
    covariates = data.covariates.assign(**{args.order: counts[args.order]})
    return dataclasses.replace(data, covariates=covariates)


def _table(p: dict[str, Any]) -> str:
    f, b = p["frequentist"], p["bayesian"]
    ci = f"{100 * f.get('level', 0.95):g}% CI"
    cri = f"{100 * b['level']:g}% CrI"
    lines = [
        f"Cumulative meta-analysis ordered by {f['order_by']}: frequentist {f['method']} "
        f"and Bayesian (exact engine; mu ~ {b['priors']['mu']}, tau ~ {b['priors']['tau']})",
        f"  {'+ study':<26}{'k':>3}  {f'frequentist ({ci})':<26}{'tau^2':>8}  "
        f"{f'Bayesian ({cri})':<26}",
    ]
    bayes_rows = {r["k"]: r for r in b["rows"]}
    for r in f["rows"]:
        br = bayes_rows.get(r["k"])
        bt = "" if br is None else f"{br['pooled_median']:.3f} [{br['lo']:.3f}; {br['hi']:.3f}]"
        if r.get("note"):
            freq_text = f"{'NA (' + r['note'][:60] + ')':<34}"
        else:
            freq_text = (
                f"{r['estimate']:.3f} [{r['ci'][0]:.3f}; {r['ci'][1]:.3f}]      {r['tau2']:>8.4f}"
            )
        lines.append(f"  {r['study'][:25]:<26}{r['k']:>3}  {freq_text}  {bt}")
    if f["excluded"]:
        lines.append("Excluded:")
        lines += [f"  {e['study']}: {e['reason']}" for e in f["excluded"]]
    return "\n".join(lines)
