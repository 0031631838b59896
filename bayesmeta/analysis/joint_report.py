"""The report section of a joint fit: pooled-rate panel, correlation matrix, joint probabilities."""

from __future__ import annotations

from typing import Any

from bayesmeta.analysis.blocks import Bullets, Heading, Image, Paragraph, table
from bayesmeta.plural import plural

__all__ = ["joint_blocks"]


def _iv(iv: dict | None) -> str:
    if iv is None:
        return "-"
    return f"{iv['median']:.3f} [{iv['lo']:.3f}, {iv['hi']:.3f}]"


def joint_blocks(payload: dict[str, Any], *, figures: dict[str, str]) -> list:
    """The report section of the joint model: pooled rates, correlations, joint probabilities.

    Parameters
    ----------
    payload : dict
        :meth:`~bayesmeta.joint.summary.JointResult.to_dict`.
    figures : dict
        ``"rates"`` and ``"correlations"`` -> image paths relative to the report (optional).

    Returns
    -------
    list of Block
    """
    model = payload["model"]
    blocks: list = [
        Heading("Joint model of several outcomes"),
        Paragraph(
            f"Outcomes {', '.join(model['outcomes'])}"
            + (f", nested {model['nested']}" if model.get("nested") else "")
            + f", k = {plural(payload['k'], 'study')}, each contributing the outcomes it reports; "
            f"engine {payload['engine']}; priors "
            + ", ".join(f"{k} {v}" for k, v in model["priors"].items())
            + "."
        ),
        Heading("Pooled rates", level=3),
    ]
    if "rates" in figures:
        blocks.append(Image(figures["rates"], "pooled, mean and new-study rates of each outcome"))
    blocks.append(
        table(
            ["outcome", "pooled rate", "mean rate", "new study", "tau (logit)"],
            [
                [
                    name,
                    _iv(e["pooled_median"]),
                    _iv(e["pooled_mean"]),
                    _iv(e["new_study"]),
                    _iv(e["tau"]),
                ]
                for name, e in payload["outcomes"].items()
            ],
        )
    )
    blocks.append(Heading("Correlations of the study effects", level=3))
    if "correlations" in figures:
        blocks.append(Image(figures["correlations"], "correlation matrix of the study effects"))
    blocks.append(
        table(["pair", "correlation"], [[p, _iv(iv)] for p, iv in payload["correlations"].items()])
    )
    if payload["joint"]:
        blocks.append(Heading("Joint probabilities", level=3))
        blocks.append(
            table(
                ["condition", "pooled", "new study"],
                [
                    [
                        j["condition"],
                        f"{j['pooled']:.3f} (MCSE {j['pooled_mcse']:.3f})",
                        f"{j['new_study']:.3f} (MCSE {j['new_study_mcse']:.3f})",
                    ]
                    for j in payload["joint"]
                ],
            )
        )
    if payload["conditional"]:
        blocks.append(Heading("A new study's rates given what is known of it", level=3))
        blocks.append(
            table(
                ["given", "outcome", "rate"],
                [[c["given"], c["outcome"], _iv(c)] for c in payload["conditional"]],
            )
        )
    if payload.get("nested") and payload["nested"]["left_out"]:
        blocks.append(Heading("Left out of the nested model", level=3))
        blocks.append(
            Bullets(tuple(f"{e['study']}: {e['reason']}" for e in payload["nested"]["left_out"]))
        )
    d = payload["diagnostics"]
    blocks.append(
        Paragraph(
            f"Diagnostics {'ok' if d['ok'] else 'FAILED'}: max R-hat {d['rhat_max']:.3f}, "
            f"min bulk ESS {d['ess_bulk_min']:.0f}, min tail ESS {d['ess_tail_min']:.0f}, "
            f"{d['divergences']} divergences."
        )
    )
    return blocks
