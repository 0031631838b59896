"""`bayesmeta run` through the many/ executor (issue 22 item 6): the same bytes serially, on a
process pool and on a Dask cluster (posterior.nc too, byte for byte), and in two serial runs;
InferenceData built only where it is saved; the log likelihood of the draws computed once; each
figure laid out once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bayesmeta.cli import main

SPEC = """
[data]
dataset = "cart_wu2025"
outcome = "crr"
events = "crr_events"
total = "crr_total"
[model]
{model}
[sampler]
engine = "quadrature"
draws = 200
chains = 1
seed = 5
[baselines]
methods = ["DL"]
"""


@pytest.fixture(scope="module")
def specs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("specs")
    for name, model in (("a_random", 'kind = "random"'), ("b_common", 'kind = "common"')):
        (folder / f"{name}.toml").write_text(SPEC.format(model=model), encoding="utf-8")
    return folder


def _files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()
    }


def test_run_writes_the_same_bytes_serially_on_a_pool_and_on_dask(specs, tmp_path, capsys):
    pytest.importorskip("distributed")
    written, printed = {}, {}
    for option in (["--workers", "1"], ["--workers", "2"], ["--scheduler", "local:2"]):
        out = tmp_path / option[1].replace(":", "_")
        assert main(["run", str(specs), "--out", str(out), *option]) == 0
        written[option[1]], printed[option[1]] = _files(out), capsys.readouterr().out
        assert not [p for p in tmp_path.rglob(".*")], "temporary files left behind"
    serial = written["1"]
    assert {"index.html", "comparison.json", "a_random/posterior.nc", "b_common/forest.png"} <= set(
        serial
    )
    for option in ("2", "local:2"):
        assert written[option].keys() == serial.keys()
        differ = [name for name in serial if written[option][name] != serial[name]]
        assert differ == [], f"--workers/--scheduler {option}: {differ}"
        assert printed[option] == printed["1"]
    assert "best by LOO" in printed["1"]


def test_two_serial_runs_write_the_same_posterior_bytes(specs, tmp_path, capsys):
    """No creation time or other run-dependent stamp in posterior.nc (ArviZ's ``created_at``)."""
    import h5py

    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        assert main(["run", str(specs / "a_random.toml"), "--out", str(out), "--workers", "1"]) == 0
    capsys.readouterr()
    path = "a_random/posterior.nc"
    assert (first / path).read_bytes() == (second / path).read_bytes()
    with h5py.File(first / path, "r") as saved:
        assert "created_at" not in saved["posterior"].attrs
        assert "bayesmeta_fit_hash" in saved["posterior"].attrs
        assert "arviz_version" in saved["posterior"].attrs


@pytest.fixture(scope="module")
def a_random(specs):
    """The result of ``a_random.toml`` with its InferenceData, and the bytes it is saved as."""
    from bayesmeta.analysis.fitting import fit_spec
    from bayesmeta.analysis.spec_render import with_inference_data
    from bayesmeta.analysis.specfile import load_spec
    from bayesmeta.model.storage import posterior_bytes

    result = with_inference_data(fit_spec(load_spec(specs / "a_random.toml"))).result
    return result, posterior_bytes(result)


def test_a_placeholder_held_open_elsewhere_does_not_move_the_datasets(a_random, monkeypatch):
    """h5netcdf deletes a placeholder per dimension; another thread holding it for a moment (a
    Dask worker's profiler) changed where the datasets went. The bytes must not change."""
    import h5py

    from bayesmeta.model.storage import posterior_bytes

    result, plain = a_random
    held = []
    delete, create = h5py.Group.__delitem__, h5py.Group.create_dataset

    def holding(group, name):  # held until the next dataset is created
        held.append(group[name])
        delete(group, name)

    def creating(group, *args, **kwargs):
        created = create(group, *args, **kwargs)
        held.clear()
        return created

    monkeypatch.setattr(h5py.Group, "__delitem__", holding)
    monkeypatch.setattr(h5py.Group, "create_dataset", creating)
    assert posterior_bytes(result) == plain


@pytest.mark.parametrize("until", ["the next dataset is created", "the file is written"])
def test_handles_held_open_elsewhere_do_not_move_the_chunks(a_random, monkeypatch, until):
    """HDF5 placed a compressed dataset's chunks when its last handle closed: a handle another
    thread held a while (a Dask worker's profiler; 3 files in 20 under load) put the chunks after
    the next dataset. Every handle the writer opens is held here, let go at two points."""
    import h5py

    from bayesmeta.model.storage import posterior_bytes

    result, plain = a_random
    held, opened = [], []
    get, create = h5py.Group.__getitem__, h5py.Group.create_dataset

    def holding(group, name):
        handle = get(group, name)
        held.append(handle)
        opened.append(name)
        return handle

    def creating(group, *args, **kwargs):
        created = create(group, *args, **kwargs)
        if until == "the next dataset is created":
            held.clear()
        held.append(created)
        return created

    monkeypatch.setattr(h5py.Group, "__getitem__", holding)
    monkeypatch.setattr(h5py.Group, "create_dataset", creating)
    assert posterior_bytes(result) == plain
    assert "posterior/eta" in opened  # the writer's handles went through here


def test_a_bad_worker_count_is_one_line_before_any_work(specs, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["run", str(specs), "--out", str(out), "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert "--workers 0" in err and err.count("\n") == 1
    assert not out.exists()


def test_inference_data_is_built_where_it_is_saved_and_loglik_once(specs):
    import io

    import arviz as az

    from bayesmeta.analysis.fitting import fit_spec
    from bayesmeta.analysis.spec_render import render_outputs
    from bayesmeta.analysis.specfile import load_spec

    fitted = fit_spec(load_spec(specs / "a_random.toml"))
    assert fitted.result.idata is None and set(fitted.params) >= {"mu", "tau"}
    rendered = render_outputs(fitted)
    assert fitted.draws.loglik() is fitted.draws.loglik()  # computed once, kept
    saved = az.from_netcdf(io.BytesIO(rendered.files["posterior.nc"]))
    np.testing.assert_array_equal(saved.log_likelihood["y"].values, fitted.draws.loglik())
    np.testing.assert_array_equal(saved.posterior["eta"].values, fitted.draws.eta)


def test_each_figure_is_laid_out_once(specs, monkeypatch):
    from matplotlib import layout_engine

    from bayesmeta.analysis.fitting import fit_spec
    from bayesmeta.analysis.spec_render import render_outputs
    from bayesmeta.analysis.specfile import load_spec

    fitted = fit_spec(load_spec(specs / "a_random.toml"))
    layouts = []
    real = layout_engine.do_constrained_layout

    def counting(figure, *args, **kwargs):
        layouts.append(figure)
        return real(figure, *args, **kwargs)

    monkeypatch.setattr(layout_engine, "do_constrained_layout", counting)
    rendered = render_outputs(fitted)
    pngs = [name for name in rendered.files if name.endswith(".png")]
    assert len(pngs) >= 5
    # one layout per figure (a title re-wrapped to fit costs one more, none here)
    assert len(layouts) == len(pngs) == len({id(f) for f in layouts})
    for name in pngs:
        assert rendered.files[name][:8] == b"\x89PNG\r\n\x1a\n"
