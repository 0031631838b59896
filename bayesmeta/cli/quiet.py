"""Warnings on the command line: third-party noise filtered by exact message, ours on one line.

A normal run prints nothing on stderr but bayesmeta's own messages. Known third-party notices
that say nothing about the user's analysis are filtered by their exact message, never by
category or module: ArviZ's daily "undergoing a major refactor" FutureWarning. (PyTensor's
"could not link to a BLAS installation" is not filtered: it is fixed at its root, see
:mod:`bayesmeta.model.sampler_backend`.) Every warning that remains is printed as one line, without
the Python source line that ``warnings`` prints under it by default.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

#: (category, start of the exact message) of third-party notices filtered at the CLI entry.
FILTERED: tuple[tuple[type[Warning], str], ...] = (
    (
        FutureWarning,
        "\nArviZ is undergoing a major refactor to improve flexibility and extensibility "
        "while maintaining a user-friendly interface.",
    ),
)


def one_line(message: Warning | str, category: type[Warning], filename: str, command: str) -> str:
    """A warning as one line: ours as ``bayesmeta CMD: warning: ...``, others with their origin.

    Parameters
    ----------
    message : Warning or str
        The warning.
    category : type
        Its category.
    filename : str
        The file that issued it.
    command : str
        The subcommand, for the prefix.

    Returns
    -------
    str
        One line, ending in a newline.
    """
    text = " ".join(str(message).split())
    if category.__module__.startswith("bayesmeta") or "/bayesmeta/" in filename.replace("\\", "/"):
        return f"bayesmeta {command}: warning: {text}\n"
    return f"bayesmeta {command}: warning ({category.__name__}, {filename}): {text}\n"


@contextmanager
def cli_warnings(command: str) -> Iterator[None]:
    """Filter the known third-party notices and print every other warning on one line.

    Parameters
    ----------
    command : str
        The subcommand, for the prefix of each line.

    Returns
    -------
    contextmanager
    """
    with warnings.catch_warnings():
        for category, start in FILTERED:
            warnings.filterwarnings("ignore", message=re.escape(start), category=category)

        def show(message, category, filename, lineno, file=None, line=None):
            stream = sys.stderr if file is None else file
            try:
                stream.write(one_line(message, category, filename, command))
            except OSError:  # stderr closed: nowhere to warn
                pass

        warnings.showwarning = show
        yield
