"""Sample a spec file's model with NUTS at the spec's own ``[sampler]`` settings and print its
diagnostics (R-hat, bulk/tail ESS, divergences) for a few seeds and samplers.

Written for ``models/crr_regression_cancer_type_country.toml``, whose ``sampler = "pymc"`` line
was dropped (``nutpie_settings.md``, last section): under ``engine = "auto"`` the spec is fitted
exactly, so its ``[sampler] sampler`` only matters when the engine is NUTS.

Usage (repository root)::

    .venv/bin/python benchmarks/bayes/spec_under_nuts.py models/crr_regression_cancer_type_country.toml \\
        --samplers nutpie pymc --seeds 20250417 20250418 20250419 1 2
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import replace


def main() -> None:
    from bayesmeta.analysis.fitting import fit_options, to_model
    from bayesmeta.analysis.specfile import load_spec
    from bayesmeta.engines import fit, resolve
    from bayesmeta.errors import ConvergenceWarning

    parser = argparse.ArgumentParser()
    parser.add_argument("spec")
    parser.add_argument("--samplers", nargs="+", default=["nutpie"])
    parser.add_argument("--seeds", nargs="+", type=int, default=None, help="default: the spec's")
    args = parser.parse_args()
    spec = load_spec(args.spec)
    model = to_model(spec)
    options = fit_options(spec)
    print(f"[sampler] {spec.sampler}; engine auto -> {resolve(model, 'auto')}")
    for sampler in args.samplers:
        for seed in args.seeds or [spec.sampler["seed"]]:
            nuts = replace(options.nuts, sampler=sampler, seed=seed)
            start = time.process_time()
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                result = fit(model, engine="nuts", options=replace(options, nuts=nuts))
            d = result.diagnostics
            flagged = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
            print(
                f"{result.model['sampler']:7} seed {seed:>9}: R-hat max {d.rhat_max:.4f}, "
                f"bulk ESS min {d.ess_bulk_min:.0f}, tail ESS min {d.ess_tail_min:.0f}, "
                f"divergences {d.divergences}, ok {d.ok}, convergence warnings {flagged}, "
                f"CPU {time.process_time() - start:.1f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()
