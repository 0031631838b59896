"""Merge per-model parts of ``fit_brms_regression_exact.R`` into ``reference_regression_exact.json``.

Usage (repository root): python validation/brms/merge_regression_exact.py
Reads ``reference_regression_exact.json`` (if present) and every
``reference_regression_exact_<model>.json``; a model in a part replaces the same model in the
whole file only when the whole file lacks it. Writes the merged file atomically.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "reference_regression_exact.json"


def main() -> None:
    merged = json.loads(OUT.read_text()) if OUT.exists() else {}
    for part in sorted(HERE.glob("reference_regression_exact_*.json")):
        data = json.loads(part.read_text())
        merged.setdefault("meta", data["meta"])
        for name, value in data.items():
            if name != "meta":
                merged.setdefault(name, value)
    tmp = OUT.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(merged, indent=2) + "\n")
    os.replace(tmp, OUT)
    print("wrote", OUT, sorted(k for k in merged if k != "meta"))


if __name__ == "__main__":
    main()
