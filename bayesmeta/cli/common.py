"""Argument helpers shared by the subcommands: data options, JSON output, one-line errors."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from bayesmeta.data.names import COVARIATES, DATASETS
from bayesmeta.versions import json_ready as _json_ready
from bayesmeta.versions import with_versions

if TYPE_CHECKING:
    from bayesmeta.data import MetaData


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def add_data_arguments(parser: argparse.ArgumentParser, *, outcome_required: bool = True) -> None:
    """DATA plus ``--events``, ``--total`` and ``--study`` (same order in every subcommand).

    Parameters
    ----------
    parser : argparse.ArgumentParser
        The subcommand's parser.
    outcome_required : bool, optional
        Whether ``--events`` and ``--total`` are required.
    """
    parser.add_argument(
        "data",
        metavar="DATA",
        help=f"CSV file, one row per study, or a bundled data set ({', '.join(DATASETS)})",
    )
    parser.add_argument(
        "--events", required=outcome_required, help="column with the number of events"
    )
    parser.add_argument(
        "--total", required=outcome_required, help="column with the number of patients"
    )
    parser.add_argument(
        "--study", default="study", help="column with study labels (default: study)"
    )


def load_data(args: argparse.Namespace) -> MetaData:
    """Read DATA (a CSV path or a bundled data set name) and validate it.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed command-line arguments.

    Returns
    -------
    MetaData
    """
    from bayesmeta.data import from_frame, load_dataset, read_table

    path = Path(args.data)
    covariates = None  # a user's table: every other column is a covariate
    if not path.exists() and args.data in DATASETS:
        frame = load_dataset(args.data)
        covariates = [c for c in COVARIATES if c not in (args.events, args.total, args.study)]
    else:
        frame = read_table(path)
    return from_frame(
        frame, events=args.events, total=args.total, study=args.study, covariates=covariates
    )


def print_json(payload: dict[str, Any] | list[Any]) -> None:
    """Print one JSON object on stdout (NaN and inf become null), with ``versions``.

    Parameters
    ----------
    payload : dict[str, Any] or list[Any]
        The JSON payload of a result (``to_dict()``).
    """
    json.dump(_json_ready(with_versions(payload)), sys.stdout, indent=2)
    sys.stdout.write("\n")


def interval_row(label: str, interval: dict[str, float] | None) -> str:
    """One line of a text report: ``label``, then the median and the interval (``-`` if none).

    Parameters
    ----------
    label : str
        What the interval is of.
    interval : dict or None
        ``median``, ``lo``, ``hi``.

    Returns
    -------
    str
    """
    if interval is None:
        return f"  {label:<34} -"
    return f"  {label:<34} {interval['median']:.3f}  [{interval['lo']:.3f}, {interval['hi']:.3f}]"
