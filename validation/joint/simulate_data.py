"""Generate the simulated joint data set ``sim_joint.csv`` (committed; rerun to check it).

40 single-arm studies, three outcomes per study (``eff``, ``cr``, ``tox``) drawn from the joint
model itself: logit p[i, o] = mu_o + u[i, o], u[i] ~ MVN(0, diag(tau) R diag(tau)), with
study sizes uniform on 15..150; each study reports each outcome with probability 0.8 (at least
one), so studies report one, two or three outcomes. Seed 20261206.

Usage (from the repository root)::

    .venv/bin/python validation/joint/simulate_data.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261206
K = 40
NAMES = ("eff", "cr", "tox")
MU = np.array([0.8, -0.6, -1.5])
TAU = np.array([0.6, 0.8, 0.5])
R = np.array([[1.0, 0.6, -0.3], [0.6, 1.0, -0.2], [-0.3, -0.2, 1.0]])


def simulate(seed: int = SEED) -> pd.DataFrame:
    """The simulated wide table: study, size_class, and <name>_events/<name>_total per outcome."""
    rng = np.random.default_rng(seed)
    cov = np.diag(TAU) @ R @ np.diag(TAU)
    u = rng.multivariate_normal(np.zeros(3), cov, size=K)
    n = rng.integers(15, 151, size=K)
    reported = rng.random((K, 3)) < 0.8
    reported[~reported.any(axis=1), 0] = True
    frame = pd.DataFrame({"study": [f"S{i + 1:02d}" for i in range(K)]})
    frame["size_class"] = np.where(n >= 80, "large", "small")
    for j, name in enumerate(NAMES):
        p = 1 / (1 + np.exp(-(MU[j] + u[:, j])))
        x = rng.binomial(n, p)
        frame[f"{name}_events"] = pd.array(np.where(reported[:, j], x, -1), dtype="Int64")
        frame[f"{name}_total"] = pd.array(np.where(reported[:, j], n, -1), dtype="Int64")
        frame.loc[~reported[:, j], [f"{name}_events", f"{name}_total"]] = pd.NA
    return frame


if __name__ == "__main__":
    out = Path(__file__).with_name("sim_joint.csv")
    simulate().to_csv(out, index=False)
    print(f"wrote {out}")
