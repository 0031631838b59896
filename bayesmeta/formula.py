"""Study-level design matrices from a small formula language, shared by every regression.

``"cancer_type + age_median"`` gives an intercept, treatment-coded dummies for each
categorical covariate (first sorted level is the reference unless set) and numeric columns
as they are. ``"0 + x"`` or ``"x - 1"`` drops the intercept; ``C(x)`` forces a numeric
column to be treated as categorical. Column names follow patsy: ``cancer_type[lymphoma]``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayesmeta.errors import InputError
from bayesmeta.plural import plural

_FACTOR = re.compile(r"^C\((?P<name>[^()]+)\)$")
INTERCEPT = "intercept"


@dataclass(frozen=True)
class Design:
    """A design matrix with the meaning of each column.

    Attributes
    ----------
    matrix : numpy.ndarray
        (k, p) float array, one row per study.
    columns : tuple of str
        Name of each column (``intercept``, ``x[level]``, ``x``).
    factors : dict
        Categorical covariate -> its levels, reference first.
    numeric : tuple of str
        Covariates entered as numeric columns.
    covariates : tuple of str
        Every covariate the formula uses, in formula order.
    """

    matrix: np.ndarray
    columns: tuple[str, ...]
    factors: dict[str, tuple]
    numeric: tuple[str, ...]
    covariates: tuple[str, ...]

    @property
    def has_intercept(self) -> bool:
        return INTERCEPT in self.columns


@dataclass(frozen=True)
class Formula:
    """A parsed formula: covariate terms and whether there is an intercept.

    Attributes
    ----------
    terms : tuple[str, ...]
        Covariate names, in formula order.
    forced_factors : frozenset[str]
        Terms written ``C(x)``: categorical even when numeric.
    intercept : bool
        Whether the model has an intercept (``0 + ...`` or ``- 1`` removes it).
    """

    terms: tuple[str, ...]
    forced_factors: frozenset[str]
    intercept: bool

    @property
    def covariates(self) -> tuple[str, ...]:
        return self.terms

    def without(self, name: str) -> str:
        """The formula's text with the term of covariate ``name`` left out.

        The other terms keep their ``C()`` and the formula its intercept (``0 + ...``), as R's
        ``update(formula, . ~ . - name)`` keeps them.

        Parameters
        ----------
        name : str
            A covariate of the formula.

        Returns
        -------
        str
            The formula without that term; empty when it was the only one.
        """
        rest = [f"C({t})" if t in self.forced_factors else t for t in self.terms if t != name]
        if not rest:
            return ""
        return " + ".join(rest if self.intercept else ["0", *rest])


def parse_formula(formula: str) -> Formula:
    """Parse ``"a + b"``, ``"~ a + C(b)"``, ``"0 + a"`` or ``"a - 1"``.

    Parameters
    ----------
    formula : str
        Covariate formula, e.g. ``"cancer_type + age_median"``.

    Returns
    -------
    Formula

    Raises
    ------
    InputError
        On an empty or malformed formula.
    """
    text = formula.strip()
    if text.startswith("~"):
        text = text[1:].strip()
    if not text:
        raise InputError("formula is empty")
    intercept = True
    if re.search(r"-\s*1\s*$", text):
        intercept = False
        text = re.sub(r"-\s*1\s*$", "", text).strip()
    pieces = [piece.strip() for piece in text.split("+")]
    terms: list[str] = []
    forced: set[str] = set()
    for piece in pieces:
        if piece in ("0", "-1"):
            intercept = False
            continue
        if piece == "1":
            continue
        if not piece:
            raise InputError(f"formula '{formula}': empty term")
        match = _FACTOR.match(piece)
        name = match.group("name").strip() if match else piece
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name):
            raise InputError(f"formula '{formula}': cannot read term '{piece}'")
        if name in terms:
            raise InputError(f"formula '{formula}': term '{name}' appears twice")
        if match:
            forced.add(name)
        terms.append(name)
    return Formula(terms=tuple(terms), forced_factors=frozenset(forced), intercept=intercept)


def design_matrix(
    covariates: pd.DataFrame,
    formula: str | Formula,
    *,
    reference: Mapping[str, object] | None = None,
) -> Design:
    """Build the design matrix of ``formula`` on study-level ``covariates``.

    Parameters
    ----------
    covariates : pandas.DataFrame
        One row per study (e.g. ``MetaData.covariates`` after ``complete_for``); not modified.
    formula : str or Formula
        See the module docstring.
    reference : mapping, optional
        Categorical covariate -> reference level (default: first sorted level).

    Returns
    -------
    Design

    Raises
    ------
    InputError
        For a covariate not in the table, missing values, an unknown reference level, or a
        rank-deficient design.
    """
    parsed = parse_formula(formula) if isinstance(formula, str) else formula
    reference = dict(reference or {})
    for name in reference:
        if name not in parsed.terms:
            raise InputError(f"reference level given for '{name}', which is not in the formula")
    k = len(covariates)
    blocks: list[np.ndarray] = []
    columns: list[str] = []
    factors: dict[str, tuple] = {}
    numeric: list[str] = []
    if parsed.intercept:
        blocks.append(np.ones((k, 1)))
        columns.append(INTERCEPT)
    for name in parsed.terms:
        if name not in covariates.columns:
            raise InputError(f"covariate '{name}' is not a column of the data")
        values = covariates[name]
        if values.isna().any():
            study = values.index[values.isna().to_numpy()][0]
            raise InputError(f"study '{study}': covariate '{name}' is missing")
        if name in parsed.forced_factors or not pd.api.types.is_numeric_dtype(values):
            levels = levels_with_reference(values, name, reference.get(name))
            factors[name] = levels
            dummies_from = levels[1:] if parsed.intercept or factors.keys() - {name} else levels
            as_text = values.astype(str).to_numpy()
            for level in dummies_from:
                blocks.append((as_text == str(level)).astype(float)[:, None])
                columns.append(f"{name}[{level}]")
        else:
            numeric.append(name)
            blocks.append(values.to_numpy(dtype=float)[:, None])
            columns.append(name)
    matrix = np.hstack(blocks) if blocks else np.empty((k, 0))
    if matrix.shape[1] == 0:
        raise InputError(f"formula '{formula}' gives no column")
    if np.linalg.matrix_rank(matrix) < matrix.shape[1]:
        raise InputError(
            f"formula gives a rank-deficient design ({matrix.shape[1]} columns, "
            f"{np.linalg.matrix_rank(matrix)} independent) on the {plural(k, 'study')}"
        )
    return Design(
        matrix=matrix,
        columns=tuple(columns),
        factors=factors,
        numeric=tuple(numeric),
        covariates=parsed.terms,
    )


def without_covariate(design: Design, name: str) -> Design:
    """``design`` without the columns of covariate ``name``.

    With an intercept this is exactly the design of the formula without ``name`` (the other
    terms as written, :meth:`Formula.without`) on the same studies: every other column is coded
    independently of it. So a Bayes-factor companion need not build its design again.

    Parameters
    ----------
    design : Design
        A design with an intercept.
    name : str
        One of ``design.covariates``.

    Returns
    -------
    Design
        The remaining columns, in order (a read-only matrix).
    """
    keep = [i for i, c in enumerate(design.columns) if c != name and not c.startswith(f"{name}[")]
    matrix = np.ascontiguousarray(design.matrix[:, keep])
    matrix.flags.writeable = False
    return Design(
        matrix=matrix,
        columns=tuple(design.columns[i] for i in keep),
        factors={k: v for k, v in design.factors.items() if k != name},
        numeric=tuple(c for c in design.numeric if c != name),
        covariates=tuple(c for c in design.covariates if c != name),
    )


def levels_with_reference(values: pd.Series, name: str, reference: object | None = None) -> tuple:
    """Sorted distinct levels (as strings) with ``reference`` moved first.

    Parameters
    ----------
    values : pandas.Series
        The covariate's values.
    name : str
        The covariate's name (in error messages).
    reference : object, optional
        Reference level.

    Returns
    -------
    tuple

    Raises
    ------
    InputError
        If ``reference`` is not one of the levels.
    """
    levels = sorted({str(v) for v in values.dropna()})
    if reference is not None:
        if str(reference) not in levels:
            raise InputError(
                f"covariate '{name}': unknown level '{reference}' (levels: {', '.join(levels)})"
            )
        levels.remove(str(reference))
        levels.insert(0, str(reference))
    return tuple(levels)
