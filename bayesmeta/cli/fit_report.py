"""What ``bayesmeta fit`` writes and prints from a result: the tidy tables (one CSV each),
the ``--out`` folder (posterior.nc, result.json, the CSVs; replaced whole) and the text report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bayesmeta.cli.common import interval_row
from bayesmeta.cli.joint_fit import JOINT_FILES
from bayesmeta.plural import plural


def tables(payload: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Tidy tables (name -> records) of a result's JSON payload.

    Parameters
    ----------
    payload : dict[str, Any]
        The JSON payload of a result (``to_dict()``).

    Returns
    -------
    dict[str, list[dict[str, Any]]]
    """
    summary = []
    for name in ("pooled_median", "pooled_mean", "new_study", "tau", *own_parameters(payload)):
        if payload.get(name) is not None:
            summary.append({"quantity": name, **payload[name]})
    for group in ("rates", "rates_mean", "taus", "coefficients"):
        for level, iv in payload.get(group, {}).items():
            summary.append({"quantity": f"{group}[{level}]", **iv})
    out = {"summary": summary, "study_rates": payload["study_rates"]}
    if payload.get("contrasts"):
        out["contrasts"] = payload["contrasts"]
    if payload.get("bayes_factors"):
        out["bayes_factors"] = [
            {"factor": name, **bf} for name, bf in payload["bayes_factors"].items()
        ]
    if payload.get("prob_above"):
        out["prob_above"] = threshold_rows(payload["prob_above"])
    out["diagnostics"] = [payload["diagnostics"]]
    if payload.get("excluded"):
        out["excluded"] = payload["excluded"]
    assert set(out) <= set(TABLES), "a new table must be listed in TABLES"
    return out


TABLES = (
    "summary",
    "study_rates",
    "contrasts",
    "bayes_factors",
    "prob_above",
    "diagnostics",
    "excluded",
)
"""Every table :func:`tables` can return (one CSV each)."""

KNOWN_FILES = frozenset({"posterior.nc", "result.json", *(f"{name}.csv" for name in TABLES)})
"""Every file ``fit --out`` writes (an earlier release's folder of only these is replaced)."""


def own_parameters(payload: dict[str, Any]) -> list[str]:
    """The top-level intervals of a likelihood's own parameters (beta-binomial: phi, icc).

    Parameters
    ----------
    payload : dict
        A result's JSON payload.

    Returns
    -------
    list of str
        Their keys, in payload order.
    """
    common = {"pooled_median", "pooled_mean", "new_study", "tau"}
    return [
        key
        for key, value in payload.items()
        if key not in common and isinstance(value, dict) and set(value) == {"median", "lo", "hi"}
    ]


