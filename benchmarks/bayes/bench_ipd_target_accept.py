"""The IPD model's NUTS at target acceptance 0.9 against 0.95 (``model/options.py``).

For each seed, both settings, one after the other in this process (nutpie, 4 chains x 1000 draws
after 1000 tuning steps; the compiled model is reused): R-hat, the smallest bulk and tail ESS,
divergences and the CPU seconds of the fit, on two models:

- ``slope``: the bundled SIMULATED Lalu 2025 set, ``bridging + age`` with a random slope of
  bridging (what ``bayesmeta ipd ... --random-slope bridging`` fits);
- ``ipd``: ``validation/ipd`` patients alone, ``x + z`` (random intercept; the brms comparison).

Usage (repository root): ``.venv/bin/python benchmarks/bayes/bench_ipd_target_accept.py
[slope|ipd] 0.9,0.95 1,2,3,4`` (model, target acceptances, seeds). Results:
``ipd_target_accept.md``.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def design_of(model: str):
    """The design of ``model`` ("slope" or "ipd") and its random slope (or None)."""
    from bayesmeta.data.patients import load_ipd_dataset, patients_from_frame
    from bayesmeta.ipd.within_across import ipd_design

    if model == "slope":
        frame = load_ipd_dataset("ipd_lalu2025_simulated")
        data = patients_from_frame(frame, trial="trial", outcome="cr")
        return ipd_design(data, "bridging + age"), "bridging"
    from validation.ipd.check_engines import designs

    return designs()["ipd"], None


def main() -> int:
    from bayesmeta.ipd.bayes import fit_ipd

    warnings.simplefilter("ignore")
    model, accepts, seeds = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
    design, slope = design_of(model)
    print("| model | seed | target_accept | R-hat | bulk ESS | tail ESS | divergences | CPU s |")
    print("|---|---|---|---|---|---|---|---|")
    for seed in map(int, seeds):
        for accept in map(float, accepts):
            start = time.process_time()
            result = fit_ipd(
                design, engine="nuts", random_slope=slope, seed=seed, target_accept=accept
            )
            cpu = time.process_time() - start
            d = result.diagnostics
            print(
                f"| {model} | {seed} | {accept:g} | {d.rhat_max:.4f} | {d.ess_bulk_min:.0f} | "
                f"{d.ess_tail_min:.0f} | {d.divergences} | {cpu:.1f} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
