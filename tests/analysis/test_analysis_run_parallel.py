"""`bayesmeta run` through the many/ executor (issue 22 item 6): the same bytes serially, on a
process pool and on a Dask cluster (posterior.nc: the same content; its HDF5 layout may differ);
InferenceData built only where it is saved; the log likelihood of the draws computed once; each
figure laid out once."""

from __future__ import annotations

import re
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
#: ArviZ stamps each group of posterior.nc with its creation time (the only bytes that differ
#: between two runs of the same specs, whatever runs them)
CREATED_AT = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00")


@pytest.fixture(scope="module")
def specs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("specs")
    for name, model in (("a_random", 'kind = "random"'), ("b_common", 'kind = "common"')):
        (folder / f"{name}.toml").write_text(SPEC.format(model=model), encoding="utf-8")
    return folder


def _files(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): CREATED_AT.sub(b"<created_at>", p.read_bytes())
        for p in sorted(out.rglob("*"))
        if p.is_file()
    }


def _netcdf_content(content: bytes) -> list:
    """Every group's attributes (but the creation time) and every variable's and coordinate's
    name, dims, dtype and raw bytes (a sign of zero or a NaN payload counts) of a posterior.nc."""
    import io

    import arviz as az

    idata = az.from_netcdf(io.BytesIO(content))
    found = []
    for group in idata.groups():
        data = getattr(idata, group)
        attrs = sorted((k, str(v)) for k, v in data.attrs.items() if k != "created_at")
        found.append((group, attrs))
        for name, values in {**data.coords, **data.data_vars}.items():
            found.append((group, name, values.dims, str(values.dtype), values.values.tobytes()))
    return found


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
        # HDF5 may place a chunk elsewhere in posterior.nc (seen on Dask workers, rarely):
        # the same draws, attributes and bytes of every array, in another file layout
        differ = [
            name
            for name in differ
            if not name.endswith(".nc")
            or _netcdf_content(written[option][name]) != _netcdf_content(serial[name])
        ]
        assert differ == [], f"--workers/--scheduler {option}: {differ}"
        assert printed[option] == printed["1"]
    assert "best by LOO" in printed["1"]


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
    from bayesmeta.analysis.runner import render_outputs
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
    from bayesmeta.analysis.runner import render_outputs
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