def threshold_rows(prob_above: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per threshold and quantity: ``threshold``, ``quantity``, ``prob_above``.

    Parameters
    ----------
    prob_above : dict
        A result's ``prob_above``.

    Returns
    -------
    list of dict
        Tidy records (levels as ``rate[level]``).
    """
    rows = []
    for x, entry in prob_above.items():
        for name in ("pooled_median", "pooled_mean", "new_study"):
            rows.append({"threshold": x, "quantity": name, "prob_above": entry[name]})
        for level, p in entry.get("levels", {}).items():
            rows.append({"threshold": x, "quantity": f"rate[{level}]", "prob_above": p})
    return rows


def write_outputs(result, folder: Path) -> None:
    """Write posterior.nc (when there are draws), result.json and one CSV per table.

    The folder is replaced whole (:func:`bayesmeta.folders.replaced_folder`), so no table of
    an earlier model (``contrasts.csv``) stays behind.

    Parameters
    ----------
    result : BayesResult
        The fitted result (either engine).
    folder : Path
        The output folder (``--out``).

    Returns
    -------
    None
    """
    from bayesmeta.atomic import write_json, write_tables
    from bayesmeta.cli.common import _json_ready, with_versions
    from bayesmeta.folders import replaced_folder
    from bayesmeta.model.storage import save

    payload = result.to_dict()
    with replaced_folder(folder, known=KNOWN_FILES | JOINT_FILES) as temporary:
        if result.idata is not None:
            save(result, temporary / "posterior.nc")
        write_json(temporary / "result.json", _json_ready(with_versions(payload)))
        write_tables(temporary, tables(payload))


def format_result(payload: dict[str, Any]) -> str:
    """A short human-readable report.

    Parameters
    ----------
    payload : dict[str, Any]
        The JSON payload of a result (``to_dict()``).

    Returns
    -------
    str
    """
    model = payload["model"]
    likelihood = payload.get("likelihood", "binomial")
    # subgroup and regression models have no single mu: their pooled value is at the
    # study-weighted average linear predictor
    no_single_mu = bool(payload.get("rates") or payload.get("coefficients"))
    pooled_label = "pooled rate at the average study" if no_single_mu else "pooled rate expit(mu)"
    mean_label = "mean rate E[expit(mu + u)]"
    named = ""
    if likelihood != "binomial":
        pooled_label, mean_label = "pooled rate (median study)", "mean rate mu"
        named = f", {likelihood} likelihood"
    lines = [
        f"{model['kind']} model of '{model['outcome']}'{named}, k = {plural(payload['k'], 'study')} "
        f"({payload['engine']}); median [95% interval]",
        interval_row(pooled_label, payload["pooled_median"]),
        interval_row(mean_label, payload["pooled_mean"]),
        interval_row("new study", payload["new_study"]),
    ]
    if payload["tau"] is not None or likelihood == "binomial":
        lines.append(interval_row("tau (logit scale)", payload["tau"]))
    for name in own_parameters(payload):
        lines.append(interval_row(name, payload[name]))
    for level, iv in payload.get("taus", {}).items():
        lines.append(interval_row(f"tau[{level}]", iv))
    for level, iv in payload.get("rates", {}).items():
        lines.append(interval_row(f"rate[{level}]", iv))
    for c in payload.get("contrasts", []):
        lines.append(
            interval_row(f"{c['a']} - {c['b']}", c) + f"  P(>) = {c['prob_a_greater']:.3f}"
        )
    for name, iv in payload.get("coefficients", {}).items():
        lines.append(interval_row(f"coef {name}", iv))
    d = payload["diagnostics"]
    status = "ok" if d["ok"] else "FAILED"

    def num(value: float | None, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    if d.get("sampled", True):
        lines.append(
            f"diagnostics {status}: R-hat max {num(d['rhat_max'], '.3f')}, "
            f"ESS bulk min {num(d['ess_bulk_min'], '.0f')}, "
            f"tail min {num(d['ess_tail_min'], '.0f')}, divergences {d['divergences']}"
        )
    else:
        lines.append("diagnostics: Exact (no sampling)")
    if payload.get("timing"):
        t = payload["timing"]
        lines.append(
            f"sampling ({payload['model'].get('sampler')}): {t['sampling_seconds']:.2f} s, "
            f"{t['ess_bulk_per_second']:.0f} bulk ESS/s (min over parameters)"
        )
    if payload.get("log_evidence") is not None:
        error = payload.get("log_evidence_error")
        lines.append(
            f"log evidence log p(y) = {payload['log_evidence']:.3f}"
            + ("" if error is None else f" (numerical error {error:.1e})")
        )
    for name, bf in payload.get("bayes_factors", {}).items():
        lines.append(
            f"Bayes factor {name} ({bf['against']}): log BF = {bf['log_bf']:.3f}"
            f" (numerical error {bf['error']:.1e})"
        )
    for row in threshold_rows(payload.get("prob_above", {})):
        lines.append(f"  P({row['quantity']} > {row['threshold']}) = {row['prob_above']:.4f}")
    for e in payload.get("excluded", []):
        lines.append(f"excluded: {e['study']} ({e['reason']})")
    return "\n".join(lines)
