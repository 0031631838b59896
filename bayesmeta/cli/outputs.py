"""The outputs a subcommand writes (``--out``, ``--plot``): declared once where the option is
added, claimed by the dispatcher before the subcommand runs.

Every option added with :func:`add_output_argument` is checked before any work, locked while
the command runs, and leaves no folder behind when the command fails
(:func:`bayesmeta.folders.claimed`), whichever subcommand it belongs to.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

OUTPUTS = "_outputs"
WRITERS: dict[str, frozenset[str]] = {}
"""The files each command's folder output holds (``{"bayesmeta map": {"map.json", ...}}``): a
folder of another command's files is refused naming that command."""


@dataclass(frozen=True)
class Output:
    """One output option of a subcommand.

    Attributes
    ----------
    dest : str
        Its attribute in the parsed arguments.
    option : str
        Its flag (``--out``).
    kind : str
        ``"folder"`` or ``"file"``.
    known : frozenset of str or None
        For a folder replaced whole: the file names written there (anything else is refused).
    """

    dest: str
    option: str
    kind: str = "folder"
    known: frozenset[str] | None = None


def add_output_argument(
    parser: argparse.ArgumentParser,
    flag: str = "--out",
    *,
    kind: str = "folder",
    known: frozenset[str] | None = None,
    **kwargs,
) -> argparse.Action:
    """Add an option naming an output folder or file, claimed before the command runs.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    flag : str, default "--out"
        The option.
    kind : {"folder", "file"}
        What is written there.
    known : frozenset of str, optional
        For a folder replaced whole, the names of the files written into it.
    **kwargs
        Passed to ``add_argument`` (help, metavar, required, default).

    Returns
    -------
    argparse.Action
    """
    if kind not in ("folder", "file"):
        raise ValueError(f"kind must be 'folder' or 'file', not {kind!r}")
    action = parser.add_argument(flag, **kwargs)
    declared = parser.get_default(OUTPUTS) or ()
    output = Output(dest=action.dest, option=flag, kind=kind, known=known)
    if known is not None:
        WRITERS[parser.prog] = known
    parser.set_defaults(**{OUTPUTS: (*declared, output)})
    return action


def declared_outputs(parser: argparse.ArgumentParser) -> tuple[Output, ...]:
    """The output options a (sub)parser declared.

    Parameters
    ----------
    parser : argparse.ArgumentParser
        A subcommand's parser.

    Returns
    -------
    tuple of Output
    """
    return tuple(parser.get_default(OUTPUTS) or ())


@contextmanager
def claimed_outputs(args: argparse.Namespace) -> Iterator[None]:
    """Claim every output the command line names (checked, locked) for the whole command.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed arguments (``_outputs`` set by :func:`add_output_argument`).

    Returns
    -------
    iterator of None

    Raises
    ------
    OutputError
        An output that cannot be written, or that another process is writing.
    """
    from bayesmeta.folders import claimed

    with ExitStack() as stack:
        for output in getattr(args, OUTPUTS, ()):
            value = getattr(args, output.dest, None)
            if value is not None:
                stack.enter_context(
                    claimed(
                        value,
                        option=output.option,
                        kind=output.kind,
                        known=output.known,
                        writers=WRITERS,
                    )
                )
        yield
