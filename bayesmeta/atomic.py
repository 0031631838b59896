"""Write output files completely or not at all.

Each writer writes to a temporary file in the destination folder and moves it into place with
:func:`os.replace`, which is atomic on POSIX: an interrupted run leaves the old file (or none),
never half a file. Files get the permissions the umask allows (as ``open`` would give them),
not ``mkstemp``'s 0600.

Temporary names are ``.<name>.bayesmeta-<pid>-<8 random>[suffix]``: a process killed with
SIGKILL leaves such a name behind, and :func:`sweep_stale` (run before every write into a
folder) removes exactly those whose process is gone, and nothing else.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TAG = "bayesmeta"
_STALE = re.compile(rf"^\..+\.{TAG}-(?P<pid>\d+)-[a-z0-9_]{{8}}(\.[A-Za-z0-9]+)?$")
# what releases before the pid tag left: `.posterior.nc.abcd1234.nc` and the like
_LEGACY = re.compile(
    r"^\.(posterior\.nc|result\.json|summary\.json|report\.md|report\.html|index\.md|index\.html"
    r"|comparison\.json|[a-z_]+\.csv|[a-z_]+\.png|sensitivity\.json)\.[a-z0-9_]{8}"
    r"\.(nc|json|md|html|csv|png)$"
)


def current_umask() -> int:
    """The process umask (read by setting it and restoring it at once).

    Returns
    -------
    int
        The umask, e.g. ``0o022``.
    """
    mask = os.umask(0)
    os.umask(mask)
    return mask


def honour_umask(path: Path, *, folder: bool = False) -> None:
    """Give ``path`` the mode a plain ``open``/``mkdir`` would (0666 or 0777 minus the umask).

    Parameters
    ----------
    path : Path
        A file or folder this process created with a private mode (``mkstemp``, ``mkdtemp``).
    folder : bool
        Whether ``path`` is a folder.

    Returns
    -------
    None
    """
    os.chmod(path, (0o777 if folder else 0o666) & ~current_umask())


def temporary_prefix(name: str) -> str:
    """The prefix of this process's temporary names for ``name`` (see the module docstring).

    Parameters
    ----------
    name : str
        The final file or folder name.

    Returns
    -------
    str
        ``.<name>.bayesmeta-<pid>-``.
    """
    return f".{name}.{TAG}-{os.getpid()}-"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def sweep_stale(folder: str | Path) -> list[Path]:
    """Remove the temporary files and folders of bayesmeta processes that no longer exist.

    Only names of the strict pattern ``.<name>.bayesmeta-<pid>-<8 random>[suffix]`` whose
    process is gone (and the temporary names of earlier releases, of bayesmeta's own output
    files) are removed; anything else in ``folder`` is left alone.

    Parameters
    ----------
    folder : str or Path
        The folder to sweep (nothing happens if it does not exist).

    Returns
    -------
    list of Path
        What was removed.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    for entry in folder.iterdir():
        match = _STALE.match(entry.name)
        stale = (match is not None and not _alive(int(match["pid"]))) or (
            _LEGACY.match(entry.name) is not None and entry.is_file()
        )
        if not stale:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it to ``path``.

    Use it for writers that want a file name (``InferenceData.to_netcdf``, ``savefig``)::

        with atomic_path("out/posterior.nc") as tmp:
            idata.to_netcdf(tmp)

    Parameters
    ----------
    path : str or Path
        The final file.

    Returns
    -------
    iterator of Path
        The temporary path, removed if the block raises.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=temporary_prefix(target.name), suffix=target.suffix, dir=target.parent
    )
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        honour_umask(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Atomically write bytes.

    Parameters
    ----------
    path : str or Path
        The final file.
    data : bytes
        Its content.

    Returns
    -------
    Path
        ``path``.
    """
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)
    return Path(path)


def write_text(path: str | Path, text: str) -> Path:
    """Atomically write UTF-8 text.

    Parameters
    ----------
    path : str or Path
        The final file.
    text : str
        Its content.

    Returns
    -------
    Path
        ``path``.
    """
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(path)


def write_json(path: str | Path, payload: Any) -> Path:
    """Atomically write JSON (indented, NaN rejected).

    Parameters
    ----------
    path : str or Path
        The final file.
    payload : Any
        JSON-ready value.

    Returns
    -------
    Path
        ``path``.
    """
    return write_text(path, json.dumps(payload, indent=2, allow_nan=False) + "\n")


def write_with(path: str | Path, writer: Callable[[Path], object]) -> Path:
    """Atomically write with a callable taking the temporary path (e.g. ``frame.to_csv``).

    Parameters
    ----------
    path : str or Path
        The final file.
    writer : callable
        Writes the temporary path it is given.

    Returns
    -------
    Path
        ``path``.
    """
    with atomic_path(path) as temporary:
        writer(temporary)
    return Path(path)


def write_tables(folder: str | Path, tables: dict[str, Any]) -> list[Path]:
    """Write each table as ``<folder>/<name>.csv`` (each file atomically, without the index).

    Parameters
    ----------
    folder : str or Path
        An existing folder.
    tables : dict
        Name -> a pandas DataFrame or a list of records (dicts).

    Returns
    -------
    list of Path
        The files written.
    """
    import pandas as pd

    written = []
    for name, table in tables.items():
        frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(table)
        path = Path(folder) / f"{name}.csv"
        written.append(write_with(path, lambda target, f=frame: f.to_csv(target, index=False)))
    return written
