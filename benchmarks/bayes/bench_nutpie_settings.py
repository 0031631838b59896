"""Why the default sampler is nutpie with a low-rank modified mass matrix (issue 22).

For each sampler setting and each of N consecutive seeds from the default seed, fit the bundled
random-intercept model of an outcome (and the subgroup model by cancer type with one tau per
level, ``--separate``) at default settings (4 chains x 1000 draws after 1000
tuning steps, target acceptance 0.95) and record max R-hat (rank-normalized split R-hat over mu,
tau and the z's, as every result reports it), the bulk ESS of mu and tau, the smallest bulk and
tail ESS, divergences and the sampling time. Settings:

- ``nutpie-lowrank``: nutpie with ``low_rank_modified_mass_matrix=True`` (the default now);
- ``nutpie-diag``: nutpie with its diagonal mass matrix (the setting before);
- ``pymc``: PyMC's NUTS (diagonal mass matrix; ``--pymc-seeds``, it is ~10x slower).

Usage: ``.venv/bin/python benchmarks/bayes/bench_nutpie_settings.py --seeds 20 --pymc-seeds 0
--outcomes crr orr death``; writes ``nutpie_settings.json`` and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def one_fit(spec, setting: str, seed: int) -> dict:
    import arviz as az

    from bayesmeta.bayes import fit
    from bayesmeta.model.options import DEFAULT_SEED, NUTPIE_SETTINGS
    from bayesmeta.nuts import sampling

    chosen = sampling.nutpie_settings  # the default's choice by model structure
    low_rank = setting == "nutpie-lowrank"
    sampling.nutpie_settings = lambda spec: {
        **NUTPIE_SETTINGS,
        "low_rank_modified_mass_matrix": low_rank,
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sampler = "pymc" if setting == "pymc" else "nutpie"
            result = fit(spec, engine="nuts", sampler=sampler, seed=DEFAULT_SEED + seed)
    finally:
        sampling.nutpie_settings = chosen
    post = result.idata.posterior
    bulk = az.ess(post[["mu", "tau"]], method="bulk")
    d = result.diagnostics
    return {
        "seed": DEFAULT_SEED + seed,
        "rhat_max": d.rhat_max,
        "ess_bulk_mu": float(bulk["mu"].min()),
        "ess_bulk_tau": float(bulk["tau"].min()),
        "ess_bulk_min": d.ess_bulk_min,
        "ess_tail_min": d.ess_tail_min,
        "divergences": d.divergences,
        "sampling_seconds": d.sampling_seconds,
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--pymc-seeds", type=int, default=0)
    parser.add_argument("--outcomes", nargs="+", default=["crr", "orr", "death"])
    parser.add_argument(
        "--separate",
        nargs="*",
        default=["orr"],
        help="outcomes also fitted by cancer type with one tau per level",
    )
    parser.add_argument("--out", default=str(HERE / "nutpie_settings.json"))
    args = parser.parse_args()
    from bayesmeta.bayes import build_model
    from bayesmeta.data import cart_outcome

    rows: dict[str, dict[str, list[dict]]] = {}
    models = [(o, build_model(cart_outcome(o))) for o in args.outcomes]
    models += [
        (
            f"{o} by cancer type, separate tau",
            build_model(cart_outcome(o), by="cancer_type", separate_tau=True),
        )
        for o in args.separate
    ]
    for outcome, spec in models:
        rows[outcome] = {}
        plan = [("nutpie-lowrank", args.seeds), ("nutpie-diag", args.seeds)]
        plan += [("pymc", args.pymc_seeds)] if args.pymc_seeds else []
        for setting, n in plan:
            rows[outcome][setting] = [one_fit(spec, setting, i) for i in range(n)]
    Path(args.out).write_text(json.dumps(rows, indent=1) + "\n")
    print(
        "| outcome | sampler | fits | max R-hat > 1.01 | largest max R-hat | bulk ESS of mu "
        "(median) | smallest bulk ESS (median) | smallest tail ESS (median) | divergences | "
        "min bulk ESS / sampling s (median) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for outcome, settings in rows.items():
        for setting, fits in settings.items():
            r = np.array([f["rhat_max"] for f in fits])
            med = {k: np.median([f[k] for f in fits]) for k in fits[0]}
            rate = np.median([f["ess_bulk_min"] / f["sampling_seconds"] for f in fits])
            print(
                f"| {outcome} | {setting} | {len(fits)} | {int((r > 1.01).sum())} | "
                f"{r.max():.4f} | {med['ess_bulk_mu']:.0f} | {med['ess_bulk_min']:.0f} | "
                f"{med['ess_tail_min']:.0f} | {sum(f['divergences'] for f in fits)} | "
                f"{rate:.0f} |"
            )


if __name__ == "__main__":
    main()
