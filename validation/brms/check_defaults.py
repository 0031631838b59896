"""Fit every bundled analysis at default settings and record its diagnostics.

Evidence for "every bundled analysis samples with 0 divergences at default settings": the
model part of each ``models/*.toml`` (kind, by, separate_tau, priors) plus, per outcome, the
common-effect model and the meta-regression on cancer type, all with ``bayesmeta.bayes.fit``
defaults (the default sampler, nutpie since issue 22; 4 chains x 1000 draws, 1000 tuning
steps, default seed). The model part ignores a spec's `likelihood` (crr_betabinomial is fitted as
the binomial-normal random-intercept model).

Usage (repository root): ``.venv/bin/python validation/brms/check_defaults.py``
Writes ``validation/brms/defaults_check.json`` atomically.
"""

from __future__ import annotations

import json
import sys
import time
import tomllib
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def analyses() -> list[tuple[str, str, dict]]:
    found = []
    for path in sorted((ROOT / "models").glob("*.toml")):
        spec = tomllib.loads(path.read_text())
        model = spec["model"]
        options = {
            "kind": model.get("kind"),
            "by": model.get("by"),
            "separate_tau": bool(model.get("separate_tau", False)),
            "formula": model.get("formula"),
            "mu_prior": spec.get("priors", {}).get("mu"),
            "beta_prior": spec.get("priors", {}).get("beta"),
            "tau_prior": spec.get("priors", {}).get("tau"),
        }
        found.append((path.stem, spec["data"]["outcome"], options))
    for outcome in ("orr", "crr", "death"):
        found.append((f"{outcome}_common", outcome, {"kind": "common"}))
        found.append((f"{outcome}_regression_cancer_type", outcome, {"formula": "cancer_type"}))
    return found


def main() -> int:
    import argparse

    from bayesmeta.atomic import write_json
    from bayesmeta.bayes import build_model, fit
    from bayesmeta.data import cart_outcome

    parser = argparse.ArgumentParser()
    parser.add_argument("--target-accept", type=float, default=None, help="override the default")
    parser.add_argument("--out", default=str(ROOT / "validation" / "brms" / "defaults_check.json"))
    args = parser.parse_args()
    extra = {} if args.target_accept is None else {"target_accept": args.target_accept}
    rows = []
    for name, outcome, options in analyses():
        spec = build_model(cart_outcome(outcome), **options)
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = fit(spec, engine="nuts", **extra)
        seconds = time.perf_counter() - start
        row = {
            "analysis": name,
            **result.diagnostics.to_dict(),
            "warnings": [
                str(w.message) for w in caught if "sampling diagnostics" in str(w.message)
            ],
            "seconds": round(seconds, 1),
        }
        rows.append(row)
        print(json.dumps(row), flush=True)
    write_json(Path(args.out), rows)
    failed = [r["analysis"] for r in rows if not r["ok"]]
    print("failed:", failed or "none")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
