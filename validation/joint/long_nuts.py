"""A long NUTS run of bayesmeta's joint model, pinned for the comparison with brms (issue 20).

Fits the CAR-T data (orr, crr, dead) and ``sim_joint.csv`` (eff, cr, tox) with the default
priors (normal(0, 2.5), halfnormal(1.5), lkj(2)): nutpie, 4 chains x 5000 draws after 1000
tuning steps, seed 20261206. Writes

- ``long_nuts_<data>.npz``: mu, tau and corr draws thinned by 4 (4 x 1250 per chain; the tests
  recompute every summary and its MCSE from them with the package's functions);
- ``long_nuts.json``: the full-run summaries with MCSEs (for the README and the record) and the
  diagnostics.

Usage (from the repository root; ~10 minutes on 2 cores)::

    nice -n 10 .venv/bin/python validation/joint/long_nuts.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bayesmeta.data import load_cart_wu2025  # noqa: E402
from bayesmeta.joint.bayes_fit import fit_joint  # noqa: E402
from bayesmeta.joint.spec import build_joint_model  # noqa: E402
from bayesmeta.joint.wide_table import joint_from_csv, joint_from_frame  # noqa: E402

SEED = 20261206
HERE = Path(__file__).resolve().parent
CASES = {
    "cart_wu2025": (
        lambda: joint_from_frame(load_cart_wu2025(), outcomes="orr,crr,dead"),
        ["orr>0.8,dead<0.25", "crr>0.5"],
        ["orr=0.9"],
    ),
    "sim_joint": (
        lambda: joint_from_csv(HERE / "sim_joint.csv", outcomes="eff,cr,tox"),
        ["eff>0.6,tox<0.2"],
        ["eff=0.7"],
    ),
}


def main() -> None:
    """Run both fits and write the files."""
    record = {
        "meta": {
            "seed": SEED,
            "chains": 4,
            "draws": 5000,
            "tune": 1000,
            "sampler": "nutpie",
            "thin_saved": 4,
        }
    }
    for name, (load, joint, given) in CASES.items():
        spec = build_joint_model(load())
        start = time.perf_counter()
        result = fit_joint(
            spec,
            joint=joint,
            given=given,
            draws=5000,
            tune=1000,
            chains=4,
            seed=SEED,
            sampler="nutpie",
        )
        seconds = time.perf_counter() - start
        post = result.idata.posterior
        np.savez_compressed(
            HERE / f"long_nuts_{name}.npz",
            mu=post["mu"].to_numpy()[:, ::4].astype(np.float32),
            tau=post["tau"].to_numpy()[:, ::4].astype(np.float32),
            corr=post["corr"].to_numpy()[:, ::4].astype(np.float32),
            names=np.array(spec.names),
        )
        payload = result.to_dict()
        payload.pop("study_rates")
        payload["seconds"] = seconds
        record[name] = payload
        print(name, f"{seconds:.0f} s", payload["diagnostics"], flush=True)
    (HERE / "long_nuts.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
