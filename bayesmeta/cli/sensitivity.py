"""`bayesmeta sensitivity`: placeholder until its issue lands."""

from __future__ import annotations

import argparse

from bayesmeta.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sensitivity", help="(not implemented yet)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    raise InputError("'sensitivity' is not implemented yet")
