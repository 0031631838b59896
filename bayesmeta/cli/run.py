"""`bayesmeta run SPEC|DIR [--out DIR]`: fit spec files and write their reports.

With a folder, every ``*.toml`` in it is run, the models of each outcome are compared
(leave-one-study-out) and ``index.md`` / ``index.html`` summarize everything.
"""

from __future__ import annotations

import argparse
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``bayesmeta run`` subcommand and its options.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The subcommands of the ``bayesmeta`` parser (:func:`bayesmeta.cli.build_parser`).
    """
    parser = subparsers.add_parser(
        "run",
        help="fit model spec files (TOML) and write posterior, tables, figures and reports",
        description="Fit one spec file, or every spec file of a folder (then also compare the "
        "models of each outcome and write index.md / index.html).",
    )
    parser.add_argument(
        "target", metavar="SPEC|DIR", help="a spec file (.toml) or a folder of them"
    )
    parser.add_argument("--out", default="report", help="output folder (default: report)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run ``bayesmeta run``.

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
    from bayesmeta.analysis.batch import run_folder

    fitted, comparisons = run_folder(args.target, args.out)
    for f in fitted:
        r = f.result
        print(
            f"{f.spec.name}: pooled median rate {r.pooled_median.median:.3f} "
            f"[{r.pooled_median.lo:.3f}, {r.pooled_median.hi:.3f}], {f.model.data.k} studies"
            + (
                ""
                if r.diagnostics.ok
                else " (diagnostics: " + "; ".join(r.diagnostics.problems()) + ")"
            )
        )
    for c in comparisons:
        if c.comparison is not None:
            best = c.comparison.rows[0]
            print(f"{c.outcome}: best by LOO {best.name} (stacking weight {best.weight:.2f})")
        if c.common is not None:
            best = c.common.rows[0]
            print(
                f"{c.outcome} (all models, on the {c.common.k} studies they share): "
                f"best by LOO {best.name} (stacking weight {best.weight:.2f})"
            )
    where = (
        f"{args.out}/index.html" if comparisons else f"{args.out}/{fitted[0].spec.name}/report.html"
    )
    print(f"report: {where}", file=sys.stderr)
    return 0
