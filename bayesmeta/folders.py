"""Output folders: checked before any work, locked, and replaced whole.

- :func:`check_writable` runs before fitting: ``--out`` naming a file, or a place where no
  folder can be made (``/proc/x``, no permission), is a one-line :class:`OutputError`.
- :func:`locked` takes a lock per output folder (``fcntl.flock`` on a sibling file
  ``.<name>.bayesmeta-lock``, removed afterwards); a second process writing the same folder is
  refused with one line instead of mixing its files with the first one's.
- :func:`replaced_folder` yields a sibling temporary folder to write into; on success the old
  folder is moved aside, the new one renamed into place and only then the old one removed. A
  folder therefore holds one run's files, never a mix, and never stale files of an earlier model.
  Any failure (an exception, Ctrl-C, SIGTERM, a full disk) removes the temporary folder and
  leaves the previous folder as it was.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from bayesmeta.atomic import TAG, honour_umask, sweep_stale, temporary_prefix
from bayesmeta.errors import OutputError


def _reason(error: OSError) -> str:
    if error.errno in (errno.EFBIG, errno.ENOSPC, errno.EDQUOT):
        return "the disk is full or the file size limit is reached"
    return error.strerror or type(error).__name__


def check_writable(path: str | Path, *, option: str = "--out") -> Path:
    """Check, before any work, that a folder can be created or written at ``path``.

    Parameters
    ----------
    path : str or Path
        The output folder (need not exist).
    option : str
        How the user named it, for the message.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputError
        ``path`` or one of its parents is a file, or no folder can be made there.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{option} {path}: exists and is not a folder")
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"{option} {path}: {existing} is a file, not a folder")
    try:  # the only reliable test (root, /proc, read-only mounts): make a folder there
        probe = tempfile.mkdtemp(prefix=temporary_prefix("probe"), dir=existing)
    except OSError as error:
        raise OutputError(f"{option} {path}: cannot write there ({_reason(error)})") from None
    os.rmdir(probe)
    return path


_HELD: dict[str, int] = {}  # lock files this process holds -> depth (the lock is re-entrant)


@contextmanager
def locked(folder: str | Path, *, option: str = "--out") -> Iterator[Path]:
    """Hold the lock of an output folder while writing it.

    Parameters
    ----------
    folder : str or Path
        The output folder (its parent is created if needed).
    option : str
        How the user named it, for the message.

    Returns
    -------
    iterator of Path
        ``folder``, locked until the block ends.

    Raises
    ------
    OutputError
        Another process holds the lock (this process may take it again: the lock is
        re-entrant), or the parent folder cannot be made.
    """
    import fcntl

    folder = Path(os.path.abspath(folder))
    lock = folder.parent / f".{folder.name}.{TAG}-lock"
    if str(lock) in _HELD:  # this process holds it already (the CLI took it before the work)
        _HELD[str(lock)] += 1
        try:
            yield folder
        finally:
            _HELD[str(lock)] -= 1
        return
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"{option} {folder}: cannot write there ({_reason(error)})") from None
    while True:
        handle = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            raise OutputError(
                f"{option} {folder}: another bayesmeta process is writing this folder; wait "
                "for it to finish or choose another folder"
            ) from None
        try:  # the holder before us may have removed the file: lock the current one
            if os.stat(lock).st_ino == os.fstat(handle).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(handle)
    _HELD[str(lock)] = 1
    try:
        yield folder
    finally:
        del _HELD[str(lock)]
        Path(lock).unlink(missing_ok=True)
        os.close(handle)


def _replaceable(
    target: Path,
    known: frozenset[str],
    option: str,
    writers: Mapping[str, frozenset[str]] | None = None,
) -> None:
    if target.exists() and not target.is_dir():
        raise OutputError(f"{option} {target}: exists and is not a folder")
    if not target.is_dir():
        return
    sweep_stale(target)
    foreign = sorted(p.name for p in target.iterdir() if p.name not in known)
    if foreign:
        held = f"{', '.join(foreign[:3])}{'...' if len(foreign) > 3 else ''}"
        owners = [name for name, files in (writers or {}).items() if set(foreign) <= files]
        if owners:
            raise OutputError(
                f"{option} {target}: holds the output of `{owners[0]}` ({held}), which this "
                f"command would replace whole; choose another folder for {option}"
            )
        raise OutputError(
            f"{option} {target}: this folder was not written by bayesmeta and would be replaced "
            f"whole (it holds {held}); choose another folder"
        )
    if Path.cwd().resolve().is_relative_to(target.resolve()):
        raise OutputError(f"{option} {target}: the current folder cannot be replaced")


