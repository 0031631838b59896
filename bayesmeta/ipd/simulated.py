"""The SIMULATED CAR-T patient data set, calibrated to the abstract of Lalu et al. (2025).

No individual patient data ship with the paper (Transfus Med Rev 39:150897), so this is
**simulated** data, not the trial data: 89 trials, 2,331 patients, complete response (CR) between
25% and 75% by cancer type, and the pooled stratified rates of the abstract reproduced
approximately (bridging 34% vs 58% CR, autologous vs allogeneic 53% vs 67%, CD19 alone vs CD19
with other targets 58% vs 72%; ICANS autologous vs allogeneic 24% vs 3%).

It is generated with *known* within-trial effects that differ from the across-trial ones, so
the naive pooled stratified comparison the paper reports is biased by design (ecological
bias) and the one-stage model can be seen to recover the within-trial truth (``TRUTH``):

- trials differ in a latent severity ``z``; sicker trials give bridging therapy to more of their
  patients *and* have lower CR, so bridging looks worse across trials (across effect) than it
  is within them (``TRUTH["bridging:within"]``);
- cell source and target are trial-level properties (all patients of a trial share them), so
  they carry no within-trial information;
- age and sex vary within every trial;
- bridging is recorded in only 60 of the 89 trials and age is missing for some patients (IPD
  as it arrives): those rows are left out, and reported, when the modifier is used.

Regenerate with ``python -m bayesmeta.ipd.simulated OUT.csv`` (seed ``SEED``); the bundled file
``bayesmeta/data/ipd_lalu2025_simulated.csv`` is its output and a test checks they agree.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
from scipy.special import expit

SEED = 20250417
N_TRIALS = 89
N_PATIENTS = 2331
NAME = "ipd_lalu2025_simulated"
LABEL = "SIMULATED data calibrated to Lalu et al. 2025 (not the trials' patients)"

#: Cancer type -> (share of trials, baseline CR logit of a typical trial).
CANCERS = {
    "ALL": (0.30, 1.1),
    "NHL": (0.33, 0.25),
    "MM": (0.15, -0.15),
    "CLL": (0.12, -0.55),
    "AML": (0.10, -0.85),
}
#: The generating effects (logit scale) the one-stage model should recover.
TRUTH = {
    "bridging:within": -0.8,
    "severity_on_cr": -1.0,
    "severity_on_bridging": 1.1,
    "allogeneic": 0.7,
    "cd19_plus": 0.75,
    "age_per_10y": -0.10,
    "female": 0.0,
    "tau": 0.5,
}


#: How strongly trial severity raises the chance that a trial recorded bridging therapy.
BRIDGING_RECORD = 1.0


def _sizes(rng: np.random.Generator) -> np.ndarray:
    raw = rng.lognormal(mean=np.log(22.0), sigma=0.6, size=N_TRIALS)
    sizes = np.maximum(5, np.round(raw * N_PATIENTS / raw.sum())).astype(int)
    while sizes.sum() != N_PATIENTS:  # fix the rounding on the largest trials
        step = 1 if sizes.sum() < N_PATIENTS else -1
        sizes[np.argmax(sizes)] += step
    return sizes


def simulate_lalu2025(seed: int = SEED) -> pd.DataFrame:
    """Generate the SIMULATED patient table (one row per patient).

    Parameters
    ----------
    seed : int
        Seed of numpy's PCG64 generator.

    Returns
    -------
    pandas.DataFrame
        trial, cancer_type, cr (0/1), icans (0/1), bridging (0/1, missing in trials that did
        not record it), source (autologous/allogeneic), target (cd19/cd19_plus/other), age
        (missing for some patients), female (0/1).
    """
    rng = np.random.default_rng(seed)
    sizes = _sizes(rng)
    names = list(CANCERS)
    share = np.array([CANCERS[c][0] for c in names])
    cancer = rng.choice(len(names), size=N_TRIALS, p=share / share.sum())
    severity = rng.normal(size=N_TRIALS)
    allogeneic = rng.random(N_TRIALS) < 0.14
    not_cd19 = np.array([names[c] in ("MM", "AML") for c in cancer])
    target = np.where(not_cd19, "other", np.where(rng.random(N_TRIALS) < 0.22, "cd19_plus", "cd19"))
    # trials of sicker patients, which use bridging more, also record it more often
    records_bridging = np.zeros(N_TRIALS, dtype=bool)
    keys = rng.random(N_TRIALS) ** np.exp(-BRIDGING_RECORD * severity)
    records_bridging[np.argsort(-keys)[:60]] = True
    u = rng.normal(scale=TRUTH["tau"], size=N_TRIALS)
    v = rng.normal(scale=0.4, size=N_TRIALS)
    age_centre = rng.normal(52.0, 8.0, size=N_TRIALS)
    frames = []
    for i in range(N_TRIALS):
        n = sizes[i]
        bridging_rate = expit(-1.0 + TRUTH["severity_on_bridging"] * severity[i])
        bridging = (rng.random(n) < bridging_rate).astype(int)
        age = np.round(rng.normal(age_centre[i], 11.0, size=n))
        female = (rng.random(n) < 0.42).astype(int)
        logit = (
            CANCERS[names[cancer[i]]][1]
            + u[i]
            + TRUTH["severity_on_cr"] * severity[i]
            + TRUTH["bridging:within"] * bridging
            + TRUTH["allogeneic"] * allogeneic[i]
            + TRUTH["cd19_plus"] * (target[i] == "cd19_plus")
            + TRUTH["age_per_10y"] * (age - 52.0) / 10.0
        )
        cr = (rng.random(n) < expit(logit)).astype(int)
        icans_logit = -1.15 - 2.3 * allogeneic[i] + v[i]
        icans = (rng.random(n) < expit(icans_logit)).astype(int)
        age_missing = rng.random(n) < 0.03
        frames.append(
            pd.DataFrame(
                {
                    "trial": f"SIM-{i + 1:02d}",
                    "cancer_type": names[cancer[i]],
                    "cr": cr,
                    "icans": icans,
                    "bridging": pd.array(
                        bridging if records_bridging[i] else [pd.NA] * n, dtype="Int64"
                    ),
                    "source": "allogeneic" if allogeneic[i] else "autologous",
                    "target": target[i],
                    "age": pd.array(np.where(age_missing, np.nan, age), dtype="float"),
                    "female": female,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    """Write the simulated table to the CSV named on the command line.

    Parameters
    ----------
    argv : list of str, optional
        ``[OUT.csv]`` (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status.
    """
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m bayesmeta.ipd.simulated OUT.csv", file=sys.stderr)
        return 2
    simulate_lalu2025().to_csv(argv[0], index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
