"""The tidy tables of a joint fit (one CSV each in ``--out`` and ``run`` folders)."""

from __future__ import annotations

from typing import Any

__all__ = ["joint_tables"]


def joint_tables(payload: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Tidy tables (name -> records) of a joint result's JSON payload.

    Parameters
    ----------
    payload : dict
        :meth:`~bayesmeta.joint.summary.JointResult.to_dict`.

    Returns
    -------
    dict
    """
    summary = []
    for name, entry in payload["outcomes"].items():
        for quantity, iv in entry.items():
            if iv is not None:
                summary.append({"outcome": name, "quantity": quantity, **iv})
    for name, iv in payload.get("coefficients", {}).items():
        summary.append({"outcome": name.split(":")[0], "quantity": f"coef {name}", **iv})
    out = {
        "summary": summary,
        "correlations": [{"pair": pair, **iv} for pair, iv in payload["correlations"].items()],
        "study_rates": payload["study_rates"],
        "diagnostics": [payload["diagnostics"]],
    }
    for name in ("joint", "conditional", "excluded"):
        if payload.get(name):
            out[name] = payload[name]
    return out
