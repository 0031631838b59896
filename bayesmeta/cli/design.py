"""`bayesmeta design`: exact operating characteristics of a one-sample binomial design."""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from bayesmeta.cli.common import print_json
from bayesmeta.cli.outputs import add_output_argument

MAX_PRIOR_BYTES = 10_000_000  # a MAP file is a few hundred bytes
MAX_N = 100_000  # patients in a one-sample trial (--n, --n-max)
DESIGN_FILES = frozenset({"design.json", "oc.csv", "oc.png", "report.md"})
"""Every file ``design --out`` writes (a folder of only these is replaced whole)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``design`` subcommand.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The console command's subparsers.

    Returns
    -------
    None

    """
    parser = subparsers.add_parser(
        "design",
        help="operating characteristics of a one-sample design with a MAP prior (exact)",
        description=(
            "Success if P(p > p0 | data) > confidence. Reports the fewest responders for success "
            "(critical), the type-I error at p0 and the power over true rates, by exact binomial "
            "sums, with the MAP prior and with a vague prior; optionally a NO-GO rule and the "
            "smallest n reaching a target power."
        ),
    )
    parser.add_argument(
        "--prior", required=True, metavar="JSON", help="map.json or `map --json` output"
    )
    parser.add_argument("--n", type=int, required=True, help="patients in the trial")
    parser.add_argument("--p0", type=float, required=True, help="null response rate")
    parser.add_argument("--confidence", type=float, default=0.9, help="success threshold (0.9)")
    parser.add_argument(
        "--vague", type=float, nargs=2, default=(1.0, 1.0), metavar=("A", "B"),
        help="the comparison prior Beta(A, B) (default 1 1)",
    )  # fmt: skip
    parser.add_argument(
        "--nogo-rate", type=float, metavar="P", help="NO-GO if P(p < P | data) > ..."
    )
    parser.add_argument(
        "--nogo-confidence", type=float, metavar="C", help="... this (default: --confidence)"
    )
    parser.add_argument(
        "--target-power", type=float, metavar="Q", help="find the smallest n with this power ..."
    )
    parser.add_argument("--at-rate", type=float, metavar="R", help="... at this true rate")
    parser.add_argument(
        "--rates",
        metavar="R,R,...",
        help="true rates for the power (default 0, 0.01, ..., 1 and p0)",
    )
    parser.add_argument(
        "--n-max", type=int, default=None, metavar="N", help="largest n searched (400)"
    )
    direction = parser.add_mutually_exclusive_group()
    direction.add_argument(
        "--lower-is-better",
        action="store_true",
        help="deaths, toxicities: GO if P(p < p0 | data) > confidence, NO-GO if "
        "P(p > NOGO_RATE | data) > ... (default: the prior's outcome decides; else higher)",
    )
    direction.add_argument(
        "--higher-is-better",
        action="store_true",
        help="responses: GO if P(p > p0 | data) > confidence (the default unless the prior's "
        "outcome is a death or toxicity)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_output_argument(
        parser,
        known=DESIGN_FILES,
        metavar="DIR",
        help="write design.json, oc.csv, oc.png, report.md here",
    )
    parser.set_defaults(handler=run)


def read_prior(path: str):
    """The ``mixture`` of a MAP JSON file as a :class:`BetaMixture` (one-line errors).

    Parameters
    ----------
    path : str
        map.json or saved ``map --json`` output.

    Returns
    -------
    BetaMixture
        The prior.
    """
    return _read_prior(path)[0]


