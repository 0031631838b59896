"""SCENARIOS.toml: the grid of a simulation study, validated.

Example::

    seed = 20250417
    replicates = 1000
    methods = ["EE", "DL", "DL-HK", "REML", "GLMM", "bayes"]

    [grid]                       # every combination is one scenario
    k = [5, 10]                  # studies per meta-analysis
    sizes = ["uniform(20, 100)"] # study sizes: uniform(a, b), lognormal(median, sdlog), fixed(n)
    rate = [0.05, 0.3]           # true median rate expit(mu); or mu = [...] on the logit scale
    tau = [0.0, 1.0]             # true between-study SD (logit scale)

    [priors]                     # optional: priors of the Bayesian methods
    tau = "halfnormal(1.5)"

    [nuts]                       # optional: settings of the (slow) "nuts" method
    draws = 500

The share of rare events is set by ``rate`` and ``sizes`` together; every scenario reports the
realised share of studies with zero events (``zero_share``).
"""

from __future__ import annotations

import itertools
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bayesmeta.errors import BayesmetaError, SpecError
from bayesmeta.model.options import NUTS_SIMULATION

IV = ("EE", "DL", "REML", "PM", "ML", "SJ", "HS", "HE", "EB")
METHODS = (*IV, *(f"{m}-HK" for m in IV if m != "EE"), "GLMM", "bayes", "nuts")
SIZES = re.compile(r"^\s*(uniform|lognormal|fixed)\(\s*([^)]*)\)\s*$")
TOP = {"seed", "replicates", "methods", "level", "grid", "priors", "nuts"}
GRID = {"k", "sizes", "rate", "mu", "tau"}
NUTS_KEYS = {
    "draws": NUTS_SIMULATION.draws,
    "tune": NUTS_SIMULATION.tune,
    "chains": NUTS_SIMULATION.chains,
    "sampler": NUTS_SIMULATION.sampler,
}
MAX_SIZE = 10_000_000  # patients per simulated study
MAX_K = 1_000_000  # studies per simulated meta-analysis
MAX_REPLICATES = 999_999  # task keys hold 6 digits
MAX_SCENARIOS = 999  # and 3


@dataclass(frozen=True)
class Scenario:
    """One point of the grid.

    Attributes
    ----------
    index : int
        Position in the grid (the first part of its task keys).
    k : int
        Studies per meta-analysis.
    sizes : str
        Study-size distribution.
    mu, tau : float
        True logit mean and between-study SD.
    """

    index: int
    k: int
    sizes: str
    mu: float
    tau: float

    @property
    def label(self) -> str:
        """Short label for plots, e.g. ``k=5 tau=1 rate=0.3``."""
        rate = 1 / (1 + math.exp(-self.mu))
        return f"k={self.k} tau={self.tau:g} rate={rate:.3g} n~{self.sizes}"


@dataclass(frozen=True)
class Study:
    """A validated SCENARIOS.toml.

    Attributes
    ----------
    path : Path
        The file.
    seed, replicates : int
        Master seed and replicates per scenario.
    methods : tuple of str
        Methods fitted to every replicate.
    level : float
        Interval level (0.95).
    scenarios : tuple of Scenario
        The grid.
    priors : dict
        Prior strings of the Bayesian methods.
    nuts : dict
        NUTS settings.
    """

    path: Path
    seed: int
    replicates: int
    methods: tuple[str, ...]
    level: float
    scenarios: tuple[Scenario, ...]
    priors: dict[str, str] = field(default_factory=dict)
    nuts: dict[str, Any] = field(default_factory=dict)


