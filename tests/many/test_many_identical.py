"""The same tables, byte for byte, whoever runs the tasks: serially, on a local pool of 2
workers, and on a real 2-worker Dask cluster (per-task seeds from the master seed and the key)."""

from __future__ import annotations

import pytest

from bayesmeta.analysis.specfile import load_spec
from bayesmeta.multiverse import run_multiverse
from bayesmeta.simulate import read_study, run_simulation

from .conftest import simulation_file

RUNS = {"serial": {"workers": 1}, "pool2": {"workers": 2}, "dask2": {}}


def _bytes(folder, names):
    return {name: (folder / name).read_bytes() for name in names}


def test_multiverse_tables_identical_on_every_executor(multiverse_spec, tmp_path, dask_cluster):
    spec = load_spec(multiverse_spec)
    files = {}
    for name, options in RUNS.items():
        if name == "dask2":
            options = {"scheduler": dask_cluster}
        out = tmp_path / name
        summary = run_multiverse(spec, out=out, batch_size=7, show_progress=False, **options)
        files[name] = _bytes(out, sorted(summary["files"]))  # the figure and reports too
        assert sorted(p.name for p in out.iterdir()) == sorted(summary["files"])  # no leftovers
    assert summary["specifications"] == 23 * 4  # impossible left-out cells not generated
    assert summary["ok"] > 40 and summary["failed"] == 0
    assert files["serial"] == files["pool2"] == files["dask2"]


def test_simulation_tables_identical_on_every_executor(tmp_path, dask_cluster):
    path = simulation_file(tmp_path, replicates=16, methods=["DL-HK", "GLMM", "bayes"], taus=[0.5])
    study = read_study(path)
    files = {}
    for name, options in RUNS.items():
        if name == "dask2":
            options = {"scheduler": dask_cluster}
        out = tmp_path / name
        summary = run_simulation(study, out=out, batch_size=4, show_progress=False, **options)
        files[name] = _bytes(out, sorted(summary["files"]))  # the figures and reports too
        assert "coverage.png" in files[name] and "metrics.parquet" in files[name]
    assert files["serial"] == files["pool2"] == files["dask2"]


@pytest.mark.parametrize("scheduler", ["local:0", "local:x", "nonsense"])
def test_bad_scheduler_is_one_line_input_error(scheduler):
    from bayesmeta.errors import InputError
    from bayesmeta.many import make_executor

    with pytest.raises(InputError, match="--scheduler"), make_executor(scheduler=scheduler):
        pass
