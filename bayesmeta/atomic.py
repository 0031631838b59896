"""Write output files completely or not at all.

Each writer writes to a temporary file in the destination folder and moves it into place with
:func:`os.replace`, which is atomic on POSIX: an interrupted run leaves the old file (or none),
never half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success move it to ``path``.

    Use it for writers that want a file name (``InferenceData.to_netcdf``, ``savefig``)::

        with atomic_path("out/posterior.nc") as tmp:
            idata.to_netcdf(tmp)

    Parameters
    ----------
    path : str or Path
        The file to write.

    Yields
    ------
    Path
        A temporary file in the same folder; it replaces ``path`` when the block ends without an
        exception and is removed otherwise.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent
    )
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str) -> Path:
    """Atomically write UTF-8 text.

    Parameters
    ----------
    path : str or Path
        The file to write.
    text : str
        The text to write.

    Returns
    -------
    Path
    """
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(path)


def write_json(path: str | Path, payload: Any) -> Path:
    """Atomically write JSON (indented, NaN rejected).

    Parameters
    ----------
    path : str or Path
        The file to write.
    payload : Any
        The JSON payload of a result (``to_dict()``).

    Returns
    -------
    Path
    """
    return write_text(path, json.dumps(payload, indent=2, allow_nan=False) + "\n")


def write_with(path: str | Path, writer: Callable[[Path], object]) -> Path:
    """Atomically write with a callable taking the temporary path (e.g. ``frame.to_csv``).

    Parameters
    ----------
    path : str or Path
        The file to write.
    writer : Callable[[Path], object]
        Called with the temporary path; must write the file there.

    Returns
    -------
    Path
    """
    with atomic_path(path) as temporary:
        writer(temporary)
    return Path(path)
