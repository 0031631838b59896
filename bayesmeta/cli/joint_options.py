"""``--outcomes``: several outcomes per study (the joint model), shared by ``fit`` and ``freq``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bayesmeta.cli.common import print_json
from bayesmeta.plural import plural

OUTCOMES_HELP = (
    "several outcomes at once (joint model): 'orr,crr,dead' reads <name>_events/<name>_total; "
    "'resp=x1:n1,cr=x2:n2' names the columns"
)


def add_outcomes_argument(parser: argparse.ArgumentParser) -> None:
    """Add ``--outcomes`` to a subcommand.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    """
    parser.add_argument("--outcomes", metavar="LIST", help=OUTCOMES_HELP)


def check_single_outcome(args: argparse.Namespace) -> None:
    """Without ``--outcomes``, ``--events`` and ``--total`` are required; with it, refused.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments.
    """
    from bayesmeta.errors import InputError

    if args.outcomes is None and (args.events is None or args.total is None):
        raise InputError(
            "--events and --total are required (or --outcomes for several outcomes at once)"
        )
    if args.outcomes is not None and (args.events is not None or args.total is not None):
        flag = "--events" if args.events is not None else "--total"
        raise InputError(f"{flag}: not used with --outcomes, which names every outcome's columns")


def refuse_with_outcomes(args: argparse.Namespace, flags: dict[str, Any]) -> None:
    """Refuse options the joint analysis does not use (flag -> the value that means "unset").

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments.
    flags : dict
        ``{"--by": None, ...}``: an option whose value differs from its unset value is refused.
    """
    from bayesmeta.errors import InputError

    for flag, unset in flags.items():
        if getattr(args, flag.lstrip("-").replace("-", "_")) != unset:
            raise InputError(f"{flag}: not available with --outcomes (the joint model)")


def load_joint_data(args: argparse.Namespace):
    """Read DATA (a CSV path or a bundled data set) as :class:`~bayesmeta.joint.JointData`.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments with ``data``, ``outcomes`` and ``study``.

    Returns
    -------
    JointData
    """
    from bayesmeta.data import load_dataset, read_table
    from bayesmeta.data.bundled import COVARIATES, DATASETS
    from bayesmeta.joint.wide_table import joint_from_frame

    path = Path(args.data)
    covariates = None
    if not path.exists() and args.data in DATASETS:
        frame = load_dataset(args.data)
        covariates = list(COVARIATES)
    else:
        frame = read_table(path)
    return joint_from_frame(frame, outcomes=args.outcomes, study=args.study, covariates=covariates)


def run_joint_freq(args: argparse.Namespace) -> int:
    """``bayesmeta freq DATA --outcomes ...``: the multivariate GLMM (Laplace, as glmer).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``freq`` arguments.

    Returns
    -------
    int
        Exit status 0.
    """
    from bayesmeta.errors import InputError
    from bayesmeta.joint.freq import joint_glmm

    if args.method not in (None, "GLMM"):
        raise InputError(
            f"--method {args.method}: several outcomes are fitted by the multivariate GLMM only "
            "(--method GLMM)"
        )
    refuse_with_outcomes(
        args,
        {
            "--by": None,
            "--tau2": None,
            "--bias": False,
            "--pi": None,
            "--measure": "PLO",
            "--ci": "z",
        },
    )
    data = load_joint_data(args)
    result = joint_glmm(data, formula=args.mods, level=args.level)
    payload = result.to_dict()
    if args.json:
        print_json(payload)
    else:
        print(format_joint_freq(payload))
    return 0


def format_joint_freq(payload: dict[str, Any]) -> str:
    """The multivariate GLMM as a short table.

    Parameters
    ----------
    payload : dict
        :meth:`~bayesmeta.joint.freq.JointGlmmResult.to_dict`.

    Returns
    -------
    str
    """
    pct = round(100 * payload["level"])
    lines = [
        f"multivariate GLMM (Laplace, as lme4::glmer), k = {plural(payload['k'], 'study')}, "
        f"{payload['n_obs']} outcome counts",
        f"  {'outcome':<10} {'mu':>8} {'se':>7} {'rate':>7}  {pct}% CI           {'tau':>6}",
    ]
    for name, o in payload["outcomes"].items():
        lines.append(
            f"  {name:<10} {o['mu']:8.4f} {o['se']:7.4f} {o['rate']:7.3f}  "
            f"[{o['rate_lo']:.3f}, {o['rate_hi']:.3f}]  {o['tau']:6.3f}"
        )
    for name, c in payload.get("coefficients", {}).items():
        lines.append(f"  coef {name:<30} {c['estimate']:8.4f} (se {c['se']:.4f})")
    for pair, r in payload["correlations"].items():
        lines.append(f"  correlation {pair:<20} {r:7.3f}")
    lines.append(f"  log-likelihood {payload['loglik']:.4f}")
    if not payload["converged"]:
        lines.append("  WARNING: the optimiser did not converge")
    for e in payload.get("excluded", []):
        lines.append(f"excluded: {e['study']} ({e['reason']})")
    return "\n".join(lines)