def parse_sizes(text: str) -> tuple[str, tuple[float, ...]]:
    """Parse a study-size distribution.

    Parameters
    ----------
    text : str
        ``uniform(a, b)`` (integers a..b), ``lognormal(median, sdlog)`` (rounded, at least 1)
        or ``fixed(n)``.

    Returns
    -------
    (str, tuple of float)
        Family and parameters.

    Raises
    ------
    ValueError
        Anything else.
    """
    match = SIZES.match(text)
    if not match:
        raise ValueError("expected uniform(a, b), lognormal(median, sdlog) or fixed(n)")
    family = match.group(1)
    try:
        params = tuple(float(v) for v in match.group(2).split(","))
    except ValueError:
        raise ValueError("parameters must be numbers") from None
    wanted = {"uniform": 2, "lognormal": 2, "fixed": 1}[family]
    if len(params) != wanted or not all(math.isfinite(v) and v > 0 for v in params):
        raise ValueError(f"{family} takes {wanted} positive finite numbers")
    if family in ("uniform", "fixed") and not all(v == int(v) and v >= 1 for v in params):
        raise ValueError(f"{family}: study sizes are whole numbers of patients, at least 1")
    if family == "lognormal" and params[0] < 1:
        raise ValueError("lognormal(median, sdlog): the median is at least 1 patient")
    if family == "uniform" and params[0] > params[1]:
        raise ValueError("uniform(a, b) needs a <= b")
    largest = params[0] * math.exp(3.72 * params[1]) if family == "lognormal" else max(params)
    if largest > MAX_SIZE:
        raise ValueError(
            f"studies of more than {MAX_SIZE:,} patients"
            + (" (the 99.99% quantile)" if family == "lognormal" else "")
        )
    return family, params


def _fail(path: Path, key: str, message: str) -> SpecError:
    return SpecError(f"{path}: {key}: {message}")


def _numbers(path: Path, key: str, value: Any, *, integer: bool = False) -> list:
    ok_type = int if integer else (int, float)
    if not isinstance(value, list) or not value:
        raise _fail(path, key, f"expected a non-empty array, got {value!r}")
    for item in value:
        if not isinstance(item, ok_type) or isinstance(item, bool):
            raise _fail(path, key, f"expected {'integers' if integer else 'numbers'}, got {item!r}")
        if not math.isfinite(item):
            raise _fail(path, key, f"expected finite numbers, got {item!r}")
    return value


