"""`JointDraws` from plain arrays (saved runs, prior draws): the ArviZ layout built once here."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bayesmeta.errors import InputError
from bayesmeta.joint.nuts import JointDraws

__all__ = ["SUMMARY_ATTR", "draws_from_arrays", "load_draws", "load_posterior"]

SUMMARY_ATTR = "bayesmeta_joint_summary"
"""Attribute of ``posterior.nc`` holding the fit's JSON payload (``fit --out``, ``run``)."""


def draws_from_arrays(
    mu: np.ndarray,
    tau: np.ndarray,
    corr: np.ndarray,
    *,
    names: tuple[str, ...] | list[str],
    studies: tuple[str, ...] | list[str] = (),
    slopes: np.ndarray | None = None,
    u: np.ndarray | None = None,
    slope_names: tuple[str, ...] | list[str] = (),
) -> JointDraws:
    """Joint-model draws ``(chain, draw, ...)`` as :class:`JointDraws` with their InferenceData.

    Parameters
    ----------
    mu, tau : numpy.ndarray
        ``(chain, draw, outcome)``.
    corr : numpy.ndarray
        ``(chain, draw, outcome, outcome)``.
    names : sequence of str
        The (latent) outcomes.
    studies : sequence of str, optional
        Study labels (needed with ``u``).
    slopes : numpy.ndarray, optional
        ``(chain, draw, outcome, p - 1)``.
    u : numpy.ndarray, optional
        Study effects ``(chain, draw, study, outcome)``; zeros when not given (the study rates
        are then the pooled ones).
    slope_names : sequence of str, optional
        Names of the slopes.

    Returns
    -------
    JointDraws
    """
    import arviz as az

    mu, tau, corr = (np.asarray(a, dtype=float) for a in (mu, tau, corr))
    chains, draws, m = mu.shape
    if tau.shape != mu.shape or corr.shape != (chains, draws, m, m) or len(names) != m:
        raise InputError(
            "draws: mu, tau (chain, draw, outcome) and corr (..., outcome, outcome) disagree"
        )
    slopes = np.zeros((chains, draws, m, 0)) if slopes is None else np.asarray(slopes, dtype=float)
    u = np.zeros((chains, draws, len(studies), m)) if u is None else np.asarray(u, dtype=float)
    posterior = {"mu": mu, "tau": tau, "corr": corr, "u": u}
    if slopes.shape[-1]:
        posterior["slopes"] = slopes
    diverging = np.zeros((chains, draws), dtype=bool)
    idata = az.from_dict(
        posterior=posterior,
        sample_stats={"diverging": diverging},
        coords={
            "outcome": list(names),
            "outcome_bis": list(names),
            "study": list(studies),
            "slope": list(slope_names),
        },
        dims={
            "mu": ["outcome"],
            "tau": ["outcome"],
            "corr": ["outcome", "outcome_bis"],
            "u": ["study", "outcome"],
            "slopes": ["outcome", "slope"],
        },
    )
    return JointDraws(
        mu=mu, slopes=slopes, tau=tau, corr=corr, u=u, diverging=diverging, idata=idata
    )


def load_draws(path: str | Path) -> JointDraws:
    """Draws saved as ``.npz`` with ``mu``, ``tau``, ``corr`` and ``names`` (the long run's).

    Parameters
    ----------
    path : str or Path
        The file (e.g. ``validation/joint/long_nuts_cart_wu2025.npz``).

    Returns
    -------
    JointDraws
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    with np.load(path) as saved:
        return draws_from_arrays(
            saved["mu"], saved["tau"], saved["corr"], names=tuple(saved["names"].tolist())
        )


def load_posterior(path: str | Path) -> tuple[JointDraws, dict]:
    """Read a joint fit's ``posterior.nc`` (``fit --outcomes --out``, ``run``): draws and payload.

    Parameters
    ----------
    path : str or Path
        The NetCDF file.

    Returns
    -------
    tuple of (JointDraws, dict)
        The draws (study effects included) and the JSON payload written with them.

    Raises
    ------
    InputError
        No such file, or not a joint fit's posterior (one line naming the file).
    """
    import json

    import arviz as az

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        idata = az.from_netcdf(path)
        post = idata.posterior
        payload = json.loads(post.attrs[SUMMARY_ATTR])
        mu, tau, corr, u = (post[name].to_numpy() for name in ("mu", "tau", "corr", "u"))
    except (OSError, ValueError, KeyError, AttributeError) as error:
        raise InputError(f"{path}: not a joint fit's posterior ({type(error).__name__})") from None
    slopes = post["slopes"].to_numpy() if "slopes" in post else None
    draws = JointDraws(
        mu=mu,
        slopes=np.zeros((*mu.shape, 0)) if slopes is None else slopes,
        tau=tau,
        corr=corr,
        u=u,
        diverging=idata.sample_stats["diverging"].to_numpy().astype(bool),
        idata=idata,
    )
    return draws, payload
