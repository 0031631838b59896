"""`bayesmeta fit`: Bayesian binomial-logit meta-analysis (exact quadrature where supported, else NUTS)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bayesmeta.cli.common import add_data_arguments, load_data, print_json
from bayesmeta.cli.fit_report import KNOWN_FILES, format_result, write_outputs
from bayesmeta.cli.joint_fit import JOINT_FILES, add_joint_fit_arguments
from bayesmeta.cli.joint_options import add_outcomes_argument, check_single_outcome
from bayesmeta.cli.outputs import add_output_argument
from bayesmeta.engines import DEFAULT_ENGINE, ENGINES
from bayesmeta.model.options import DEFAULT_SAMPLER, SAMPLERS, NutsOptions

_NUTS = NutsOptions()


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``bayesmeta fit`` subcommand and its options.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The subcommands of the ``bayesmeta`` parser (:func:`bayesmeta.cli.build_parser`).
    """
    parser = subparsers.add_parser(
        "fit",
        help="Bayesian hierarchical meta-analysis of proportions",
        description=(
            "Random-intercept binomial-logit model (default), meta-regression (--formula), "
            "subgroups (--by, optionally --separate-tau) or the common-effect model "
            "(--common). Reports the pooled rate expit(mu), the population-averaged mean rate, "
            "the predictive rate of a new study, tau, per-level rates and contrasts."
        ),
    )
    add_data_arguments(parser, outcome_required=False)
    add_outcomes_argument(parser)
    model = parser.add_mutually_exclusive_group()
    model.add_argument(
        "--formula", metavar="F", help="meta-regression, e.g. 'cancer_type + age_median'"
    )
    model.add_argument("--by", metavar="COL", help="subgroup model by this covariate")
    model.add_argument("--common", action="store_true", help="common-effect model (tau = 0)")
    parser.add_argument("--separate-tau", action="store_true", help="with --by: one tau per level")
    parser.add_argument("--mu-prior", metavar="S", help="prior of mu, default 'normal(0, 2.5)'")
    parser.add_argument(
        "--beta-prior", metavar="S", help="prior of slopes, default 'normal(0, 2.5)'"
    )
    parser.add_argument("--tau-prior", metavar="S", help="prior of tau, default 'halfnormal(1.5)'")
    parser.add_argument(
        "--likelihood",
        metavar="NAME",
        default=None,
        help="binomial (logit-normal study effects, default) or betabinomial (brms's "
        "beta_binomial: study rates ~ Beta(mu phi, (1 - mu) phi); random or --formula)",
    )
    parser.add_argument(
        "--phi-prior",
        metavar="S",
        help="with --likelihood betabinomial: prior of phi, default 'gamma(0.01, 0.01)'",
    )
    parser.add_argument(
        "--draws", type=int, default=None, metavar="N", help=f"NUTS draws per chain ({_NUTS.draws})"
    )
    parser.add_argument(
        "--tune",
        type=int,
        default=None,
        metavar="N",
        help=f"NUTS tuning steps per chain ({_NUTS.tune})",
    )
    parser.add_argument(
        "--chains", type=int, default=None, metavar="N", help=f"NUTS chains ({_NUTS.chains})"
    )
    parser.add_argument("--seed", type=int, default=None, metavar="N", help="NUTS random seed")
    parser.add_argument(
        "--sampler",
        choices=SAMPLERS,
        default=None,
        help=f"NUTS sampler (default {DEFAULT_SAMPLER}; auto: nutpie where installed, else pymc)",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=DEFAULT_ENGINE,
        help="auto (default): exact quadrature where supported, else NUTS",
    )
    parser.add_argument("--hdi", action="store_true", help="highest-density intervals")
    parser.add_argument(
        "--threshold",
        type=float,
        action="append",
        default=[],
        metavar="X",
        help="report P(rate > X) for the pooled, mean, new-study and level rates (repeatable)",
    )
    parser.add_argument(
        "--benchmark",
        type=float,
        metavar="B",
        help="one-sided Bayes factor of the pooled rate being above B (exact engine)",
    )
    add_joint_fit_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_output_argument(
        parser,
        known=KNOWN_FILES | JOINT_FILES,
        metavar="DIR",
        help="write posterior.nc and CSV tables here",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run ``bayesmeta fit``: build the model, fit it with the resolved engine, print the result.

    ``--out`` is checked before any work and locked while the result is written. NUTS-only
    options (``--draws``, ``--tune``, ``--chains``, ``--seed``, ``--sampler``) are refused when
    the model resolves to the exact engine.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``fit`` arguments.

    Returns
    -------
    int
        Exit status (0; errors are raised as :class:`~bayesmeta.errors.InputError`).
    """
    from bayesmeta.engines import declares, fit, resolve
    from bayesmeta.errors import InputError
    from bayesmeta.folders import check_writable
    from bayesmeta.model.spec import build_model
    from bayesmeta.model.thresholds import check_thresholds

    check_single_outcome(args)
    if args.outcomes is not None:
        from bayesmeta.cli.joint_fit import run_joint_fit

        check_options(args)
        return run_joint_fit(args, replaceable=KNOWN_FILES)
    from bayesmeta.cli.joint_fit import check_joint_only

    check_joint_only(args)
    if args.out:
        check_writable(args.out)  # before any work
    check_options(args)
    data = load_data(args)
    kind = "common" if args.common else None
    likelihood = chosen_likelihood(args)
    spec = build_model(
        data,
        kind=kind,
        formula=args.formula,
        by=args.by,
        separate_tau=args.separate_tau,
        mu_prior=args.mu_prior,
        beta_prior=args.beta_prior,
        tau_prior=args.tau_prior,
        likelihood=likelihood,
    )
    engine = resolve(spec, args.engine)
    sampling = not declares(engine, "exact")
    given = [f"--{name}" for name in NUTS_ONLY if getattr(args, name) is not None]
    if not sampling and given:
        raise InputError(
            f"{', '.join(given)}: NUTS option(s), not used by the exact engine this model is "
            "fitted with; add --engine nuts to sample"
        )
    options: dict[str, Any] = {
        "engine": engine,
        "hdi": args.hdi,
        "thresholds": check_thresholds(args.threshold, name="--threshold"),
        "benchmark": args.benchmark,
    }
    if args.benchmark is not None:
        check_thresholds(args.benchmark, name="--benchmark")
    if sampling:  # None keeps the NutsOptions default
        options.update(
            draws=args.draws,
            tune=args.tune,
            chains=args.chains,
            seed=args.seed,
            sampler=args.sampler,
        )
    if args.out:
        from bayesmeta.folders import locked

        with locked(args.out):
            result = fit(spec, **options)
            write_outputs(result, Path(args.out))
    else:
        result = fit(spec, **options)
    payload = result.to_dict()
    if result.diagnostics.timing() is not None:  # NUTS: not in to_dict (saved files reproducible)
        payload["timing"] = result.diagnostics.timing()
    if args.json:
        print_json(payload)
    else:
        print(format_result(payload))
    return 0


NUTS_ONLY = ("draws", "tune", "chains", "seed", "sampler")


def chosen_likelihood(args: argparse.Namespace):
    """The likelihood ``--likelihood`` names, with the priors of its own parameters.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``fit`` arguments.

    Returns
    -------
    Likelihood

    Raises
    ------
    InputError
        An unknown likelihood, or ``--phi-prior`` / ``--tau-prior`` it has no use for.
    """
    from bayesmeta.errors import InputError
    from bayesmeta.model.likelihoods import likelihood_named

    try:
        likelihood = likelihood_named(args.likelihood or "binomial")
    except InputError as error:
        raise InputError(f"--likelihood: {error}") from None
    try:
        likelihood = likelihood.with_priors(phi=args.phi_prior)
    except InputError as error:
        raise InputError(f"--phi-prior: {error}") from None
    if args.tau_prior is not None and not getattr(likelihood, "has_tau", True):
        raise InputError(f"--tau-prior: the {likelihood.name} likelihood has no tau")
    return likelihood


def check_options(args: argparse.Namespace) -> None:
    """Refuse options that the chosen engine or model would ignore.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``fit`` arguments.

    Returns
    -------
    None
    """
    from bayesmeta.errors import InputError

    if args.tau_prior and args.common:
        raise InputError("--tau-prior: the common-effect model (--common) has no tau")
    if args.beta_prior and not args.formula:
        raise InputError("--beta-prior: only a meta-regression (--formula) has slopes")
