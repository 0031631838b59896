"""`bayesmeta freq`: the frequentist baseline (metafor / meta defaults) from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from bayesmeta.cli.common import add_data_arguments, load_data, print_json

METHODS = ("DL", "REML", "PM", "ML", "EB", "SJ", "HS", "EE", "GLMM")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "freq",
        help="frequentist meta-analysis equal to R's metafor/meta",
        description=(
            "Pooled proportion by inverse-variance random-effects meta-analysis (metafor::rma) "
            "or the random-intercept logistic GLMM (rma.glmm, meta::metaprop's default), with "
            "subgroup analysis (--by) or meta-regression (--mods)."
        ),
    )
    add_data_arguments(parser)
    parser.add_argument(
        "--method",
        choices=METHODS,
        help="tau^2 estimator or GLMM (default DL; REML with --mods, as metafor)",
    )
    parser.add_argument(
        "--measure",
        default="PLO",
        choices=("PLO", "PFT", "PAS", "PR"),
        help="analysis scale (default PLO: logit)",
    )
    parser.add_argument(
        "--ci", default="z", choices=("z", "hk"), help="z or Hartung-Knapp intervals (default z)"
    )
    parser.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--by", metavar="COL", help="subgroup analysis by this covariate")
    group.add_argument(
        "--mods", metavar="FORMULA", help="meta-regression, e.g. 'cancer_type + age_median'"
    )
    parser.add_argument(
        "--tau2",
        default=None,
        choices=("separate", "common"),
        help="with --by: separate tau^2 per group (meta's default) or a common one",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of a table"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from bayesmeta.errors import InputError
    from bayesmeta.freq import metareg, rma, subgroup

    if not 0 < args.level < 1:
        raise InputError(f"--level must be between 0 and 1, got {args.level}")
    if args.tau2 is not None and not args.by:
        raise InputError("--tau2 applies to subgroup analysis only (with --by)")
    data = load_data(args)
    method = args.method or ("REML" if args.mods else "DL")
    if args.by:
        result = subgroup(
            data,
            by=args.by,
            method=method,
            tau2=args.tau2 or "separate",
            measure=args.measure,
            ci=args.ci,
            level=args.level,
        )
        payload = result.to_dict()
        text = _subgroup_table(payload)
    elif args.mods:
        result = metareg(
            data,
            formula=args.mods,
            method=method,
            measure=args.measure,
            ci=args.ci,
            level=args.level,
        )
        payload = result.to_dict()
        text = _metareg_table(payload)
    else:
        result = rma(data, method=method, measure=args.measure, ci=args.ci, level=args.level)
        payload = result.to_dict()
        text = _pooled_table(payload, title=f"{method} meta-analysis of {data.outcome}")
    if args.json:
        print_json(payload)
    else:
        print(text)
    return 0


def _interval(pair: list[float] | None) -> str:
    return "—" if pair is None else f"[{pair[0]:.4f}; {pair[1]:.4f}]"


def _pooled_lines(p: dict[str, Any]) -> list[str]:
    tau2_ci = "" if p.get("tau2_ci") is None else f"  (CI {_interval(p['tau2_ci'])})"
    q_label = "Q (Wald-type)" if p["method"] == "GLMM" else "Q"
    lines = [
        f"  studies (k)        {p['k']}",
        f"  proportion         {p['estimate']:.4f}  {_interval(p['ci'])}  ({p['ci_method']} interval)",
        f"  prediction int.    {_interval(p['pi'])}",
        f"  mu (se), {p['measure']:<8}  {p['mu']:.4f} ({p['se']:.4f})",
        f"  tau^2              {p['tau2']:.4f}{tau2_ci}",
        f"  I^2                {p['i2']:.1f}%",
        f"  {q_label:<18} {p['q']:.2f} on {p['q_df']} df, p = {p['q_p']:.4g}",
    ]
    if "q_lrt" in p:
        lines.append(
            f"  Q (LRT)            {p['q_lrt']:.2f} on {p['q_df']} df, p = {p['q_lrt_p']:.4g}"
        )
    return lines


def _excluded_lines(p: dict[str, Any]) -> list[str]:
    if not p["excluded"]:
        return []
    return ["Excluded:"] + [f"  {e['study']}: {e['reason']}" for e in p["excluded"]]


def _pooled_table(p: dict[str, Any], *, title: str) -> str:
    return "\n".join([title] + _pooled_lines(p) + _excluded_lines(p))


def _subgroup_table(p: dict[str, Any]) -> str:
    lines = [f"Subgroups by {p['by']} ({p['method']}, {p['tau2_mode']} tau^2)"]
    ci_label = f"{100 * p.get('level', 0.95):g}% CI"
    header = (
        f"  {'group':<16}{'k':>4}  {'proportion':>10}  {ci_label:<20}  {'tau^2':>8}  {'I^2':>6}"
    )
    lines.append(header)
    for level, g in p["groups"].items():
        lines.append(
            f"  {level:<16}{g['k']:>4}  {g['estimate']:>10.4f}  {_interval(g['ci']):<20}  "
            f"{g['tau2']:>8.4f}  {g['i2']:>5.1f}%"
        )
    lines.append(
        f"Test for subgroup differences: Q = {p['q_between']:.2f}, df = {p['df_between']}, "
        f"p = {p['p_between']:.4g}"
    )
    lines.append("Overall:")
    lines.extend(_pooled_lines(p))
    return "\n".join(lines + _excluded_lines(p))


def _metareg_table(p: dict[str, Any]) -> str:
    lines = [f"Meta-regression ({p['method']}) on {p['formula']}, k = {p['k']}"]
    ci_label = f"{100 * p['level']:g}% CI"
    lines.append(f"  {'term':<28}{'estimate':>10}{'se':>10}  {ci_label}")
    for term, c in p["coefficients"].items():
        lines.append(f"  {term:<28}{c['estimate']:>10.4f}{c['se']:>10.4f}  {_interval(c['ci'])}")
    lines.append(f"  residual tau^2 = {p['tau2']:.4f}")
    lines.append(f"  QM = {p['qm']:.2f} on {p['qm_df']} df, p = {p['qm_p']:.4g}")
    lines.append(f"  QE = {p['qe']:.2f} on {p['qe_df']} df, p = {p['qe_p']:.4g}")
    return "\n".join(lines + _excluded_lines(p))
