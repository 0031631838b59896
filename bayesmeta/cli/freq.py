"""`bayesmeta freq`: the frequentist baseline (metafor / meta defaults) from the command line."""

from __future__ import annotations

import argparse
from typing import Any

from bayesmeta.cli.common import add_data_arguments, load_data, print_json
from bayesmeta.cli.joint_options import add_outcomes_argument, check_single_outcome


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``bayesmeta freq`` subcommand and its options.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The subcommands of the ``bayesmeta`` parser (:func:`bayesmeta.cli.build_parser`).
    """
    parser = subparsers.add_parser(
        "freq",
        help="frequentist meta-analysis equal to R's metafor/meta",
        description=(
            "Pooled proportion by inverse-variance random-effects meta-analysis (metafor::rma) "
            "or the random-intercept logistic GLMM (rma.glmm, meta::metaprop's default), with "
            "subgroup analysis (--by) or meta-regression (--mods)."
        ),
    )
    add_data_arguments(parser, outcome_required=False)
    add_outcomes_argument(parser)
    parser.add_argument(
        "--method",
        help="tau^2 estimator (DL, REML, PM, ...) or GLMM (default DL; REML with --mods, as metafor)",
    )
    parser.add_argument(
        "--measure",
        default="PLO",
        help="analysis scale (default PLO: logit)",
    )
    parser.add_argument("--ci", default="z", help="z or Hartung-Knapp intervals (default z)")
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
        "--bias",
        action="store_true",
        help="add small-study effects: Egger's, Peters' and Begg's tests and trim-and-fill",
    )
    parser.add_argument(
        "--pi",
        choices=("z", "t", "hts"),
        help="prediction interval: z (normal, the default), t (k-1 df, meta's default) "
        "or hts (k-2 df)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object instead of a table"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run ``bayesmeta freq``.

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
    from bayesmeta.errors import InputError
    from bayesmeta.freq.effects import MEASURES
    from bayesmeta.freq.rma import METHODS
    from bayesmeta.freq.uni import CI_METHODS

    check_single_outcome(args)
    if args.outcomes is not None:
        from bayesmeta.cli.joint_options import run_joint_freq

        if not 0 < args.level < 1:
            raise InputError(f"--level must be between 0 and 1, got {args.level}")
        return run_joint_freq(args)
    # the choices are checked here, not by argparse, so that --help does not import freq
    for option, value, known in (
        ("--method", args.method, METHODS),
        ("--measure", args.measure, MEASURES),
        ("--ci", args.ci, CI_METHODS),
    ):
        if value is not None and value not in known:
            raise InputError(f"{option}: unknown choice '{value}' (choose from {', '.join(known)})")
    if not 0 < args.level < 1:
        raise InputError(f"--level must be between 0 and 1, got {args.level}")
    if (args.by or args.mods) and (args.bias or args.pi):
        flag = "--bias" if args.bias else "--pi"
        raise InputError(f"{flag} works with the pooled analysis, not with --by or --mods")
    if args.tau2 is not None and not args.by:
        raise InputError("--tau2 applies to subgroup analysis only (with --by)")
    data = load_data(args)
    method = args.method or ("REML" if args.mods is not None else "DL")
    if args.by is not None:
        from bayesmeta.freq.subgroup import subgroup

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
    elif args.mods is not None:  # an empty formula is refused, not the random model
        from bayesmeta.freq.metareg import metareg

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
        from bayesmeta.freq.rma import rma

        result = rma(data, method=method, measure=args.measure, ci=args.ci, level=args.level)
        if method == "GLMM" and data.k > 1:
            result = _with_profile_ci(result, data, level=args.level)
        if args.pi:
            from bayesmeta.freq.predict import with_prediction

            result = with_prediction(result, pi=args.pi, total=data.total)
        payload = result.to_dict()
        text = _pooled_table(payload, title=f"{method} meta-analysis of {data.outcome}")
        if args.bias:
            from bayesmeta.cli.bias import bias_lines, bias_payload

            bias = bias_payload(data, method=method, measure=args.measure, level=args.level)
            payload.update(bias)
            text += "\n" + "\n".join(bias_lines(bias))
    if args.json:
        print_json(payload)
    else:
        print(text)
    return 0


def _with_profile_ci(result: Any, data: Any, *, level: float) -> Any:
    """The GLMM result with the profile-likelihood CI of tau^2 (``tau2_ci_method: profile``)."""
    import dataclasses

    from bayesmeta.freq.profile import glmm_profile_ci

    ci = glmm_profile_ci(data, level=level)
    extra = {**result.extra, "tau2_ci_method": "profile likelihood"}
    return dataclasses.replace(result, tau2_ci=(ci.lo, ci.hi), extra=extra)


def _interval(pair: list[float] | None) -> str:
    return "—" if pair is None else f"[{pair[0]:.4f}; {pair[1]:.4f}]"


def _pooled_lines(p: dict[str, Any]) -> list[str]:
    tau2_ci = "" if p.get("tau2_ci") is None else f"  (CI {_interval(p['tau2_ci'])})"
    q_label = "Q (Wald-type)" if p["method"] == "GLMM" else "Q"
    lines = [
        f"  studies (k)        {p['k']}",
        f"  proportion         {p['estimate']:.4f}  {_interval(p['ci'])}  ({p['ci_method']} interval)",
        f"  prediction int.    {_interval(p['pi'])}{_pi_note(p)}",
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


def _pi_note(p: dict[str, Any]) -> str:
    if "pi_method" not in p or p["pi"] is None:
        return ""
    df = p["pi_df"]
    return "  (normal)" if df is None else f"  (t, {df:.0f} df)"


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
