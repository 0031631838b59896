"""`bayesmeta map`: the meta-analytic-predictive (MAP) prior of a new study's rate."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bayesmeta.cli.common import add_data_arguments, print_json
from bayesmeta.cli.outputs import add_output_argument

MAP_FILES = frozenset({"map.json", "mixture.csv", "map.png", "report.md"})
"""Every file ``map --out`` writes (a folder of only these is replaced whole)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``map`` subcommand.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The console command's subparsers.

    Returns
    -------
    None

    """
    parser = subparsers.add_parser(
        "map",
        help="MAP prior of a new study's rate: beta mixture, robustification, ESS, conflict",
        description=(
            "Meta-analytic-predictive prior of a new study's response rate from the exact "
            "predictive of the random-intercept model (or of one level: --by COL --level L, or "
            "--pattern COL=LEVEL; or of a covariate pattern of a meta-regression: --formula F "
            "--pattern 'a=x,b=y,age=60'), fitted by a beta mixture; optionally robustified "
            "(--robust W), "
            "with its effective sample size (elir, moment, morita) and a prior-data conflict check "
            "for a new trial's data (--new-events x --new-total n)."
        ),
    )
    add_data_arguments(parser, outcome_required=False)
    model = parser.add_mutually_exclusive_group()
    model.add_argument("--by", metavar="COL", help="subgroup model by this covariate")
    model.add_argument(
        "--formula", metavar="F", help="meta-regression; the new study is given by --pattern"
    )
    model.add_argument("--common", action="store_true", help="common-effect model (tau = 0)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--level", metavar="LEVEL", help="with --by: the level of the new study")
    where.add_argument(
        "--pattern",
        metavar="P",
        help="covariate values of the new study, e.g. 'cancer_type=myeloma' (with --formula: "
        "every covariate of the formula, numbers for numeric ones)",
    )
    parser.add_argument("--separate-tau", action="store_true", help="with --by: one tau per level")
    parser.add_argument("--mu-prior", metavar="S", help="prior of mu, default 'normal(0, 2.5)'")
    parser.add_argument("--tau-prior", metavar="S", help="prior of tau, default 'halfnormal(1.5)'")
    parser.add_argument(
        "--components", type=int, metavar="K", help="beta components (default: automatic, <= 4)"
    )
    parser.add_argument(
        "--robust", type=float, metavar="W", help="weight in [0, 1] of a vague component"
    )
    parser.add_argument(
        "--robust-mean", default=None, metavar="M",
        help="mean of the vague component: a number (0.5 gives Beta(1, 1)) or 'map'",
    )  # fmt: skip
    parser.add_argument("--new-events", type=int, metavar="X", help="responders in a new trial")
    parser.add_argument("--new-total", type=int, metavar="N", help="patients in that trial")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_output_argument(
        parser, known=MAP_FILES, metavar="DIR", help="write map.json, map.png, report.md here"
    )
    parser.set_defaults(handler=run)


def _model(args: argparse.Namespace):
    from bayesmeta.bayes import build_model
    from bayesmeta.cli.common import load_data
    from bayesmeta.errors import InputError

    if str(args.data).endswith(".toml"):
        from bayesmeta.analysis.fitting import to_model
        from bayesmeta.analysis.specfile import load_spec

        flags = [args.by, args.formula, args.mu_prior, args.tau_prior, args.events, args.total]
        if args.common or any(f is not None for f in flags):
            raise InputError(
                f"{args.data}: a spec file names its data and model; drop the data and model flags"
            )
        return to_model(load_spec(args.data))
    if not args.events or not args.total:
        raise InputError("DATA needs --events and --total (or give a .toml spec file)")
    kind = "common" if args.common else None
    return build_model(
        load_data(args),
        kind=kind,
        formula=args.formula,
        by=args.by,
        separate_tau=args.separate_tau,
        mu_prior=args.mu_prior,
        tau_prior=args.tau_prior,
    )


def _robust_mean(text: str) -> float | str:
    from bayesmeta.errors import InputError

    if text == "map":
        return "map"
    try:
        return float(text)
    except ValueError:
        raise InputError(f"--robust-mean {text}: a number in (0, 1) or 'map'") from None


def derive(args: argparse.Namespace):
    """The :class:`MapPrior` the arguments ask for (validation first, then the exact engine).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed command line.

    Returns
    -------
    MapPrior
        The fitted, possibly robustified prior.
    """
    from bayesmeta.errors import InputError
    from bayesmeta.trial import derive_map, map_source
    from bayesmeta.trial.conflict import check_counts
    from bayesmeta.trial.pattern import resolve
    from bayesmeta.trial.robust import check_weight

    if args.robust is not None:
        check_weight(args.robust)
    elif args.robust_mean is not None:
        raise InputError(
            "--robust-mean applies with --robust W (the weight of the vague component)"
        )
    if args.tau_prior is not None and args.common:
        raise InputError("--tau-prior: the common-effect model (--common) has no tau")
    if (args.new_events is None) != (args.new_total is None):
        raise InputError("--new-events and --new-total go together")
    if args.new_events is not None:
        check_counts(args.new_events, args.new_total)
    if args.out and Path(args.out).exists() and not Path(args.out).is_dir():
        raise InputError(f"--out {args.out}: exists and is not a folder")
    robust_mean = _robust_mean("0.5" if args.robust_mean is None else args.robust_mean)
    model, level = resolve(_model(args), level=args.level, pattern=args.pattern)
    source = map_source(model, level=level)
    return derive_map(
        source,
        components=args.components,
        robust=args.robust,
        robust_mean=robust_mean,
        new_events=args.new_events,
        new_total=args.new_total,
    )


def run(args: argparse.Namespace) -> int:
    """Run ``bayesmeta map``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed command line.

    Returns
    -------
    int
        Exit status 0.
    """
    from bayesmeta.cli.common import _json_ready

    prior = derive(args)
    payload = _json_ready(prior.to_dict())
    if args.out:
        write_report(prior, payload, Path(args.out))
    if args.json:
        print_json(payload)
    else:
        print(format_map(payload))
    return 0


def write_report(prior, payload: dict[str, Any], folder: Path) -> list[str]:
    """map.json, mixture.csv, map.png and report.md, written as one folder.

    Parameters
    ----------
    prior : MapPrior
        The prior.
    payload : dict
        Its JSON form.
    folder : Path
        The report folder.

    Returns
    -------
    list of str
        The files written.
    """
    from bayesmeta.trial.figures import map_figure
    from bayesmeta.trial.report import (
        json_writer,
        map_markdown,
        png_writer,
        text_writer,
        write_folder,
    )

    rows = ["weight,a,b"] + [f"{c['weight']!r},{c['a']!r},{c['b']!r}" for c in payload["mixture"]]
    return write_folder(
        folder,
        {
            "map.json": json_writer(payload),
            "mixture.csv": text_writer("\n".join(rows) + "\n"),
            "map.png": png_writer(map_figure(prior)),
            "report.md": text_writer(map_markdown(payload)),
        },
    )


def format_map(payload: dict[str, Any]) -> str:
    """A short human-readable summary.

    Parameters
    ----------
    payload : dict
        ``MapPrior.to_dict()``.

    Returns
    -------
    str
        Text.
    """
    pred = payload["predictive"]
    lines = [
        f"MAP prior for a new study ({payload['prior_for']}, k = {payload['k']}): exact predictive "
        f"median {pred['median']:.3f} [{pred['lo']:.3f}, {pred['hi']:.3f}]",
        "  beta mixture:  weight      a        b",
    ]
    for c in payload["mixture"]:
        lines.append(f"               {c['weight']:.3f}  {c['a']:8.3f} {c['b']:8.3f}")
    q = payload["fit_quality"]
    lines.append(
        f"  fit: max |CDF diff| {q['max_cdf_diff']:.4f}; quantile diffs "
        + ", ".join(f"{k} {v:+.4f}" for k, v in q["quantile_diffs"].items())
    )
    ess = payload["ess"]
    elir = "-" if ess["elir"] is None else f"{ess['elir']:.1f}"
    lines.append(
        f"  ESS: elir {elir}, moment {ess['moment']:.1f}, morita {ess['morita']:.1f}; "
        f"exact predictive, elir on the logit scale {pred['ess_elir_logit']:.1f}"
    )
    if "conflict" in payload:
        c = payload["conflict"]
        post = c["posterior"]
        lines.append(
            f"  new trial {c['events']}/{c['total']}: Box p = {c['box_p']:.4f}; posterior median "
            f"{post['median']:.3f} [{post['lo']:.3f}, {post['hi']:.3f}]"
        )
    lines += [f"  warning: {w}" for w in payload.get("warnings", [])]
    lines += [
        f"  excluded {e['study']}: {e['reason']}" for e in payload["model"].get("excluded", [])
    ]
    return "\n".join(lines)
