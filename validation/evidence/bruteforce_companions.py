"""Brute-force log p(y) of the random model on the studies a meta-regression uses.

The companion of a regression's covariate Bayes factor is the random model on the same studies
(those with the covariate); ``bruteforce.py`` pins it only on all studies. This runs the same
nested adaptive quadrature (``bruteforce.log_tau_integral``, no engine code) on the ORR studies
with ``age_median`` (22), so that the factor ``orr ~ age_median`` against ``random`` has an
outside reference: bridgesampling's regression evidence (``bridgesampling.json``) minus this.

Run (a few minutes): ``.venv/bin/python validation/evidence/bruteforce_companions.py``.
Writes ``validation/evidence/companions.json``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from bruteforce import PRIORS, log_tau_integral, self_check  # noqa: E402

CASES = [("orr", "age_median")]


def main() -> None:
    from bayesmeta.data import cart_outcome

    rows = []
    for outcome, covariate in CASES:
        data = cart_outcome(outcome).complete_for([covariate])
        events = np.asarray(data.events, dtype=float)
        total = np.asarray(data.total, dtype=float)
        value, rel = log_tau_integral([(events, total)])
        row = {"outcome": outcome, "model": "random", "complete_for": covariate,
               "k": int(data.k), "log_evidence": value, "quad_error": rel,
               "study_rule_check": self_check(events, total)}  # fmt: skip
        print(row, flush=True)
        rows.append(row)
    out = HERE / "companions.json"
    out.write_text(json.dumps({"priors": PRIORS, "cases": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
