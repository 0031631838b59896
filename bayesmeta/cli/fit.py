"""`bayesmeta fit`: Bayesian binomial-logit meta-analysis (NUTS or exact quadrature)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bayesmeta.cli.common import add_data_arguments, load_data, print_json


def register(subparsers: argparse._SubParsersAction) -> None:
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
    add_data_arguments(parser)
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
        "--draws", type=int, default=None, metavar="N", help="NUTS draws per chain (1000)"
    )
    parser.add_argument(
        "--tune", type=int, default=None, metavar="N", help="NUTS tuning steps per chain (1000)"
    )
    parser.add_argument("--chains", type=int, default=None, metavar="N", help="NUTS chains (4)")
    parser.add_argument("--seed", type=int, default=None, metavar="N", help="NUTS random seed")
    parser.add_argument(
        "--sampler", choices=("pymc", "nutpie", "numpyro"), default=None, help="NUTS sampler (pymc)"
    )
    parser.add_argument(
        "--engine", choices=("nuts", "quadrature"), default="nuts", help="nuts or exact quadrature"
    )
    parser.add_argument("--hdi", action="store_true", help="highest-density intervals")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--out", metavar="DIR", help="write posterior.nc and CSV tables here")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from bayesmeta.bayes.fitting import DEFAULT_SEED, fit
    from bayesmeta.bayes.model import mean_columns
    from bayesmeta.bayes.spec import build_model
    from bayesmeta.errors import InputError

    if args.out and Path(args.out).exists() and not Path(args.out).is_dir():
        raise InputError(f"--out {args.out}: exists and is not a folder")
    check_options(args)
    data = load_data(args)
    kind = "common" if args.common else None
    spec = build_model(
        data,
        kind=kind,
        formula=args.formula,
        by=args.by,
        separate_tau=args.separate_tau,
        mu_prior=args.mu_prior,
        beta_prior=args.beta_prior,
        tau_prior=args.tau_prior,
    )
    if args.beta_prior and not mean_columns(spec)[1]:
        raise InputError(f"--beta-prior: the model '{args.formula}' has no slopes")
    options: dict[str, Any] = {"engine": args.engine, "hdi": args.hdi}
    if args.engine == "nuts":
        options.update(
            draws=1000 if args.draws is None else args.draws,
            tune=1000 if args.tune is None else args.tune,
            chains=4 if args.chains is None else args.chains,
            seed=DEFAULT_SEED if args.seed is None else args.seed,
            sampler=args.sampler or "pymc",
        )
    result = fit(spec, **options)
    if args.out:
        write_outputs(result, Path(args.out))
    if args.json:
        print_json(result.to_dict())
    else:
        print(format_result(result.to_dict()))
    return 0


NUTS_ONLY = ("draws", "tune", "chains", "seed", "sampler")


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

    if args.engine == "quadrature":
        given = [f"--{name}" for name in NUTS_ONLY if getattr(args, name) is not None]
        if given:
            raise InputError(
                f"{', '.join(given)}: NUTS option(s), not used by --engine quadrature (exact)"
            )
    if args.tau_prior and args.common:
        raise InputError("--tau-prior: the common-effect model (--common) has no tau")
    if args.beta_prior and not args.formula:
        raise InputError("--beta-prior: only a meta-regression (--formula) has slopes")


def tables(payload: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Tidy tables (name -> records) of a result's JSON payload."""
    summary = []
    for name in ("pooled_median", "pooled_mean", "new_study", "tau"):
        if payload.get(name) is not None:
            summary.append({"quantity": name, **payload[name]})
    for group in ("rates", "rates_mean", "taus", "coefficients"):
        for level, iv in payload.get(group, {}).items():
            summary.append({"quantity": f"{group}[{level}]", **iv})
    out = {"summary": summary, "study_rates": payload["study_rates"]}
    if payload.get("contrasts"):
        out["contrasts"] = payload["contrasts"]
    out["diagnostics"] = [payload["diagnostics"]]
    if payload.get("excluded"):
        out["excluded"] = payload["excluded"]
    return out


def write_outputs(result, folder: Path) -> None:
    """posterior.nc (when there are draws), result.json and one CSV per table, each atomic."""
    import pandas as pd

    from bayesmeta.atomic import write_json, write_with
    from bayesmeta.bayes.storage import save
    from bayesmeta.cli.common import _json_ready, with_versions

    folder.mkdir(parents=True, exist_ok=True)
    payload = result.to_dict()
    if result.idata is not None:
        save(result, folder / "posterior.nc")
    write_json(folder / "result.json", _json_ready(with_versions(payload)))
    for name, records in tables(payload).items():
        frame = pd.DataFrame(records)
        write_with(folder / f"{name}.csv", lambda path, f=frame: f.to_csv(path, index=False))


def format_result(payload: dict[str, Any]) -> str:
    """A short human-readable report."""

    def row(label: str, iv: dict | None) -> str:
        if iv is None:
            return f"  {label:<34} -"
        return f"  {label:<34} {iv['median']:.3f}  [{iv['lo']:.3f}, {iv['hi']:.3f}]"

    model = payload["model"]
    lines = [
        f"{model['kind']} model of '{model['outcome']}', k = {payload['k']} studies "
        f"({payload['engine']}); median [95% interval]",
        row("pooled rate expit(mu)", payload["pooled_median"]),
        row("mean rate E[expit(mu + u)]", payload["pooled_mean"]),
        row("new study", payload["new_study"]),
        row("tau (logit scale)", payload["tau"]),
    ]
    for level, iv in payload.get("taus", {}).items():
        lines.append(row(f"tau[{level}]", iv))
    for level, iv in payload.get("rates", {}).items():
        lines.append(row(f"rate[{level}]", iv))
    for c in payload.get("contrasts", []):
        lines.append(row(f"{c['a']} - {c['b']}", c) + f"  P(>) = {c['prob_a_greater']:.3f}")
    for name, iv in payload.get("coefficients", {}).items():
        lines.append(row(f"coef {name}", iv))
    d = payload["diagnostics"]
    status = "ok" if d["ok"] else "FAILED"

    def num(value: float | None, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    lines.append(
        f"diagnostics {status}: R-hat max {num(d['rhat_max'], '.3f')}, "
        f"ESS bulk min {num(d['ess_bulk_min'], '.0f')}, tail min {num(d['ess_tail_min'], '.0f')}, "
        f"divergences {d['divergences']}"
    )
    for e in payload.get("excluded", []):
        lines.append(f"excluded: {e['study']} ({e['reason']})")
    return "\n".join(lines)
