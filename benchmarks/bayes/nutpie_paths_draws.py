"""Draws of every nutpie path at a fixed seed, to show a refactoring keeps them bit for bit.

Samples (2 chains x 100 draws after 100 tuning steps, seed 5) the univariate random-intercept
and regression models, the beta-binomial model, the one-stage IPD model (random intercept and
random slope) and the joint model (nutpie and PyMC), and saves every draw array in one ``.npz``;
``--compare A B`` says whether two such files hold identical arrays. Run it on the tree before
and after a change (a tree of another commit: ``git archive REV | tar -x -C DIR`` and
``PYTHONPATH=DIR``)::

    PYTHONPATH=/tmp/before .venv/bin/python benchmarks/bayes/nutpie_paths_draws.py /tmp/before.npz
    .venv/bin/python benchmarks/bayes/nutpie_paths_draws.py /tmp/after.npz
    .venv/bin/python benchmarks/bayes/nutpie_paths_draws.py --compare /tmp/before.npz /tmp/after.npz

Used for ``bayesmeta/model/sampler_backend.py`` (the one ``nutpie.sample`` call, 2026-12-06):
29 arrays identical before (48c2d69) and after, and identical between two runs of the same tree.
"""

from __future__ import annotations

import json
import sys
import warnings

import numpy as np

SMALL = {"draws": 100, "tune": 100, "chains": 2, "seed": 5}


def _patients():
    import pandas as pd

    rng = np.random.default_rng(3)
    frames = []
    for i in range(8):
        x = (rng.random(12) < rng.uniform(0.2, 0.8)).astype(int)
        logit = -0.3 + rng.normal(0, 0.5) - 0.8 * (x - x.mean()) + 1.0 * x.mean()
        y = (rng.random(12) < 1 / (1 + np.exp(-logit))).astype(int)
        frames.append(pd.DataFrame({"trial": f"T{i}", "y": y, "x": x}))
    return pd.concat(frames, ignore_index=True)


def draws() -> dict[str, np.ndarray]:
    from bayesmeta.bayes import build_model, fit
    from bayesmeta.data import cart_outcome, load_cart_wu2025
    from bayesmeta.data.patients import patients_from_frame
    from bayesmeta.ipd.bayes import fit_ipd
    from bayesmeta.ipd.within_across import ipd_design
    from bayesmeta.joint.nuts import sample_joint
    from bayesmeta.joint.spec import build_joint_model
    from bayesmeta.joint.wide_table import joint_from_frame

    out = {}
    models = {
        "uni": build_model(cart_outcome("orr")),
        "reg": build_model(cart_outcome("orr"), formula="age_median"),
        "bb": build_model(cart_outcome("crr"), likelihood="betabinomial"),
    }
    for label, spec in models.items():
        posterior = fit(spec, engine="nuts", sampler="nutpie", **SMALL).idata.posterior
        out |= {f"{label}_{name}": posterior[name].values for name in posterior.data_vars}
    design = ipd_design(patients_from_frame(_patients(), trial="trial", outcome="y"), "x")
    for label, slope in (("ipd", None), ("ipd_slope", "x")):
        result = fit_ipd(design, engine="nuts", random_slope=slope, **SMALL)
        out[label] = np.array(json.dumps(result.to_dict(), sort_keys=True, default=str))
    spec = build_joint_model(joint_from_frame(load_cart_wu2025(), outcomes="orr,crr"))
    for label, sampler in (("joint", "nutpie"), ("jointpymc", "pymc")):
        sampled = sample_joint(spec, sampler=sampler, **SMALL)
        out |= {
            f"{label}_{k}": getattr(sampled, k) for k in ("mu", "tau", "corr", "u", "diverging")
        }
    return out


def main() -> int:
    if sys.argv[1:2] == ["--compare"]:
        a, b = np.load(sys.argv[2]), np.load(sys.argv[3])
        if sorted(a.files) != sorted(b.files):
            print("different arrays:", sorted(set(a.files) ^ set(b.files)))
            return 1
        differ = [k for k in a.files if not np.array_equal(a[k], b[k])]
        print(f"{len(a.files)} arrays;", f"DIFFER: {differ}" if differ else "identical")
        return 1 if differ else 0
    warnings.simplefilter("ignore")  # 200 draws: the convergence warnings are expected
    np.savez(sys.argv[1], **draws())
    return 0


if __name__ == "__main__":
    sys.exit(main())
