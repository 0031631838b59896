"""Which model and level a MAP prior is for: ``--level`` or a covariate ``--pattern``.

A pattern ``"cancer_type=myeloma"`` names the covariate values of the new study. With a
meta-regression (``--formula`` or a regression spec file) it is served by the exact regression
engine at the pattern's design row x (loc = x'beta over its (beta, tau) nodes), any mix of factor
levels and numbers. Without a formula, a one-factor pattern is served by the subgroup model by
that covariate (the level's own grid); several covariates or a numeric one need ``--formula``.
"""

from __future__ import annotations

import numpy as np

from bayesmeta.errors import InputError


def parse_pattern(text: str) -> dict[str, str]:
    """``"a=x, b=y"`` -> ``{"a": "x", "b": "y"}``.

    Parameters
    ----------
    text : str

    Returns
    -------
    dict
    """
    out: dict[str, str] = {}
    for part in str(text).split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise InputError(
                f"--pattern '{text}': write covariate=level pairs, e.g. 'cancer_type=myeloma'"
            )
        if name in out:
            raise InputError(f"--pattern '{text}': covariate '{name}' is given twice")
        out[name] = value
    if not out:
        raise InputError("--pattern: empty pattern")
    return out


def check_level(data, column: str, level: str, *, option: str) -> None:
    """Raise a one-line InputError unless ``column`` is a covariate with studies at ``level``.

    Parameters
    ----------
    data : MetaData
    column : str
    level : str
    option : str
        The option named in the message (``--level`` or ``--pattern``).

    Returns
    -------
    None
    """
    covariates = data.covariates
    if column not in covariates.columns:
        available = ", ".join(map(str, covariates.columns)) or "none"
        raise InputError(f"{option}: unknown covariate '{column}' (covariates: {available})")
    values = sorted({str(v) for v in covariates[column].dropna()})
    if level not in values:
        raise InputError(
            f"{option} {column}={level}: no studies at level '{level}' of '{column}' "
            f"(levels with studies: {', '.join(values)})"
        )


def pattern_row(design, values: dict[str, str]) -> np.ndarray:
    """The design-matrix row of a new study with covariate ``values`` (for ``loc = x' beta``).

    Parameters
    ----------
    design : bayesmeta.formula.Design
        The regression's design (column names ``intercept``, ``x[level]``, ``x``).
    values : dict
        Covariate -> value (a level for a factor, a number for a numeric covariate); every
        covariate of the formula, and only those.

    Returns
    -------
    numpy.ndarray
        Shape (p,).
    """
    missing = [c for c in design.covariates if c not in values]
    if missing:
        raise InputError(
            f"--pattern: give every covariate of the formula (missing: {', '.join(missing)})"
        )
    extra = [c for c in values if c not in design.covariates]
    if extra:
        raise InputError(f"--pattern: covariate '{extra[0]}' is not in the formula")
    for name, levels in design.factors.items():
        if values[name] not in {str(v) for v in levels}:
            raise InputError(
                f"--pattern {name}={values[name]}: no studies at that level "
                f"(levels: {', '.join(map(str, levels))})"
            )
    row = []
    for column in design.columns:
        if column == "intercept":
            row.append(1.0)
        elif column in design.numeric:
            try:
                row.append(float(values[column]))
            except ValueError:
                raise InputError(
                    f"--pattern {column}={values[column]}: a number is needed"
                ) from None
        else:
            name, _, level = column.partition("[")
            row.append(1.0 if values[name] == level[:-1] else 0.0)
    return np.asarray(row)


def resolve(spec, *, level: str | None = None, pattern: str | None = None):
    """The model, and the level or covariate pattern, a MAP prior is derived from.

    Parameters
    ----------
    spec : ModelSpec
        The model the user asked for (random, common, subgroup or regression).
    level : str, optional
        A level of ``spec.by``.
    pattern : str, optional
        Covariate values of the new study.

    Returns
    -------
    (ModelSpec, str or dict or None)
        The model, then the level (subgroup), the covariate values (regression) or None.
    """
    from bayesmeta.bayes import build_model

    if level is not None and pattern is not None:
        raise InputError("give either --level or --pattern, not both")
    if pattern is None:
        if spec.kind == "regression":
            raise InputError("a meta-regression MAP prior needs the new study's --pattern")
        if level is not None:
            if spec.kind != "subgroup":
                raise InputError("--level needs a subgroup model (--by COLUMN)")
            check_level(spec.data, spec.by, level, option="--level")
        elif spec.kind == "subgroup":
            raise InputError(f"--by {spec.by}: name the level of the new study with --level")
        return spec, level
    values = parse_pattern(pattern)
    covariates = spec.data.covariates
    for column in values:
        if column not in covariates.columns:
            available = ", ".join(map(str, covariates.columns)) or "none"
            raise InputError(f"--pattern: unknown covariate '{column}' (covariates: {available})")
    if spec.kind == "regression":
        pattern_row(spec.design, values)  # one-line errors for missing, extra or unknown values
        return spec, values
    numeric = [c for c in values if _numeric(covariates[c])]
    if numeric or len(values) > 1:
        formula = " + ".join(values)
        what = (
            f"the numeric covariate '{numeric[0]}' needs" if numeric else "several covariates need"
        )
        raise InputError(
            f"--pattern '{pattern}': {what} a meta-regression; add --formula '{formula}'"
        )
    ((column, value),) = values.items()
    check_level(spec.data, column, value, option="--pattern")
    if spec.kind == "subgroup":
        if spec.by != column:
            raise InputError(
                f"--pattern {column}={value}: the model groups by '{spec.by}', not '{column}'"
            )
        return spec, value
    if spec.kind == "common":
        raise InputError("--pattern needs the random-intercept, subgroup or regression model")
    model = build_model(
        spec.data,
        by=column,
        separate_tau=spec.separate_tau,
        mu_prior=spec.priors.mu,
        tau_prior=spec.priors.tau,
    )
    return model, value


def _numeric(values) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(values))
