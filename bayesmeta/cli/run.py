"""`bayesmeta run SPEC|DIR [--out DIR]`: fit spec files and write their reports.

With a folder, every ``*.toml`` in it is run, the models of each outcome are compared
(leave-one-study-out) and ``index.md`` / ``index.html`` summarize everything. Multiverse specs
(a ``[multiverse]`` table) run only when named, or with ``--multiverse``: ``run models`` stays
as fast as the single analyses.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bayesmeta.cli.many_options import add_force_argument, add_worker_arguments
from bayesmeta.cli.outputs import add_output_argument
from bayesmeta.plural import plural


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
    add_output_argument(parser, default="report", help="output folder (default: report)")
    parser.add_argument(
        "--multiverse",
        action="store_true",
        help="also run the folder's multiverse specs (thousands of fits each; see "
        "'bayesmeta multiverse')",
    )
    # the specs (and --multiverse's specifications) run on these; the files are the same bytes
    add_worker_arguments(parser)
    add_force_argument(parser, what="multiverse specs: ")
    parser.set_defaults(handler=run)


def _multiverse_specs(args: argparse.Namespace) -> list:
    from bayesmeta.analysis.batch import spec_paths
    from bayesmeta.analysis.joint_spec import is_joint_spec
    from bayesmeta.analysis.specfile import read_spec
    from bayesmeta.ipd.specfile import is_ipd_spec

    paths = [p for p in spec_paths(args.target) if not (is_ipd_spec(p) or is_joint_spec(p))]
    specs = [s for s in map(read_spec, paths) if s.multiverse is not None]
    return specs if (args.multiverse or Path(args.target).is_file()) else []


def _run_multiverses(specs: list, args: argparse.Namespace) -> None:
    from bayesmeta.analysis.specfile import load_spec
    from bayesmeta.multiverse import run_multiverse

    out = args.out
    for spec in specs:
        s = run_multiverse(
            load_spec(spec.path),
            out=Path(out) / spec.name,
            workers=args.workers,
            scheduler=args.scheduler,
            force=args.force,
        )
        estimate = (
            "none could be fitted"
            if s["median"] is None
            else f"median pooled rate {s['median']:.3f} [range {s['min']:.3f} to {s['max']:.3f}]"
        )
        print(f"{spec.name}: multiverse of {s['specifications']} specifications, {estimate}")
        print(f"report: {out}/{spec.name}/report.html", file=sys.stderr)


def _ipd_specs(target: str) -> list:
    from bayesmeta.analysis.batch import spec_paths
    from bayesmeta.ipd.specfile import is_ipd_spec, load_ipd_spec

    return [load_ipd_spec(p) for p in spec_paths(target) if is_ipd_spec(p)]


def _run_ipd(specs: list, out: str) -> None:
    from bayesmeta.folders import locked
    from bayesmeta.ipd.specfile import run_ipd_spec

    if not specs:
        return
    with locked(out):
        for spec in specs:
            analysis = run_ipd_spec(spec, out)
            label = f" [{analysis.data_note}]" if analysis.data_note else ""
            print(
                f"{spec.name}: one-stage IPD ({analysis.method}), {analysis.design.data.k} trials{label}"
            )
            print(f"report: {out}/{spec.name}/report.md", file=sys.stderr)


def _joint_specs(target: str) -> list:
    from bayesmeta.analysis.batch import spec_paths
    from bayesmeta.analysis.joint_spec import is_joint_spec, load_joint_spec

    return [load_joint_spec(p) for p in spec_paths(target) if is_joint_spec(p)]


def _run_joint(specs: list, out: str) -> None:
    from bayesmeta.analysis.joint_run import run_joint_spec
    from bayesmeta.folders import locked

    if not specs:
        return
    with locked(out):
        for spec in specs:
            payload = run_joint_spec(spec, out).to_dict()
            rates = ", ".join(
                f"{name} {entry['pooled_median']['median']:.3f}"
                for name, entry in payload["outcomes"].items()
            )
            print(
                f"{spec.name}: joint model, pooled rates {rates}, {plural(payload['k'], 'study')}"
            )
            for j in payload["joint"]:
                print(
                    f"  P({j['condition']}): pooled {j['pooled']:.3f}, new study {j['new_study']:.3f}"
                )
            print(f"report: {out}/{spec.name}/report.html", file=sys.stderr)


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
    from bayesmeta.errors import InputError

    if args.multiverse and Path(args.target).is_file():
        raise InputError("--multiverse applies to a folder (a spec file named is always run)")
    multiverses = _multiverse_specs(args)
    if args.force and not multiverses:
        raise InputError("--force applies to multiverse specs (none is run here)")
    if multiverses and len(multiverses) == 1 and multiverses[0].path == Path(args.target):
        _run_multiverses(multiverses, args)  # one multiverse spec, named
        return 0
    ipd_specs = _ipd_specs(args.target)
    joint_specs = _joint_specs(args.target)
    fitted, comparisons = run_folder(
        args.target, args.out, workers=args.workers, scheduler=args.scheduler
    )
    _run_ipd(ipd_specs, args.out)
    _run_joint(joint_specs, args.out)
    for f in fitted:
        r = f.result
        print(
            f"{f.spec.name}: pooled median rate {r.pooled_median.median:.3f} "
            f"[{r.pooled_median.lo:.3f}, {r.pooled_median.hi:.3f}], {plural(f.model.data.k, 'study')}"
            + (
                ""
                if r.diagnostics.ok
                else " (diagnostics: " + "; ".join(r.diagnostics.problems()) + ")"
            )
        )
        timing = r.diagnostics.timing()
        if timing is not None:  # NUTS: on the terminal only, the output files stay reproducible
            print(
                f"  sampling ({r.model.get('sampler')}): {timing['sampling_seconds']:.2f} s, "
                f"{timing['ess_bulk_per_second']:.0f} bulk ESS/s (min over parameters)"
            )
    for c in comparisons:
        if c.comparison is not None:
            best = c.comparison.rows[0]
            print(f"{c.outcome}: best by LOO {best.name} (stacking weight {best.weight:.2f})")
        if c.common is not None:
            best = c.common.rows[0]
            print(
                f"{c.outcome} (all models, on the {plural(c.common.k, 'study')} they share): "
                f"best by LOO {best.name} (stacking weight {best.weight:.2f})"
            )
    if fitted:
        where = (
            f"{args.out}/index.html"
            if comparisons
            else f"{args.out}/{fitted[0].spec.name}/report.html"
        )
        print(f"report: {where}", file=sys.stderr)
    elif not multiverses and not ipd_specs and not joint_specs:
        print("nothing to run: only multiverse specs here (add --multiverse)", file=sys.stderr)
    _run_multiverses(multiverses, args)
    return 0