def _read_prior(path: str):
    """(BetaMixture, the outcome named in the file's ``model`` or None)."""
    from bayesmeta.errors import InputError
    from bayesmeta.trial import BetaMixture

    try:
        with open(path, "rb") as handle:  # bounded: --prior /dev/zero must not read forever
            raw = handle.read(MAX_PRIOR_BYTES + 1)
        document = None if len(raw) > MAX_PRIOR_BYTES else json.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise InputError(f"--prior {path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"--prior {path}: cannot read ({error.__class__.__name__})") from None
    except json.JSONDecodeError as error:
        raise InputError(f"--prior {path}: not JSON (line {error.lineno}: {error.msg})") from None
    except RecursionError:
        raise InputError(f"--prior {path}: JSON nested too deeply; not a MAP file") from None
    except ValueError as error:  # an integer of more than 4300 digits
        raise InputError(f"--prior {path}: not a MAP file ({error})") from None
    if document is None:
        raise InputError(
            f"--prior {path}: larger than {MAX_PRIOR_BYTES // 1_000_000} MB; not a MAP file"
        )
    if not isinstance(document, dict) or not isinstance(document.get("mixture"), list):
        raise InputError(f"{path}: no 'mixture' list (write it with `bayesmeta map --json`)")
    mixture = BetaMixture.from_records(document["mixture"], source=f"{path}: mixture")
    model = document.get("model")
    outcome = model.get("outcome") if isinstance(model, dict) else None
    return mixture, outcome if isinstance(outcome, str) else None


def direction_of(args: argparse.Namespace, outcome: str | None) -> tuple[bool, str]:
    """Whether lower is better, and why (the option, or the prior's outcome).

    Parameters
    ----------
    args : argparse.Namespace
        Parsed command line (``lower_is_better``, ``higher_is_better``).
    outcome : str or None
        The outcome named in the prior file.

    Returns
    -------
    tuple of (bool, str)
        Lower is better; the reason in words.
    """
    from bayesmeta.data.outcome_words import outcome_words

    if args.lower_is_better:
        return True, "--lower-is-better"
    if args.higher_is_better:
        return False, "--higher-is-better"
    words = outcome_words(outcome)
    if words.lower_is_better is not None:
        return words.lower_is_better, f"the prior's outcome '{outcome}' is a {words.rate}"
    return False, "higher is better (the default)"


def design(args: argparse.Namespace) -> dict[str, Any]:
    """The JSON payload of a design.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed command line.

    Returns
    -------
    dict
        critical, type1, power, vague, smallest_n and the curves (key ``_curves``) for the plot.
    """
    from bayesmeta.errors import InputError
    from bayesmeta.trial import BetaMixture, operating_characteristics, smallest_n
    from bayesmeta.trial.oc import check_design

    check_design(n=args.n, p0=args.p0, confidence=args.confidence)
    if (args.target_power is None) != (args.at_rate is None):
        raise InputError("--target-power and --at-rate go together")
    if args.n_max is not None and args.target_power is None:
        raise InputError("--n-max applies with --target-power and --at-rate (the search for n)")
    if args.nogo_confidence is not None and args.nogo_rate is None:
        raise InputError("--nogo-confidence applies with --nogo-rate (the NO-GO rule)")
    n_max = 400 if args.n_max is None else args.n_max
    if not 1 <= n_max <= MAX_N:
        raise InputError(f"--n-max {n_max}: the largest n searched, from 1 to {MAX_N:,}")
    if args.n > MAX_N:
        raise InputError(f"--n {args.n}: at most {MAX_N:,} patients")
    if not all(math.isfinite(v) and 1e-3 <= v <= 1e6 for v in args.vague):
        raise InputError(
            f"--vague {args.vague[0]:g} {args.vague[1]:g}: the shapes A and B of the vague "
            "Beta prior must be finite numbers from 0.001 to 1e6"
        )
    prior, outcome = _read_prior(args.prior)
    lower, why = direction_of(args, outcome)
    vague = BetaMixture(weight=[1.0], a=[args.vague[0]], b=[args.vague[1]])
    rates = None
    if args.rates:
        try:
            rates = [float(r) for r in args.rates.split(",") if r.strip()]
        except ValueError:
            raise InputError(f"--rates {args.rates}: comma-separated numbers in [0, 1]") from None
        if not rates:
            raise InputError("--rates: no rate given")
        bad = [r for r in rates if not (math.isfinite(r) and 0 <= r <= 1)]
        if bad:
            raise InputError(f"--rates {args.rates}: {bad[0]:g} is not a rate in [0, 1]")
    rule = {
        "rates": rates,
        "n": args.n,
        "p0": args.p0,
        "confidence": args.confidence,
        "nogo_rate": args.nogo_rate,
        "nogo_confidence": args.nogo_confidence,
        "lower_is_better": lower,
    }
    with_map = operating_characteristics(prior, **rule)
    with_vague = operating_characteristics(vague, **rule)
    payload = with_map.to_dict()
    payload["prior"] = {"file": str(args.prior), "mixture": prior.to_records()}
    payload["outcome"] = outcome
    payload["direction_from"] = why
    payload["vague"] = {
        "prior": f"Beta({args.vague[0]:g}, {args.vague[1]:g})",
        **with_vague.to_dict(),
    }
    if args.target_power is not None:
        found = {}
        for name, mix in (("map", prior), ("vague", vague)):
            found[name] = smallest_n(
                mix, p0=args.p0, confidence=args.confidence,
                target_power=args.target_power, at_rate=args.at_rate, n_max=n_max,
                lower_is_better=lower,
            )  # fmt: skip
        payload["smallest_n"] = {
            "target_power": args.target_power,
            "at_rate": args.at_rate,
            "n": found["map"],
            "n_vague": found["vague"],
            "n_max": n_max,
        }
    payload["_curves"] = {"MAP prior": with_map, payload["vague"]["prior"]: with_vague}
    return payload


def run(args: argparse.Namespace) -> int:
    """Run ``bayesmeta design``.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed command line.

    Returns
    -------
    int
        Exit status 0.
    """
    from bayesmeta.cli.common import _json_ready
    from bayesmeta.errors import InputError

    if args.out and Path(args.out).exists() and not Path(args.out).is_dir():
        raise InputError(f"--out {args.out}: exists and is not a folder")
    payload = design(args)
    curves = payload.pop("_curves")
    payload = _json_ready(payload)
    if args.out:
        write_report(payload, curves, Path(args.out))
    if args.json:
        print_json(payload)
    else:
        print(format_design(payload))
    return 0


def write_report(payload: dict[str, Any], curves: dict, folder: Path) -> list[str]:
    """design.json, oc.csv, oc.png and report.md, written as one folder.

    Parameters
    ----------
    payload : dict
        The JSON payload.
    curves : dict
        Prior label -> OperatingCharacteristics.
    folder : Path
        The report folder.

    Returns
    -------
    list of str
        The files written.
    """
    from bayesmeta.trial.figures import oc_figure
    from bayesmeta.trial.report import (
        design_markdown,
        json_writer,
        png_writer,
        text_writer,
        write_folder,
    )

    rows = ["rate,power_map,power_vague"] + [
        f"{rate},{payload['power'][rate]!r},{payload['vague']['power'][rate]!r}"
        for rate in payload["power"]
    ]
    return write_folder(
        folder,
        {
            "design.json": json_writer(payload),
            "oc.csv": text_writer("\n".join(rows) + "\n"),
            "oc.png": png_writer(
                oc_figure(curves, p0=payload["p0"], outcome=payload.get("outcome"))
            ),
            "report.md": text_writer(design_markdown(payload)),
        },
    )


def format_design(payload: dict[str, Any]) -> str:
    """A short human-readable summary.

    Parameters
    ----------
    payload : dict
        The JSON payload.

    Returns
    -------
    str
        Text.
    """
    direction, why = payload["direction"], payload.get("direction_from", "")
    said = why if why.startswith(direction) else f"{direction} ({why})"  # the default says it
    lines = [f"n = {payload['n']}, {said}"]
    for label, oc in (("MAP prior", payload), (payload["vague"]["prior"], payload["vague"])):
        lines.append(f"  {label:<14} {oc['go_rule']}; type I {oc['type1']:.4f}")
        if oc.get("nogo_rule"):
            lines.append(f"  {'':<14} {oc['nogo_rule']}")
    if "smallest_n" in payload:
        s = payload["smallest_n"]
        lines.append(
            f"  smallest n with power >= {s['target_power']:g} at {s['at_rate']:g}: "
            f"MAP {s['n']}, vague {s['n_vague']}"
        )
    return "\n".join(lines)
