"""What an exact fit says about itself: its model description, accuracy and diagnostics."""

from __future__ import annotations

from bayesmeta.model.result import Diagnostics
from bayesmeta.model.spec import ModelSpec
from bayesmeta.quad.controls import Accuracy
from bayesmeta.quad.grid import PosteriorGrid


def _note(grids: list[PosteriorGrid], acc: Accuracy) -> str:
    nodes = " + ".join(f"{g.mu.size}x{g.v.size}" for g in grids)
    return (
        f"quadrature: adaptive Gauss-Hermite ({acc.n_gh} nodes per study), "
        f"grid {nodes} (mu x tau), edge mass < {acc.edge_tol:g}"
    )


def describe(spec: ModelSpec, acc: Accuracy, *, hdi: bool) -> dict:
    """``spec.describe()`` plus the interval kind and the accuracy controls used.

    Parameters
    ----------
    spec : ModelSpec
        The model specification.
    acc : Accuracy
        Accuracy controls.
    hdi : bool
        Highest-density intervals instead of equal-tailed ones.

    Returns
    -------
    dict
    """
    model = spec.describe()
    model["interval"] = "hdi" if hdi else "eti"
    model["quadrature"] = dict(acc.__dict__)
    return model


def diagnostics(note: str) -> Diagnostics:
    """Diagnostics of an exact fit: nothing sampled, nothing to fail.

    Parameters
    ----------
    note : str
        Text recorded in the diagnostics.

    Returns
    -------
    Diagnostics
    """
    return Diagnostics(
        rhat_max=None, ess_bulk_min=None, ess_tail_min=None, divergences=0, engine_note=note
    )
