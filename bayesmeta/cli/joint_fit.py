"""``bayesmeta fit DATA --outcomes ...``: the Bayesian joint model of several outcomes."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bayesmeta.cli.common import interval_row, print_json
from bayesmeta.cli.joint_options import load_joint_data, refuse_with_outcomes
from bayesmeta.plural import plural

JOINT_ONLY = ("cor_prior", "nested", "joint", "given")
"""``fit`` options that only the joint model (``--outcomes``) reads."""

TABLES = (
    "summary",
    "correlations",
    "joint",
    "conditional",
    "study_rates",
    "diagnostics",
    "excluded",
)
JOINT_FILES = frozenset({"posterior.nc", "result.json", *(f"{name}.csv" for name in TABLES)})
"""Every file ``fit --outcomes --out`` writes."""


def add_joint_fit_arguments(parser: argparse.ArgumentParser) -> None:
    """``fit``'s options of the joint model: ``--cor-prior``, ``--nested``, ``--joint``, ``--given``.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        ``fit``'s parser.
    """
    parser.add_argument(
        "--cor-prior", metavar="S", help="with --outcomes: prior of the correlations, 'lkj(2)'"
    )
    parser.add_argument(
        "--nested",
        metavar="A<B",
        help="with --outcomes: outcome A nested in B ('crr<orr': CR ~ Bin(OR events, q))",
    )
    parser.add_argument(
        "--joint",
        action="append",
        default=[],
        metavar="C",
        help="with --outcomes: P(conditions all hold), e.g. 'orr>0.8,dead<0.25' (repeatable)",
    )
    parser.add_argument(
        "--given",
        action="append",
        default=[],
        metavar="G",
        help="with --outcomes: a new study's other rates given 'orr=0.9' or 'orr=27/30' "
        "(repeatable)",
    )


def check_joint_only(args: argparse.Namespace) -> None:
    """Refuse the joint model's options without ``--outcomes``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``fit`` arguments.
    """
    from bayesmeta.errors import InputError

    for name in JOINT_ONLY:
        if getattr(args, name):
            flag = "--" + name.replace("_", "-")
            raise InputError(f"{flag}: only with --outcomes (the joint model of several outcomes)")


def run_joint_fit(args: argparse.Namespace, *, replaceable: frozenset[str] = JOINT_FILES) -> int:
    """Fit the joint model with NUTS and print or write it.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed ``fit`` arguments with ``--outcomes``.
    replaceable : frozenset of str, optional
        Files of an earlier ``--out`` folder that may be replaced (``fit`` adds its own).

    Returns
    -------
    int
        Exit status 0.
    """
    from bayesmeta.errors import InputError
    from bayesmeta.folders import check_writable
    from bayesmeta.joint.spec import build_joint_model
    from bayesmeta.model.options import DEFAULT_SAMPLER, DEFAULT_SEED

    if args.out:
        check_writable(args.out)
    refuse_with_outcomes(
        args,
        {
            "--by": None,
            "--common": False,
            "--separate-tau": False,
            "--hdi": False,
            "--threshold": [],
            "--benchmark": None,
        },
    )
    import bayesmeta.joint  # noqa: F401  (registers the joint likelihood and its engine)
    from bayesmeta.engines import get_engine, resolve
    from bayesmeta.model.engine_api import FitOptions
    from bayesmeta.model.options import NutsOptions

    data = load_joint_data(args)
    spec = build_joint_model(
        data,
        formula=args.formula,
        mu_prior=args.mu_prior,
        beta_prior=args.beta_prior,
        tau_prior=args.tau_prior,
        cor_prior=args.cor_prior,
        nested=args.nested,
        joint=args.joint,
        given=args.given,
    )
    # "nuts" asks for sampling: whichever sampling engine fits this model (the joint one)
    engine = resolve(spec, "auto" if args.engine == "nuts" else args.engine)
    if args.engine == "nuts" and get_engine(engine).capabilities.exact:
        raise InputError("--engine nuts: no sampling engine fits the joint model")
    nuts = NutsOptions(
        draws=1000 if args.draws is None else args.draws,
        tune=1000 if args.tune is None else args.tune,
        chains=4 if args.chains is None else args.chains,
        seed=DEFAULT_SEED if args.seed is None else args.seed,
        sampler=args.sampler or DEFAULT_SAMPLER,
    )

    def fitted():
        return get_engine(engine).fit(spec, FitOptions(nuts=nuts))

    if args.out:
        from bayesmeta.folders import locked

        with locked(args.out):
            result = fitted()
            write_joint_outputs(result, Path(args.out), replaceable=replaceable)
    else:
        result = fitted()
    payload = result.to_dict()
    if result.diagnostics.timing() is not None:  # not in to_dict (saved files reproducible)
        payload["timing"] = result.diagnostics.timing()
    if args.json:
        print_json(payload)
    else:
        print(format_joint(payload))
    return 0


def write_joint_outputs(result, folder: Path, *, replaceable: frozenset[str] = JOINT_FILES) -> None:
    """posterior.nc, result.json and one CSV per table, the folder replaced whole.

    Parameters
    ----------
    result : JointResult
        The joint fit.
    folder : Path
        ``--out``.
    replaceable : frozenset of str, optional
        File names an earlier folder may hold to be replaced.

    Returns
    -------
    None
    """
    import json

    from bayesmeta.atomic import write_bytes, write_json, write_tables
    from bayesmeta.cli.common import _json_ready, with_versions
    from bayesmeta.folders import replaced_folder
    from bayesmeta.joint.draws import SUMMARY_ATTR
    from bayesmeta.joint.tables import joint_tables
    from bayesmeta.model.storage import netcdf_bytes

    payload = _json_ready(with_versions(result.to_dict()))
    with replaced_folder(folder, known=replaceable | JOINT_FILES) as temporary:
        idata = result.idata.copy()
        idata.posterior.attrs[SUMMARY_ATTR] = json.dumps(payload)
        write_bytes(temporary / "posterior.nc", netcdf_bytes(idata))
        write_json(temporary / "result.json", payload)
        write_tables(temporary, joint_tables(payload))


def format_joint(payload: dict[str, Any]) -> str:
    """A short report of a joint fit.

    Parameters
    ----------
    payload : dict
        :meth:`~bayesmeta.joint.summary.JointResult.to_dict`, with ``timing`` when measured.

    Returns
    -------
    str
    """
    model = payload["model"]
    nested = f", nested {model['nested']}" if model.get("nested") else ""
    lines = [
        f"joint model of {', '.join(model['outcomes'])}{nested}, k = {plural(payload['k'], 'study')} "
        f"({payload['engine']}); median [95% interval]"
    ]
    for name, entry in payload["outcomes"].items():
        lines.append(interval_row(f"{name}: pooled rate", entry["pooled_median"]))
        lines.append(interval_row(f"{name}: mean rate", entry["pooled_mean"]))
        lines.append(interval_row(f"{name}: new study", entry["new_study"]))
        lines.append(interval_row(f"{name}: tau (logit scale)", entry["tau"]))
    for pair, iv in payload["correlations"].items():
        lines.append(interval_row(f"correlation {pair}", iv))
    for name, iv in payload.get("coefficients", {}).items():
        lines.append(interval_row(f"coef {name}", iv))
    for j in payload["joint"]:
        lines.append(
            f"  P({j['condition']}): pooled {j['pooled']:.3f} (MCSE {j['pooled_mcse']:.3f}), "
            f"new study {j['new_study']:.3f} (MCSE {j['new_study_mcse']:.3f})"
        )
    for c in payload["conditional"]:
        lines.append(interval_row(f"new study {c['outcome']} | {c['given']}", c))
    if payload.get("nested"):
        for e in payload["nested"]["left_out"]:
            lines.append(f"nested {payload['nested']['mode']}: {e['study']}: {e['reason']}")
    d = payload["diagnostics"]

    def num(value: float | None, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    lines.append(
        f"diagnostics {'ok' if d['ok'] else 'FAILED'}: R-hat max {num(d['rhat_max'], '.3f')}, "
        f"ESS bulk min {num(d['ess_bulk_min'], '.0f')}, tail min {num(d['ess_tail_min'], '.0f')}, "
        f"divergences {d['divergences']}"
    )
    if payload.get("timing"):  # absent when the sampling time was not measured
        t = payload["timing"]
        lines.append(
            f"sampling ({payload['sampling'].get('sampler')}): {t['sampling_seconds']:.2f} s, "
            f"{t['ess_bulk_per_second']:.0f} bulk ESS/s (min over parameters)"
        )
    left = {e["study"] for e in (payload.get("nested") or {}).get("left_out", [])}
    for e in payload.get("excluded", []):
        if e["study"] not in left:
            lines.append(f"excluded: {e['study']} ({e['reason']})")
    return "\n".join(lines)