@contextmanager
def replaced_folder(
    target: str | Path, *, known: frozenset[str] = frozenset(), option: str = "--out"
) -> Iterator[Path]:
    """Write a folder whole: yield a sibling temporary folder, then swap it into place.

    Parameters
    ----------
    target : str or Path
        The folder to (re)place.
    known : frozenset of str
        File names bayesmeta writes there: an existing folder is replaced only if it holds
        nothing else (a folder of someone else's files is refused, never deleted).
    option : str
        How the user named it, for messages.

    Returns
    -------
    iterator of Path
        The temporary folder to write into.

    Raises
    ------
    OutputError
        ``target`` is a file or a folder of someone else's files; or writing failed with an
        OSError (full disk, permissions): the temporary folder is removed and ``target`` left
        as it was.
    """
    target = Path(target)
    parent = target.parent
    _replaceable(target, known, option)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        sweep_stale(parent)
        temporary = Path(tempfile.mkdtemp(prefix=temporary_prefix(target.name), dir=parent))
        honour_umask(temporary, folder=True)
    except OSError as error:
        raise OutputError(f"{option} {target}: cannot write there ({_reason(error)})") from None
    old = None
    try:
        try:
            yield temporary
            if target.is_dir():
                old = Path(tempfile.mkdtemp(prefix=temporary_prefix(target.name), dir=parent))
                os.rename(target, old / "old")
            os.rename(temporary, target)
        except OSError as error:
            raise OutputError(
                f"{option} {target}: writing failed ({_reason(error)}); nothing was written"
            ) from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        if old is not None and (old / "old").is_dir() and not target.exists():
            os.rename(old / "old", target)  # put the previous folder back
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def check_file_writable(path: str | Path, *, option: str) -> Path:
    """Check, before any work, that a file can be written (or replaced) at ``path``.

    Parameters
    ----------
    path : str or Path
        The output file (need not exist).
    option : str
        How the user named it, for the message.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputError
        ``path`` is a folder or not a regular file (``/dev/null``), a parent is a file, or
        nothing can be written there.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{option} {path}: is a folder, not a file")
    if path.exists() and not path.is_file():
        raise OutputError(f"{option} {path}: exists and is not a regular file")
    existing = path.parent
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"{option} {path}: {existing} is a file, not a folder")
    try:
        handle, probe = tempfile.mkstemp(prefix=temporary_prefix("probe"), dir=existing)
    except OSError as error:
        raise OutputError(f"{option} {path}: cannot write there ({_reason(error)})") from None
    os.close(handle)
    os.unlink(probe)
    return path


def _missing_folders(path: Path) -> list[Path]:
    """``path`` and its parents that do not exist yet, deepest first."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    return missing


@contextmanager
def claimed(
    path: str | Path,
    *,
    option: str = "--out",
    kind: str = "folder",
    known: frozenset[str] | None = None,
    writers: Mapping[str, frozenset[str]] | None = None,
) -> Iterator[Path]:
    """The one mechanism of every command that writes an output: checked before any work,
    locked while the command runs, and nothing left behind when it fails.

    Parameters
    ----------
    path : str or Path
        The output folder (``kind="folder"``) or file (``kind="file"``).
    option : str
        How the user named it (``--out``, ``--plot``), for messages.
    kind : {"folder", "file"}
        What is written there.
    known : frozenset of str, optional
        For a folder that is replaced whole: the file names bayesmeta writes there; an existing
        folder holding anything else is refused before any work.
    writers : mapping of str to frozenset of str, optional
        The file names each other command writes (``{"bayesmeta map": {...}}``): a folder
        holding only one command's files is refused naming that command.

    Returns
    -------
    iterator of Path
        ``path``, locked until the block ends.

    Raises
    ------
    OutputError
        The output cannot be written there, another process is writing it, or (``known``) it is
        a folder of someone else's files.
    """
    path = Path(path)
    if kind == "file":
        check_file_writable(path, option=option)
        made = _missing_folders(path.parent)
    else:
        check_writable(path, option=option)
        if known is not None:
            _replaceable(path, known, option, writers)
        made = _missing_folders(path)
    try:
        with locked(path, option=option):
            yield path
    except BaseException:
        for folder in made:  # folders this command made and left empty
            try:
                folder.rmdir()
            except FileNotFoundError:
                continue
            except OSError:
                break
        raise


@contextmanager
def writing(path: str | Path, *, option: str = "--out", hint: str = "") -> Iterator[None]:
    """Turn an OSError while writing outputs (full disk, permissions) into one line.

    Parameters
    ----------
    path : str or Path
        The output being written.
    option : str
        How the user named it.
    hint : str
        What the user can do next (e.g. that ``--resume`` continues).

    Returns
    -------
    iterator of None

    Raises
    ------
    OutputError
        In place of any OSError raised in the block.
    """
    try:
        yield
    except OSError as error:
        raise OutputError(
            f"{option} {path}: writing failed ({_reason(error)}){'; ' + hint if hint else ''}"
        ) from None
