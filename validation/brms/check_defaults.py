"""Fit every bundled analysis at default settings and record its diagnostics.

Evidence for "every bundled analysis samples with 0 divergences at default settings": the model
of each ``models/*.toml`` as ``bayesmeta run`` builds it (``bayesmeta.analysis.fitting.to_model``:
kind, by, separate_tau, formula, reference levels, priors and the likelihood, so
``crr_betabinomial`` is the beta-binomial model with its phi prior) plus, per outcome, the
common-effect model and the meta-regression on cancer type, all with ``bayesmeta.bayes.fit``
defaults (the default sampler, nutpie since issue 22; 4 chains x 1000 draws, 1000 tuning
steps, default seed), whatever a spec's ``[sampler]`` says.

Usage (repository root): ``.venv/bin/python validation/brms/check_defaults.py [--only NAME ...]``
Writes ``validation/brms/defaults_check.json`` atomically; with ``--only``, the named analyses'
rows are refitted and replaced, the others kept.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def _from_file(path: Path) -> Any:
    from bayesmeta.analysis.fitting import to_model
    from bayesmeta.analysis.specfile import load_spec

    return to_model(load_spec(path))


def _bundled(outcome: str, **options: Any) -> Any:
    from bayesmeta.bayes import build_model
    from bayesmeta.data import cart_outcome

    return build_model(cart_outcome(outcome), **options)


def analyses() -> list[tuple[str, Callable[[], Any]]]:
    """Each analysis's name and a builder of its ``ModelSpec``."""
    found = [(p.stem, partial(_from_file, p)) for p in sorted((ROOT / "models").glob("*.toml"))]
    for outcome in ("orr", "crr", "death"):
        found.append((f"{outcome}_common", partial(_bundled, outcome, kind="common")))
        found.append(
            (f"{outcome}_regression_cancer_type", partial(_bundled, outcome, formula="cancer_type"))
        )
    return found


def main() -> int:
    import argparse

    from bayesmeta.atomic import write_json
    from bayesmeta.bayes import fit

    parser = argparse.ArgumentParser()
    parser.add_argument("--target-accept", type=float, default=None, help="override the default")
    parser.add_argument("--out", default=str(ROOT / "validation" / "brms" / "defaults_check.json"))
    parser.add_argument("--only", nargs="+", metavar="NAME", help="refit these analyses only")
    args = parser.parse_args()
    extra = {} if args.target_accept is None else {"target_accept": args.target_accept}
    rows = []
    everything = analyses()
    unknown = set(args.only or ()) - {name for name, _ in everything}
    if unknown:
        parser.error(f"--only: no analysis named {', '.join(sorted(unknown))}")
    kept = json.loads(Path(args.out).read_text()) if args.only else []
    for name, build in everything:
        if args.only and name not in args.only:
            continue
        spec = build()
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
    if args.only:  # the other rows as they were, in the order of analyses()
        fresh = {row["analysis"]: row for row in rows}
        old = {row["analysis"]: row for row in kept}
        rows = [fresh.get(n) or old[n] for n, _ in everything if n in fresh or n in old]
    write_json(Path(args.out), rows)
    failed = [r["analysis"] for r in rows if not r["ok"]]
    print("failed:", failed or "none")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
