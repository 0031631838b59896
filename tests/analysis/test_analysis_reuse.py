"""One ``bayesmeta run`` does each piece of work once: every exact grid is built once, every
engine decision is resolved once per model, every data file is read once.

The real builders are wrapped with counters (the numbers they return are untouched). Two specs of
one outcome (random-intercept and subgroup) run together, so the run also compares and averages
them, refits studies for exact LOO, computes Bayes factors (companion models) and the
influence section (a random-intercept model on the same data as the first spec).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

import bayesmeta.analysis.specfile as specfile
import bayesmeta.engines.registry as engine_registry
import bayesmeta.quad.grid as grid_module
from bayesmeta.cli import main

MODELS = Path(__file__).resolve().parents[2] / "models"


def _light_copy(name: str, folder: Path) -> None:
    text = (MODELS / name).read_text(encoding="utf-8").replace("draws = 4000", "draws = 250")
    (folder / name).write_text(text, encoding="utf-8")


def test_run_builds_each_grid_once_resolves_once_reads_once(tmp_path, monkeypatch):
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("crr_pooled.toml", "crr_by_cancer_type.toml"):
        _light_copy(name, specs)

    grids: Counter = Counter()
    real_build = grid_module._build_grid

    def counting_build(events, total, priors, *, common, acc):
        key = (np.asarray(events).tobytes(), np.asarray(total).tobytes(), priors, common, acc)
        grids[key] += 1
        return real_build(events, total, priors, common=common, acc=acc)

    decisions: list[tuple[object, str]] = []
    real_resolve = engine_registry._resolve

    def counting_resolve(spec, engine):
        decisions.append((spec, engine))
        return real_resolve(spec, engine)

    reads: Counter = Counter()
    real_read = specfile._read_frame

    def counting_read(spec):
        reads[spec.path.name] += 1
        return real_read(spec)

    grid_module._KEPT.clear()  # grids kept by other tests would hide the builds
    monkeypatch.setattr(grid_module, "_build_grid", counting_build)
    monkeypatch.setattr(engine_registry, "_resolve", counting_resolve)
    monkeypatch.setattr(specfile, "_read_frame", counting_read)

    # in this process: the counters see every build
    assert main(["run", str(specs), "--out", str(tmp_path / "out"), "--workers", "1"]) == 0
    assert (tmp_path / "out" / "crr_by_cancer_type" / "summary.json").is_file()

    # grids: many distinct ones (levels, companions, refined, leave-one-out refits), none twice
    assert len(grids) > 10
    assert max(grids.values()) == 1, [n for n in grids.values() if n > 1]
    # (the random-intercept model of all crr studies is spec 1, the subgroup's heterogeneity
    # companion and the influence section's model of both specs: one build serves all four)
    # engine decisions: once per model object and choice
    for i, (spec, engine) in enumerate(decisions):
        assert not any(s is spec and e == engine for s, e in decisions[:i]), engine
    assert reads == {"crr_pooled.toml": 1, "crr_by_cancer_type.toml": 1}
