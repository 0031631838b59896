"""Results streamed to disk in chunks, so a run holds no more than a batch in memory and an
interrupted run resumes without losing or duplicating a row.

A chunk is one Parquet file per finished batch, written atomically (temporary file, then
``os.replace``): after a crash or Ctrl-C every chunk on disk is whole, and its tasks are done.
``manifest.json`` holds the run's fingerprint (what was asked: spec, seed, sample), so a resume
of a different run is refused.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from bayesmeta.atomic import write_bytes, write_json, write_with
from bayesmeta.errors import InputError

MANIFEST = "manifest.json"


def typed_frame(
    rows: Sequence[Mapping[str, Any]] | pd.DataFrame, schema: Mapping[str, str]
) -> pd.DataFrame:
    """Rows as a DataFrame with exactly the schema's columns and dtypes.

    Parameters
    ----------
    rows : sequence of mapping, or pandas.DataFrame
        One mapping per row, or a table (not modified); every schema column must be present.
    schema : mapping of str to str
        Column -> ``"float"``, ``"int"``, ``"bool"`` or ``"str"`` (missing text is "").

    Returns
    -------
    pandas.DataFrame
        The same dtypes whatever the rows (so chunks always concatenate alike).
    """
    dtypes = {"float": "float64", "int": "int64", "bool": "bool", "str": "object"}
    if isinstance(rows, pd.DataFrame):
        frame = rows.loc[:, list(schema)].reset_index(drop=True)
    else:
        frame = pd.DataFrame.from_records(list(rows), columns=list(schema))
    text = pd.Series(["text"]).dtype  # what a column of str becomes (object, or pandas 3's str)
    for column, kind in schema.items():
        if kind == "str" and frame[column].dtype == text and not frame[column].isna().any():
            continue  # typed already (a chunk read back): nothing to convert
        if kind == "str":
            frame[column] = [("" if v is None else str(v)) for v in frame[column]]
        else:
            frame[column] = frame[column].astype(dtypes[kind])
    return frame


def encode_chunk(rows: Sequence[Mapping[str, Any]], schema: Mapping[str, str]) -> bytes:
    """Rows as the bytes of one chunk (a Parquet file of :func:`typed_frame`).

    Workers encode their own batches, so the process writing the chunks only writes bytes.

    Parameters
    ----------
    rows : sequence of mapping
        One mapping per row.
    schema : mapping of str to str
        The store's schema.

    Returns
    -------
    bytes
    """
    import io

    buffer = io.BytesIO()
    typed_frame(rows, schema).to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


class ChunkStore:
    """A folder of result chunks with a manifest.

    Parameters
    ----------
    folder : path
        Where chunks live (created; e.g. ``OUT/.progress``).
    schema : mapping of str to str
        The row schema (see :func:`typed_frame`); must include ``task_column``.
    task_column : str, default "task"
        The column holding each row's task key (several rows may share a task).
    """

    def __init__(
        self, folder: str | Path, *, schema: Mapping[str, str], task_column: str = "task"
    ) -> None:
        self.folder = Path(folder)
        self.schema = dict(schema)
        self.task_column = task_column
        self._next = 0

    def open(self, *, fingerprint: Mapping[str, Any], resume: bool) -> set[str]:
        """Start (or resume) the run; return the task keys already done.

        Parameters
        ----------
        fingerprint : mapping
            JSON-ready description of the run, one entry per part (e.g. ``data``, ``spec``,
            ``seed``, ``versions``: hashes or values); a resume must match every part.
        resume : bool
            Keep the chunks of an earlier, interrupted run with the same fingerprint. Without
            it, earlier chunks are deleted.

        Returns
        -------
        set of str
            Task keys with rows on disk (empty for a fresh run).

        Raises
        ------
        InputError
            ``resume`` with a different run's chunks in the folder (naming what changed), or
            a manifest that cannot be read; the store's folder (or a parent) is a file.

        Warns
        -----
        UserWarning
            A damaged chunk (unreadable, other columns, or rows of tasks already in an earlier
            chunk) is set aside on resume: its tasks run again.
        """
        manifest = self.folder / MANIFEST
        fingerprint = json.loads(json.dumps(fingerprint))
        self._check_folders()
        if resume and manifest.exists():
            changed = _changed_parts(_read_manifest(manifest), fingerprint)
            if changed:
                raise InputError(
                    f"{self.folder}: --resume: the interrupted run there differs from this one "
                    f"in: {', '.join(changed)}; run without --resume to start afresh"
                )
        elif self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json(manifest, fingerprint)
        done = self._valid_chunks() if resume else set()
        self._next = 1 + max((_chunk_number(p) for p in self.chunks()), default=-1)
        return done

    def _check_folders(self) -> None:
        for folder in (self.folder, *self.folder.parents):
            if folder.exists():
                if not folder.is_dir():
                    raise InputError(f"{folder}: exists and is not a folder; remove it first")
                return

    def _valid_chunks(self) -> set[str]:
        """Task keys of the whole chunks; damaged ones are moved aside with a warning."""
        import warnings

        done: set[str] = set()
        for path in self.chunks():
            try:
                frame = pd.read_parquet(path)
                reason = None
                if list(frame.columns) != list(self.schema):
                    reason = "other columns"
                elif set(frame[self.task_column]) & done:
                    reason = "rows of tasks already in an earlier chunk"
            except Exception as error:  # pyarrow raises several types on damaged files
                reason = f"unreadable: {type(error).__name__}"
            if reason is None:
                done.update(frame[self.task_column])
                continue
            path.rename(path.with_name(f"damaged-{path.name}"))
            warnings.warn(
                f"{path}: --resume: damaged chunk set aside ({reason}); its tasks run again",
                UserWarning,
                stacklevel=3,
            )
        return done

    def chunks(self) -> list[Path]:
        """The chunk files on disk, in the order written.

        Returns
        -------
        list of Path
        """
        return sorted(self.folder.glob("chunk-*.parquet"))

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Write one chunk (atomically).

        Parameters
        ----------
        rows : sequence of mapping
            The rows of one or more finished tasks (all rows of each task).

        Returns
        -------
        None
        """
        if rows:
            self.write_encoded(encode_chunk(rows, self.schema))

    def write_encoded(self, chunk: bytes) -> None:
        """Write one chunk encoded by :func:`encode_chunk` (atomically).

        Parameters
        ----------
        chunk : bytes
            The rows of one or more finished tasks (all rows of each task); nothing is written
            for no bytes.

        Returns
        -------
        None
        """
        if not chunk:
            return
        path = self.folder / f"chunk-{self._next:06d}.parquet"
        self._next += 1
        write_bytes(path, chunk)

    def table(self, *, sort_by: Sequence[str]) -> pd.DataFrame:
        """Every row on disk, sorted (so the table does not depend on who ran what, when).

        Parameters
        ----------
        sort_by : sequence of str
            Columns that identify a row (the task key first).

        Returns
        -------
        pandas.DataFrame

        Raises
        ------
        RuntimeError
            Two rows with the same ``sort_by`` values (a bug, never expected).
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        tables = []
        for path in self.chunks():  # ParquetFile: half the cost of read_table on small files
            with pq.ParquetFile(path) as chunk:
                tables.append(chunk.read())
        if not tables:
            return typed_frame([], self.schema)
        frame = typed_frame(pa.concat_tables(tables).to_pandas(), self.schema)
        if frame.duplicated(subset=list(sort_by)).any():
            raise RuntimeError(f"{self.folder}: duplicated rows in the chunks")
        return frame.sort_values(list(sort_by), kind="mergesort").reset_index(drop=True)

    def remove(self) -> None:
        """Delete the folder (after the final outputs are in place).

        Returns
        -------
        None
        """
        shutil.rmtree(self.folder, ignore_errors=True)


def run_fingerprint(
    command: str, *, seed: int, spec: Any, data: bytes | str = b"", **settings: Any
) -> dict[str, Any]:
    """What a resumable run was computed from, part by part (a resume must match every part).

    Parameters
    ----------
    command : str
        ``"multiverse"`` or ``"simulate"``.
    seed : int
        The master seed.
    spec : object
        The validated settings (JSON-ready after ``str`` of unknown types); hashed.
    data : bytes or str
        The data table as read (e.g. its CSV text); hashed.
    **settings
        Other JSON-ready settings (``sample``, ``file``: the file's bytes hashed by the caller).

    Returns
    -------
    dict
        ``command``, ``seed``, ``spec`` and ``data`` (SHA-256), ``versions``
        (:func:`bayesmeta.versions.stack_versions`) and ``settings``.
    """
    import hashlib

    from bayesmeta.versions import stack_versions

    def sha(value: bytes | str) -> str:
        return hashlib.sha256(value.encode() if isinstance(value, str) else value).hexdigest()

    return {
        "command": command,
        "seed": int(seed),
        "spec": sha(json.dumps(spec, sort_keys=True, default=str)),
        "data": sha(data),
        "versions": stack_versions(),
        "settings": json.loads(json.dumps(settings, sort_keys=True, default=str)),
    }


def _chunk_number(path: Path) -> int:
    try:
        return int(path.stem.split("-")[1])
    except (IndexError, ValueError):
        return -1


def _read_manifest(manifest: Path) -> dict[str, Any]:
    try:
        earlier = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        earlier = None
    if not isinstance(earlier, dict):
        raise InputError(
            f"{manifest}: --resume: the manifest of the interrupted run is damaged, so it cannot "
            "be checked; run without --resume to start afresh"
        )
    return earlier


def _changed_parts(earlier: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """The parts of two fingerprints that differ (``versions`` names the packages)."""
    changed = []
    for key in sorted(set(earlier) | set(now)):
        before, after = earlier.get(key), now.get(key)
        if before == after:
            continue
        if key == "versions" and isinstance(before, dict) and isinstance(after, dict):
            packages = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            changed.append(f"software versions ({', '.join(packages)})")
        else:
            changed.append(key)
    return changed


def write_table(frame: pd.DataFrame, folder: str | Path, stem: str) -> list[str]:
    """Write ``stem.csv`` and ``stem.parquet`` atomically.

    Parameters
    ----------
    frame : pandas.DataFrame
        The final table.
    folder : path
        Output folder.
    stem : str
        File name without extension.

    Returns
    -------
    list of str
        The file names written.
    """
    folder = Path(folder)
    write_with(folder / f"{stem}.csv", lambda p: frame.to_csv(p, index=False))
    write_with(
        folder / f"{stem}.parquet",
        lambda p: frame.to_parquet(p, index=False, engine="pyarrow"),
    )
    return [f"{stem}.csv", f"{stem}.parquet"]
