"""Save a :class:`BayesResult` as one NetCDF file (InferenceData + summary) and load it back.

The summary (``BayesResult.to_dict()``) is stored as a JSON string in the attributes of the
``posterior`` group, so the file is a plain ArviZ NetCDF file readable by ``az.from_netcdf``.
The file is serialized in memory first, then written to a temporary name in the same folder
and moved into place, so a file is complete or absent, and a full disk is a plain ``OSError``
(HDF5 writing straight to a full disk crashes the process).

The bytes depend only on the draws: ArviZ's ``created_at`` stamp is left out, and the HDF5
layout does not depend on the process that writes it, nor on when other threads let go of
HDF5 handles (:func:`_write_group`, :func:`_deleted_kept_open`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from bayesmeta.atomic import write_bytes
from bayesmeta.data.metadata import Exclusion
from bayesmeta.errors import InputError
from bayesmeta.model.bayes_factor import BayesFactor
from bayesmeta.model.result import BayesResult, Contrast, Diagnostics, Interval

SUMMARY_ATTR = "bayesmeta_summary"
#: attributes ArviZ stamps on each group that change from one run to the next
VOLATILE_ATTRS = frozenset({"created_at"})


def netcdf_bytes(idata) -> bytes:
    """An InferenceData as the bytes of the NetCDF file ``idata.to_netcdf`` would write.

    The same draws give the same bytes in any process (a Dask worker too): see
    :func:`_write_group` and :func:`_deleted_kept_open`.

    Parameters
    ----------
    idata : arviz.InferenceData
        The draws (every group is written, compressed as ArviZ does).

    Returns
    -------
    bytes
        A NetCDF-4 (HDF5) file readable by ``az.from_netcdf``.
    """
    import io

    import xarray as xr

    buffer = io.BytesIO()
    mode = "w"
    attrs = {
        k: v for k, v in (getattr(idata, "attrs", None) or {}).items() if k not in VOLATILE_ATTRS
    }
    with _WRITING, _deleted_kept_open():
        if attrs:
            _write_group(buffer, xr.Dataset(attrs=attrs), group=None, mode=mode, encoding={})
            mode = "a"
        for group in idata.groups():
            data = getattr(idata, group).copy(deep=False)
            data.attrs = {k: v for k, v in data.attrs.items() if k not in VOLATILE_ATTRS}
            encoding = {
                name: {"zlib": True}
                for name, values in data.variables.items()
                if values.dtype.kind in "biufcS"
            }
            _write_group(buffer, data, group=group, mode=mode, encoding=encoding)
            mode = "a"
    return buffer.getvalue()


#: one writer at a time in a process: :func:`_deleted_kept_open` patches h5py while it writes
_WRITING = threading.Lock()


def _write_group(buffer, data, *, group: str | None, mode: str, encoding: dict) -> None:
    """Write ``data`` as ``group`` of the HDF5 file in ``buffer`` (``Dataset.to_netcdf``'s steps).

    HDF5 keeps a compressed dataset's chunks in a cache and places them in the file when the
    last handle to the dataset closes. xarray and h5netcdf drop their handles at once, but
    another thread may hold one a while longer: on a Dask worker under load (most likely its
    statistical profiler, which keeps sampled frames and their locals; no reference cycle holds
    a handle), 3 files in 20 had a dataset's chunks placed after the next dataset (same content,
    other bytes). Without a chunk cache (``rdcc_nbytes=0``) each
    chunk goes into the file when it is written, whoever holds a handle. The file is opened
    here, not by ``to_netcdf``, which passes no such option, and with xarray's process-local
    HDF5 lock: on a Dask worker ``to_netcdf`` asks the cluster for a lock named after the file,
    which an in-memory file does not have.
    """
    from xarray.backends import H5NetCDFStore
    from xarray.backends.common import ArrayWriter
    from xarray.backends.locks import HDF5_LOCK

    store = H5NetCDFStore.open(
        buffer, mode=mode, group=group, lock=HDF5_LOCK, driver_kwds={"rdcc_nbytes": 0}
    )
    try:
        writer = ArrayWriter()
        data.dump_to_store(store, writer=writer, encoding=encoding)
        writer.sync()  # writes lazy (dask) arrays; numpy ones are written already
    finally:
        store.close()


@contextmanager
def _deleted_kept_open() -> Iterator[None]:
    """Keep every HDF5 object deleted while writing open until the file is closed.

    h5netcdf writes a placeholder dataset for each dimension, deletes it and writes the
    coordinate variable; HDF5 reuses the placeholder's space only if nothing holds it open at
    that moment. On Dask workers another thread held the placeholder for a moment now and then
    (like the chunks of :func:`_write_group`), and the datasets that followed moved. Held open
    until the file closes, the placeholders are freed at the same point wherever it is written.
    """
    import h5py

    kept: list[Any] = []
    delete = h5py.Group.__delitem__

    def deleting(group, name):
        kept.append(group.get(name))
        delete(group, name)

    h5py.Group.__delitem__ = deleting
    try:
        yield
    finally:
        h5py.Group.__delitem__ = delete
        kept.clear()


def save(result: BayesResult, path: str | Path, *, attrs: dict[str, str] | None = None) -> Path:
    """Write ``result`` (with its InferenceData) to ``path`` atomically.

    Parameters
    ----------
    result : BayesResult
        A result with draws (``idata``).
    path : str or Path
        The ``.nc`` file; its folder must exist.
    attrs : dict of str to str, optional
        Extra attributes of the ``posterior`` group (e.g. the hash of what was fitted).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InputError
        No draws, or no such folder.
    OSError
        The file cannot be written (e.g. the disk is full); nothing is left behind.
    """
    content = posterior_bytes(result, attrs=attrs)
    path = Path(path)
    if not path.parent.is_dir():
        raise InputError(f"{path.parent}: no such folder")
    write_bytes(path, content)
    return path


def posterior_bytes(result: BayesResult, *, attrs: dict[str, str] | None = None) -> bytes:
    """The bytes :func:`save` writes: the InferenceData with the summary (and ``attrs``).

    Parameters
    ----------
    result : BayesResult
        A result with draws (``idata``).
    attrs : dict of str to str, optional
        Extra attributes of the ``posterior`` group.

    Returns
    -------
    bytes

    Raises
    ------
    InputError
        No draws.
    """
    if result.idata is None:
        raise InputError("this result has no posterior draws to save (quadrature engine?)")
    idata = result.idata.copy()
    idata.posterior.attrs[SUMMARY_ATTR] = json.dumps(_summary(result))
    idata.posterior.attrs.update(attrs or {})
    return netcdf_bytes(idata)


def load(path: str | Path) -> BayesResult:
    """Read a file written by :func:`save`.

    Parameters
    ----------
    path : str or Path
        The NetCDF file.

    Returns
    -------
    BayesResult
    """
    import arviz as az

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        idata = az.from_netcdf(path)
        summary = json.loads(idata.posterior.attrs[SUMMARY_ATTR])
    except (OSError, ValueError, KeyError, AttributeError) as error:
        raise InputError(f"{path}: not a bayesmeta result file ({type(error).__name__})") from None
    return _from_summary(summary, idata)


def _summary(result: BayesResult) -> dict[str, Any]:
    summary = result.to_dict()
    summary["interval_kind"] = result.pooled_median.kind
    summary["engine_note"] = result.diagnostics.engine_note
    summary["parameter_names"] = list(result.parameters)  # a likelihood's own (phi, icc)
    return summary


def _interval(d: dict | None, kind: str) -> Interval | None:
    return None if d is None else Interval(d["median"], d["lo"], d["hi"], kind=kind)


def _none_to_nan(value):
    return float("nan") if value is None else value


def _from_summary(s: dict[str, Any], idata) -> BayesResult:
    kind = s.get("interval_kind", "eti")
    diag = s["diagnostics"]
    return BayesResult(
        engine=s["engine"],
        model=s["model"],
        pooled_median=_interval(s["pooled_median"], kind),
        pooled_mean=_interval(s["pooled_mean"], kind),
        new_study=_interval(s["new_study"], kind),
        tau=_interval(s["tau"], kind),
        study_rates=pd.DataFrame(s["study_rates"]),
        diagnostics=Diagnostics(
            rhat_max=_none_to_nan(diag["rhat_max"]),
            ess_bulk_min=_none_to_nan(diag["ess_bulk_min"]),
            ess_tail_min=_none_to_nan(diag["ess_tail_min"]),
            divergences=diag["divergences"],
            engine_note=s.get("engine_note", ""),
        ),
        excluded=tuple(Exclusion(e["study"], e["reason"]) for e in s["excluded"]),
        rates={k: _interval(v, kind) for k, v in s.get("rates", {}).items()},
        rates_mean={k: _interval(v, kind) for k, v in s.get("rates_mean", {}).items()},
        contrasts=[Contrast(**c) for c in s.get("contrasts", [])],
        taus={k: _interval(v, kind) for k, v in s.get("taus", {}).items()},
        coefficients={k: _interval(v, kind) for k, v in s.get("coefficients", {}).items()},
        idata=idata,
        log_evidence=s.get("log_evidence"),
        log_evidence_error=s.get("log_evidence_error"),
        bayes_factors={
            name: BayesFactor(
                float(bf["log_bf"]),
                float("nan") if bf["error"] is None else float(bf["error"]),
                bf.get("against", ""),
            )
            for name, bf in s.get("bayes_factors", {}).items()
        },
        prob_above=s.get("prob_above", {}),
        parameters={n: _interval(s[n], kind) for n in s.get("parameter_names", [])},
    )
