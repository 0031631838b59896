"""Report folders of ``bayesmeta map`` and ``bayesmeta design``, written whole or not at all.

Every file is first written into a hidden temporary folder beside the target; only when all of
them exist is the folder moved into place (an existing target is moved aside first and removed
after), so an interrupted run leaves the previous folder or nothing, never half a report.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from bayesmeta.plural import plural

Writer = Callable[[Path], object]


def write_folder(target: str | Path, files: dict[str, Writer]) -> list[str]:
    """Write ``files`` (name -> writer taking a path) as the folder ``target``, atomically.

    Parameters
    ----------
    target : str or Path
        The report folder; replaced if it exists and holds only these files
        (:func:`bayesmeta.folders.replaced_folder`).
    files : dict
        File name -> callable writing that file at the given path.

    Returns
    -------
    list of str
        The file names written.

    Raises
    ------
    OutputError
        ``target`` is a file or a folder of someone else's files, or writing failed (full
        disk): the previous folder is left as it was.
    """
    from bayesmeta.folders import replaced_folder

    with replaced_folder(target, known=frozenset(files)) as staging:
        for name, writer in files.items():
            writer(staging / name)
    return list(files)


def json_writer(payload: dict) -> Writer:
    """A writer of indented JSON (NaN rejected).

    Parameters
    ----------
    payload : dict
        JSON-ready content.

    Returns
    -------
    callable
        Writes the file at the path it is given.
    """
    return lambda path: path.write_text(
        json.dumps(payload, indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )


def text_writer(text: str) -> Writer:
    """A writer of UTF-8 text.

    Parameters
    ----------
    text : str
        The content.

    Returns
    -------
    callable
        Writes the file at the path it is given.
    """
    return lambda path: path.write_text(text, encoding="utf-8")


def png_writer(figure) -> Writer:
    """A writer of a matplotlib figure as PNG.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure.

    Returns
    -------
    callable
        Writes the file at the path it is given.
    """
    return lambda path: figure.savefig(path, dpi=110, format="png")


def map_markdown(payload: dict) -> str:
    """report.md of a MAP prior.

    Parameters
    ----------
    payload : dict
        ``MapPrior.to_dict()``.

    Returns
    -------
    str
        Markdown.
    """
    pred = payload["predictive"]
    lines = [
        f"# MAP prior: {payload['prior_for']}",
        "",
        f"Exact predictive rate of a new study (k = {plural(payload['k'], 'study')}): median "
        f"{pred['median']:.3f}, 95% interval [{pred['lo']:.3f}, {pred['hi']:.3f}], mean {pred['mean']:.3f}.",
        "",
        "| weight | a | b |",
        "|---|---|---|",
    ]
    lines += [f"| {c['weight']:.3f} | {c['a']:.3f} | {c['b']:.3f} |" for c in payload["mixture"]]
    q = payload["fit_quality"]
    diffs = ", ".join(f"{k}: {v:+.4f}" for k, v in q["quantile_diffs"].items())
    ess = payload["ess"]
    elir = "-" if ess["elir"] is None else f"{ess['elir']:.1f}"
    lines += [
        "",
        f"Fit quality: max |CDF difference| {q['max_cdf_diff']:.4f}; quantile differences {diffs}.",
        "",
        f"ESS{' of the robust prior' if 'robust' in payload else ''}: elir {elir}, moment "
        f"{ess['moment']:.1f}, morita {ess['morita']:.1f}; ELIR of the exact predictive on the "
        f"logit scale {pred['ess_elir_logit']:.1f}.",
    ]
    if "map_ess" in payload:
        m = payload["map_ess"]
        m_elir = "-" if m["elir"] is None else f"{m['elir']:.1f}"
        lines.append(
            f"ESS of the MAP mixture before robustification: elir {m_elir}, moment "
            f"{m['moment']:.1f}, morita {m['morita']:.1f}."
        )
    lines += [f"\n**Warning:** {w}" for w in payload.get("warnings", [])]
    if "robust" in payload:
        r = payload["robust"]
        lines += ["", f"Robustified: weight {r['weight']:g} on Beta({r['a']:g}, {r['b']:g})."]
    if "conflict" in payload:
        c = payload["conflict"]
        post = c["posterior"]
        lines += [
            "",
            f"New trial {c['events']}/{c['total']}: Box prior-predictive p = {c['box_p']:.4f}; "
            f"posterior median {post['median']:.3f} [{post['lo']:.3f}, {post['hi']:.3f}].",
        ]
    lines += ["", "![MAP prior](map.png)", ""]
    return "\n".join(lines)


def design_markdown(payload: dict) -> str:
    """report.md of a design.

    Parameters
    ----------
    payload : dict
        The ``design --json`` payload.

    Returns
    -------
    str
        Markdown.
    """
    nogo = "nogo_rule" in payload
    lines = [
        f"# One-sample design: n = {payload['n']}, {payload.get('direction', 'higher is better')}",
        "",
        f"Direction: {payload.get('direction_from') or payload.get('direction', '')}.",
        "",
        "| prior | GO rule | type I |" + (" NO-GO rule |" if nogo else ""),
        "|---|---|---|" + ("---|" if nogo else ""),
    ]
    rows = [("MAP", payload)]
    if "vague" in payload:
        rows.append((payload["vague"]["prior"], payload["vague"]))
    for label, oc in rows:
        go = oc.get("go_rule", f"critical {oc['critical']}").replace("|", "\\|")
        no = str(oc.get("nogo_rule")).replace("|", "\\|")
        lines.append(f"| {label} | {go} | {oc['type1']:.4f} |" + (f" {no} |" if nogo else ""))
    if payload.get("smallest_n") is not None:
        s = payload["smallest_n"]
        lines += [
            "",
            f"Smallest n with power >= {s['target_power']:g} at rate {s['at_rate']:g}: "
            f"{s['n']} with the MAP prior, {s['n_vague']} with the vague prior "
            f"(searched up to {s['n_max']}).",
        ]
    lines += ["", "![Operating characteristics](oc.png)", ""]
    return "\n".join(lines)
