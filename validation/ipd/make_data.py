"""The validation data of the one-stage IPD model: simulated, with known within != across.

30 trials with patient rows (binary modifier ``x``: within-trial log OR -0.6, across-trial +1.2
per unit of the trial's share; numeric ``z``: within +0.3, across -0.5 per unit of the trial
mean) and 8 more trials that report only events/total and the modifiers' means (aggregate data).
Seed 20261206. Writes ``patients.csv`` and ``aggregate.csv`` beside this file.

Usage (repository root): .venv/bin/python validation/ipd/make_data.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import expit

SEED = 20261206
HERE = Path(__file__).resolve().parent


def main() -> None:
    rng = np.random.default_rng(SEED)
    rows, aggregate = [], []
    for i in range(38):
        n = int(rng.integers(12, 45))
        share = float(rng.uniform(0.1, 0.8))
        z_mean = float(rng.normal(0.0, 1.0))
        u = rng.normal(0.0, 0.6)
        x = (rng.random(n) < share).astype(int)
        z = np.round(rng.normal(z_mean, 1.0, size=n), 2)
        xbar, zbar = x.mean(), z.mean()
        logit = -0.3 + u - 0.6 * (x - xbar) + 1.2 * xbar + 0.3 * (z - zbar) - 0.5 * zbar
        y = (rng.random(n) < expit(logit)).astype(int)
        label = f"T{i + 1:02d}"
        if i < 30:
            rows.append(pd.DataFrame({"trial": label, "y": y, "x": x, "z": z}))
        else:
            aggregate.append(
                {
                    "trial": label,
                    "events": int(y.sum()),
                    "total": n,
                    "x": round(float(xbar), 4),
                    "z": round(float(zbar), 4),
                }
            )
    pd.concat(rows, ignore_index=True).to_csv(HERE / "patients.csv", index=False)
    pd.DataFrame(aggregate).to_csv(HERE / "aggregate.csv", index=False)


if __name__ == "__main__":
    main()
