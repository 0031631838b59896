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

from bayesmeta.atomic import write_json, write_with
from bayesmeta.errors import InputError

MANIFEST = "manifest.json"


def typed_frame(rows: Sequence[Mapping[str, Any]], schema: Mapping[str, str]) -> pd.DataFrame:
    """Rows as a DataFrame with exactly the schema's columns and dtypes.

    Parameters
    ----------
    rows : sequence of mapping
        One mapping per row; every schema column must be present.
    schema : mapping of str to str
        Column -> ``"float"``, ``"int"``, ``"bool"`` or ``"str"`` (missing text is "").

    Returns
    -------
    pandas.DataFrame
        The same dtypes whatever the rows (so chunks always concatenate alike).
    """
    dtypes = {"float": "float64", "int": "int64", "bool": "bool", "str": "object"}
    frame = pd.DataFrame.from_records(list(rows), columns=list(schema))
    for column, kind in schema.items():
        if kind == "str":
            frame[column] = [("" if v is None else str(v)) for v in frame[column]]
        else:
            frame[column] = frame[column].astype(dtypes[kind])
    return frame


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
            JSON-ready description of the run; a resume must match it.
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
            ``resume`` with a different run's chunks in the folder.
        """
        manifest = self.folder / MANIFEST
        fingerprint = json.loads(json.dumps(fingerprint))
        if resume and manifest.is_file():
            earlier = json.loads(manifest.read_text(encoding="utf-8"))
            if earlier != fingerprint:
                raise InputError(
                    f"{self.folder}: --resume: the interrupted run there was a different run "
                    "(spec, seed or sample changed); run without --resume to start afresh"
                )
        elif self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json(manifest, fingerprint)
        chunks = self.chunks()
        self._next = 1 + max((int(p.stem.split("-")[1]) for p in chunks), default=-1)
        done: set[str] = set()
        for path in chunks:
            done.update(pd.read_parquet(path, columns=[self.task_column])[self.task_column])
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
        if not rows:
            return
        frame = typed_frame(rows, self.schema)
        path = self.folder / f"chunk-{self._next:06d}.parquet"
        self._next += 1
        write_with(path, lambda p: frame.to_parquet(p, index=False, engine="pyarrow"))

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
        frames = [pd.read_parquet(path) for path in self.chunks()]
        if not frames:
            return typed_frame([], self.schema)
        frame = pd.concat(frames, ignore_index=True)
        frame = typed_frame(frame.to_dict("records"), self.schema)
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