def parse_study(document: dict[str, Any], *, path: Path) -> Study:
    """Validate a parsed SCENARIOS.toml.

    Parameters
    ----------
    document : dict
        Parsed TOML.
    path : Path
        The file (named in errors).

    Returns
    -------
    Study

    Raises
    ------
    SpecError
        Naming the file and the key of every bad entry.
    """
    from bayesmeta.model.priors import parse_prior

    for key in document:
        if key not in TOP:
            raise _fail(path, key, f"unknown key (known: {', '.join(sorted(TOP))})")
    for key in ("seed", "replicates"):
        value = document.get(key)
        if (
            not isinstance(value, int)
            or isinstance(value, bool)
            or value < (0 if key == "seed" else 1)
        ):
            raise _fail(
                path,
                key,
                f"expected a {'non-negative' if key == 'seed' else 'positive'} integer, got {value!r}",
            )
    if document["replicates"] > MAX_REPLICATES:
        raise _fail(path, "replicates", f"at most {MAX_REPLICATES:,}")
    methods = document.get("methods", ["DL", "DL-HK", "GLMM", "bayes"])
    if (
        not isinstance(methods, list)
        or not methods
        or not all(isinstance(m, str) for m in methods)
        or len(set(methods)) != len(methods)
    ):
        raise _fail(path, "methods", "expected a non-empty array of distinct method names")
    for method in methods:
        if method not in METHODS:
            raise _fail(path, "methods", f"unknown method {method!r} (known: {', '.join(METHODS)})")
    level = document.get("level", 0.95)
    if not isinstance(level, float) or not 0 < level < 1:
        raise _fail(path, "level", f"expected a number between 0 and 1, got {level!r}")
    grid = document.get("grid")
    if not isinstance(grid, dict):
        raise _fail(path, "[grid]", "missing table (k, sizes, rate or mu, tau)")
    for key in grid:
        if key not in GRID:
            raise _fail(path, f"[grid] {key}", f"unknown key (known: {', '.join(sorted(GRID))})")
    if ("rate" in grid) == ("mu" in grid):
        raise _fail(path, "[grid] rate", "give exactly one of 'rate' (median rate) or 'mu' (logit)")
    for key in ("k", "sizes", "tau"):
        if key not in grid:
            raise _fail(path, f"[grid] {key}", "missing required key")
    ks = _numbers(path, "[grid] k", grid["k"], integer=True)
    if any(not 2 <= k <= MAX_K for k in ks):
        raise _fail(path, "[grid] k", f"between 2 and {MAX_K:,} studies")
    taus = _numbers(path, "[grid] tau", grid["tau"])
    if any(not 0 <= t <= 10 for t in taus):
        raise _fail(path, "[grid] tau", "a standard deviation from 0 to 10 (logit scale)")
    if "rate" in grid:
        rates = _numbers(path, "[grid] rate", grid["rate"])
        if any(not 0 < r < 1 for r in rates):
            raise _fail(path, "[grid] rate", "rates strictly between 0 and 1")
        mus = [math.log(r / (1 - r)) for r in rates]
    else:
        mus = [float(m) for m in _numbers(path, "[grid] mu", grid["mu"])]
    if any(abs(m) > 20 for m in mus):
        key = "[grid] rate" if "rate" in grid else "[grid] mu"
        raise _fail(path, key, "logit means from -20 to 20 (rates 2e-9 to 1 - 2e-9)")
    sizes = grid["sizes"]
    if not isinstance(sizes, list) or not sizes or not all(isinstance(s, str) for s in sizes):
        raise _fail(path, "[grid] sizes", "expected a non-empty array of strings")
    for text in sizes:
        try:
            parse_sizes(text)
        except ValueError as error:
            raise _fail(path, "[grid] sizes", f"{text!r}: {error}") from None
    priors = document.get("priors", {})
    if not isinstance(priors, dict):
        raise _fail(path, "[priors]", "expected a table")
    for key, text in priors.items():
        if key not in ("mu", "tau") or not isinstance(text, str):
            raise _fail(path, f"[priors] {key}", 'expected mu or tau = "family(...)"')
        try:
            parse_prior(text, role="location" if key == "mu" else "scale", name=f"{key} prior")
        except BayesmetaError as error:
            raise _fail(path, f"[priors] {key}", str(error)) from None
    nuts = _nuts_settings(path, document.get("nuts", {}))
    count = len(ks) * len(sizes) * len(mus) * len(taus)
    if count > MAX_SCENARIOS:
        raise _fail(path, "[grid]", f"{count:,} scenarios, at most {MAX_SCENARIOS}")
    grid_points = itertools.product(ks, sizes, mus, taus)
    scenarios = tuple(
        Scenario(index=i, k=k, sizes=s, mu=float(m), tau=float(t))
        for i, (k, s, m, t) in enumerate(grid_points)
    )
    return Study(
        path=path,
        seed=document["seed"],
        replicates=document["replicates"],
        methods=tuple(methods),
        level=level,
        scenarios=scenarios,
        priors=dict(priors),
        nuts=nuts,
    )


def _nuts_settings(path: Path, table: Any) -> dict[str, Any]:
    from bayesmeta.model.options import SAMPLERS

    if not isinstance(table, dict):
        raise _fail(
            path, "[nuts]", f"expected a table (draws, tune, chains, sampler), got {table!r}"
        )
    nuts = {**NUTS_KEYS, **table}
    for key, value in nuts.items():
        if key not in NUTS_KEYS:
            raise _fail(path, f"[nuts] {key}", f"unknown key (known: {', '.join(NUTS_KEYS)})")
        if key == "sampler":
            if value not in SAMPLERS:
                raise _fail(path, "[nuts] sampler", f"expected one of {', '.join(SAMPLERS)}")
        elif not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 100_000:
            raise _fail(
                path, f"[nuts] {key}", f"expected an integer from 1 to 100000, got {value!r}"
            )
    return nuts


def read_study(path: str | Path) -> Study:
    """Read and validate a SCENARIOS.toml.

    Parameters
    ----------
    path : path
        The file.

    Returns
    -------
    Study

    Raises
    ------
    SpecError
        Unreadable file or bad entry.
    """
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{path}: no such scenarios file")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SpecError(f"{path}: invalid TOML ({error})") from None
    return parse_study(document, path=path)
