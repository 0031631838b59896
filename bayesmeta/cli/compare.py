"""`bayesmeta compare SPEC SPEC ... [--out DIR] [--common-studies] [--json]`: rank models by
leave-one-study-out elpd.

LOO uses each study's likelihood with its random effect integrated out (PSIS), and refits
exactly for any study whose Pareto k stays above 0.7. The models must use the same studies,
unless ``--common-studies`` refits every model on the studies all of them use (the others are
listed in the output and in each model's ``excluded``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bayesmeta.plural import plural


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``bayesmeta compare`` subcommand and its options.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The subcommands of the ``bayesmeta`` parser (:func:`bayesmeta.cli.build_parser`).
    """
    parser = subparsers.add_parser(
        "compare",
        help="rank model spec files by PSIS-LOO on the study-level (integrated) likelihood",
        description="Fit each spec (or reload it from --out when `bayesmeta run` saved it for "
        "the same spec file) and rank by elpd_loo with stacking weights.",
    )
    parser.add_argument("specs", metavar="SPEC", nargs="+", help="spec files (.toml), at least two")
    parser.add_argument(
        "--out", default=None, help="folder of an earlier `bayesmeta run` to reload fits from"
    )
    parser.add_argument(
        "--common-studies",
        action="store_true",
        help="refit every model on the studies all of them use (e.g. when a subgroup covariate "
        "is known for few studies) instead of refusing models on different studies",
    )
    parser.add_argument(
        "--json", action="store_true", help="print a JSON list of rows instead of a table"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run ``bayesmeta compare``.

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
    from bayesmeta.analysis.comparison import compare_specs
    from bayesmeta.analysis.report_format import pareto_k
    from bayesmeta.analysis.specfile import load_spec
    from bayesmeta.cli.common import print_json
    from bayesmeta.errors import InputError

    if len(args.specs) < 2:
        raise InputError("compare needs at least two spec files")
    if args.out is not None and not Path(args.out).is_dir():
        raise InputError(
            f"--out {args.out}: no such folder (the --out of an earlier `bayesmeta run`)"
        )
    specs = [load_spec(path) for path in args.specs]
    comparison = compare_specs(specs, out=args.out, common_studies=args.common_studies)
    if args.json:
        print_json(comparison.to_list())
        return 0
    print(studies_line(comparison))
    for line in excluded_lines(comparison):
        print(line)
    width = max(28, *(len(r.name) for r in comparison.rows))
    probs = comparison.posterior_prob
    header = f"{'rank':>4}  {'model':<{width}} {'elpd_loo':>9} {'se':>6} {'elpd_diff':>9} {'dse':>6} {'weight':>6} {'P(M|y)':>7} {'k_max':>6}  refitted"
    print(header)
    for r in comparison.rows:
        prob = f"{probs[r.name]:7.3f}" if r.name in probs else f"{'-':>7}"
        print(
            f"{r.rank:>4}  {r.name:<{width}} {r.elpd_loo:9.2f} {r.se:6.2f} {r.elpd_diff:9.2f} {r.dse:6.2f} "
            f"{r.weight:6.3f} {prob} {pareto_k(r.pareto_k_max):>6}  {', '.join(r.refitted) or '-'}"
        )
    print(WEIGHTS_NOTE if probs else WEIGHTS_NOTE_NUTS)
    return 0


#: How the two columns differ, printed under the table.
WEIGHTS_NOTE = (
    "weight: stacking weights from LOO, which model predicts the next study best; P(M|y): "
    "posterior model probabilities from the exact log evidence (equal prior probabilities), "
    "which model is most probable given the data and the priors (see bayesmeta average)."
)
WEIGHTS_NOTE_NUTS = (
    "weight: stacking weights from LOO (which model predicts the next study best); P(M|y) "
    "needs the exact engine's log evidence for every model."
)


def studies_line(comparison) -> str:
    """One line saying how many studies the comparison is on and which were left out.

    Parameters
    ----------
    comparison
        The comparison behind ``bayesmeta compare``.

    Returns
    -------
    str
    """
    line = f"Compared on {plural(comparison.k, 'study')}"
    if not comparison.common_studies:
        return line + " (every model uses the same studies)."
    left_out = comparison.all_left_out
    if not left_out:
        return line + " (common to every model; none left out)."
    return line + f" common to every model; {len(left_out)} left out (listed below)."


def excluded_lines(comparison) -> list[str]:
    """Each study left out of any model, listed once, with the models that lack it and why.

    Studies lacking from the same models for the same reasons are listed together; the
    studies a model had but dropped because another model lacks them (``--common-studies``) are
    not repeated: they are the ones listed here.

    Parameters
    ----------
    comparison : Comparison
        The result of ``compare_specs``.

    Returns
    -------
    list of str
        A heading line and one line per group; no line when no model leaves a study out.
    """
    from bayesmeta.analysis.shared_studies import REASON

    names = list(comparison.excluded)
    lacking: dict[str, dict[str, str]] = {}
    for name, excluded in comparison.excluded.items():
        for e in excluded:
            if not e["reason"].startswith(REASON):
                lacking.setdefault(e["study"], {})[name] = e["reason"]
    if not lacking:
        return []
    groups: dict[tuple, list[str]] = {}
    for study, by_model in lacking.items():
        reasons = "; ".join(sorted(set(by_model.values())))
        if len(by_model) == len(names):
            which = "every model"
        else:
            which = ", ".join(n for n in names if n in by_model)
        groups.setdefault((which, reasons), []).append(study)
    count = plural(len(lacking), "study")
    lines = [f"Left out ({count}, each once, with the models that lack it):"]
    for (which, reason), studies in groups.items():
        lines.append(f"  {', '.join(studies)}: {which} ({reason})")
    return lines
