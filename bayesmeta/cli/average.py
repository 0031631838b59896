"""`bayesmeta average`: Bayesian model averaging of spec files on the same data (exact engine)."""

from __future__ import annotations

import argparse
from typing import Any

from bayesmeta.cli.common import print_json
from bayesmeta.plural import plural


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``average`` subcommand.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The main parser's subcommands.

    Returns
    -------
    None
    """
    parser = subparsers.add_parser(
        "average",
        help="Bayesian model averaging of spec files (posterior model probabilities)",
        description=(
            "Posterior model probabilities from the exact engine's log evidence, the "
            "model-averaged pooled, mean, new-study and per-level rates, and inclusion Bayes "
            "factors for heterogeneity and each covariate. Every spec must describe the same "
            "outcome on the same studies. LOO (bayesmeta compare) asks which model predicts "
            "the next study best; the evidence asks which model is most probable."
        ),
    )
    parser.add_argument("specs", nargs="+", metavar="SPEC", help="TOML spec files")
    parser.add_argument(
        "--prior-prob",
        type=float,
        nargs="+",
        metavar="P",
        help="prior model probabilities, one per SPEC in order, summing to 1 (default: equal)",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        action="append",
        default=[],
        metavar="X",
        help="also report the model-averaged P(rate > X) (repeatable)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Average the spec files and print the result (text or ``--json``).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed options.

    Returns
    -------
    int
        Exit status 0 (bad input raises and exits 2 through the CLI's main).
    """
    from bayesmeta.analysis.averaging import average_specs
    from bayesmeta.model.thresholds import check_thresholds

    thresholds = check_thresholds(args.threshold, name="--threshold")
    result = average_specs(args.specs, prior_prob=args.prior_prob, thresholds=thresholds)
    if args.json:
        print_json(result.to_dict())
    else:
        print(format_average(result.to_dict()))
    return 0


def format_average(payload: dict[str, Any]) -> str:
    """A short human-readable report of an averaging.

    Parameters
    ----------
    payload : dict
        :meth:`bayesmeta.analysis.averaging.Averaging.to_dict`.

    Returns
    -------
    str
        Models with prior and posterior probabilities, averaged rates, inclusion Bayes factors.
    """
    lines = [
        f"model averaging of '{payload['outcome']}', k = {plural(payload['k'], 'study')} (exact engine)",
    ]
    excluded = payload.get("excluded") or []
    if excluded:
        lines.append(f"  excluded: {plural(len(excluded), 'study')}")
        lines += [f"    {e['study']}: {e['reason']}" for e in excluded]
    lines.append(f"  {'model':<28} {'prior':>7} {'posterior':>9} {'log p(y)':>10}")
    for m in payload["models"]:
        lines.append(
            f"  {m['name']:<28} {m['prior_prob']:>7.3f} {m['posterior_prob']:>9.3f} "
            f"{m['log_evidence']:>10.3f}"
        )
    lines.append("model-averaged rates: median [95% interval]")
    labels = {
        "pooled_median": "pooled rate expit(mu)",
        "pooled_mean": "mean rate E[expit(mu + u)]",
        "new_study": "new study",
    }
    averaged = payload["averaged"]
    for key, label in labels.items():
        iv = averaged[key]
        lines.append(f"  {label:<34} {iv['median']:.3f}  [{iv['lo']:.3f}, {iv['hi']:.3f}]")
    for cov, levels in averaged.get("levels", {}).items():
        for level, iv in levels.items():
            lines.append(
                f"  {f'rate[{cov}={level}]':<34} {iv['median']:.3f}  [{iv['lo']:.3f}, {iv['hi']:.3f}]"
            )
    for name, bf in payload["inclusion_bf"].items():
        lines.append(
            f"inclusion Bayes factor, {name}: log BF = {bf['log_bf']:.3f} "
            f"(numerical error {bf['error']:.1e})"
        )
    for x, entry in payload.get("prob_above", {}).items():
        lines.append(
            f"P(rate > {x}): pooled {entry['pooled_median']:.3f}, mean {entry['pooled_mean']:.3f}, "
            f"new study {entry['new_study']:.3f}"
        )
    return "\n".join(lines)
