"""`bayesmeta sensitivity`: refit under many priors and study subsets; a table and a figure.

The exact quadrature engine is used where the model allows (the CLI starts fast and never
imports PyMC then); ``--engine nuts`` forces NUTS.
"""

from __future__ import annotations

import argparse
import sys

from bayesmeta.cli.common import add_data_arguments, load_data, print_json
from bayesmeta.cli.outputs import add_output_argument
from bayesmeta.engines import DEFAULT_ENGINE, ENGINES
from bayesmeta.errors import InputError

WHAT = ("priors", "loo", "small", "freq")
SHOWN = (
    "kind",
    "label",
    "engine",
    "k",
    "median",
    "median_lo",
    "median_hi",
    "mean",
    "tau",
    "log_bf_heterogeneity",
    "log_bf_covariate",
    "diagnostics_ok",
)


KNOWN_FILES = frozenset(
    {"sensitivity.csv", "sensitivity.json", "sensitivity.png", "bayes_factors.png"}
)
"""Every file ``sensitivity --out`` writes (a folder of only these is replaced whole)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``bayesmeta sensitivity`` subcommand and its options.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The subcommands of the ``bayesmeta`` parser (:func:`bayesmeta.cli.build_parser`).
    """
    parser = subparsers.add_parser(
        "sensitivity",
        help="pooled rates across priors, leave-one-out, small studies and frequentist variants",
        description="Refit the random-intercept model under a grid of priors (tau family x scale, "
        "mu scale), leaving each study out, excluding small studies, and with frequentist tau^2 "
        "estimators and continuity corrections; print a table (or JSON) and write a figure.",
    )
    add_data_arguments(parser)
    parser.add_argument(
        "--by",
        metavar="COL",
        help="subgroup model by this covariate (its log Bayes factor is reported per prior)",
    )
    parser.add_argument(
        "--what",
        default=",".join(WHAT),
        help=f"comma-separated variations to run (default: {','.join(WHAT)})",
    )
    parser.add_argument(
        "--min-n",
        type=int,
        action="append",
        dest="min_n",
        metavar="N",
        help="small-study threshold: drop studies with fewer patients (repeatable; default 10 and 20)",
    )
    parser.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE)
    parser.add_argument(
        "--draws", type=int, default=None, help="NUTS draws per chain (--engine nuts; 1000)"
    )
    parser.add_argument(
        "--tune", type=int, default=None, help="NUTS tuning steps (--engine nuts; 1000)"
    )
    parser.add_argument("--chains", type=int, default=None, help="NUTS chains (--engine nuts; 2)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (--engine nuts)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    add_output_argument(
        parser,
        known=KNOWN_FILES,
        metavar="DIR",
        help="write sensitivity.csv, sensitivity.json, sensitivity.png (and bayes_factors.png "
        "with the exact engine: log Bayes factors across the prior grid)",
    )
    parser.set_defaults(handler=run)


def _what(text: str) -> list[str]:
    chosen = [w.strip() for w in text.split(",") if w.strip()]
    for name in chosen:
        if name not in WHAT:
            raise InputError(f"--what: unknown variation '{name}' (choose from {', '.join(WHAT)})")
    return chosen


def run(args: argparse.Namespace) -> int:
    """Run ``bayesmeta sensitivity``.

    Parameters
    ----------
    args : argparse.Namespace
        The options parsed by the parser :func:`register` added.

    Returns
    -------
    int
        Exit status, 0 on success. Bad input raises :class:`~bayesmeta.errors.BayesmetaError`,
        which :func:`bayesmeta.cli.main` prints as one line with status 2.
    """
    from bayesmeta.sensitivity import sensitivity

    what = _what(args.what)
    if args.min_n and "small" not in what:
        raise InputError("--min-n applies to the small-study variation: add 'small' to --what")
    min_n = args.min_n or [10, 20]
    for value in min_n:
        if value < 1:
            raise InputError(f"--min-n: {value} is not a positive number of patients")
    nuts_only = [
        f"--{n}" for n in ("draws", "tune", "chains", "seed") if getattr(args, n) is not None
    ]
    from bayesmeta.engines import declares

    if nuts_only and (args.engine == "auto" or declares(args.engine, "exact")):
        raise InputError(
            f"{', '.join(nuts_only)}: NUTS option(s), used only with --engine nuts (the random-"
            "intercept model is fitted by the exact quadrature engine otherwise)"
        )
    from bayesmeta.model.options import NUTS_LIGHT

    fit_options = {
        "draws": NUTS_LIGHT.draws if args.draws is None else args.draws,
        "tune": NUTS_LIGHT.tune if args.tune is None else args.tune,
        "chains": NUTS_LIGHT.chains if args.chains is None else args.chains,
    }
    if args.seed is not None:
        fit_options["seed"] = args.seed
    options = {"what": what, "min_n": min_n, "engine": args.engine, "fit_options": fit_options}
    options["show_progress"] = False if args.json else None  # a bar on a terminal only
    if args.by:
        options |= {"kind": "subgroup", "by": args.by}
    if args.out:
        from bayesmeta.folders import check_writable, locked

        check_writable(args.out)  # before any work
        with locked(args.out):
            result = sensitivity(load_data(args), **options)
            _write(result, args.out)
    else:
        result = sensitivity(load_data(args), **options)
    if args.json:
        print_json(result.to_dict())
    else:
        table = result.table[list(SHOWN)]
        sys.stdout.write(table.to_string(index=False, float_format=lambda v: f"{v:.4f}") + "\n")
        if result.excluded:
            names = "; ".join(f"{e['study']} ({e['reason']})" for e in result.excluded)
            sys.stdout.write(f"excluded: {names}\n")
    return 0


def _write(result, folder: str) -> None:
    """sensitivity.csv, .json and .png; the folder is replaced whole."""
    from bayesmeta.atomic import write_json, write_with
    from bayesmeta.cli.common import with_versions
    from bayesmeta.folders import replaced_folder

    with replaced_folder(folder, known=KNOWN_FILES) as out:
        write_with(out / "sensitivity.csv", lambda path: result.table.to_csv(path, index=False))
        write_json(out / "sensitivity.json", with_versions(result.to_dict()))
        figure = result.figure()
        write_with(out / "sensitivity.png", lambda path: figure.savefig(path, format="png"))
        if result.table["log_bf_heterogeneity"].notna().any():
            from bayesmeta.plots import bayes_factor_plot

            factors = bayes_factor_plot(result.table)
            write_with(out / "bayes_factors.png", lambda path: factors.savefig(path, format="png"))
