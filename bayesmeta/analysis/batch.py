"""Run a folder of specs, compare each outcome's models, write ``index.md`` / ``index.html``.

The index puts every analysis of the paper (its published numbers, from the spec's ``[paper]``
table) next to the frequentist baselines and the Bayesian estimate, then one comparison table
per outcome. Within an outcome, the specs that use the outcome's most common study set are
compared (elpd is not comparable across study sets); the others (e.g. the costimulatory domain,
known for few studies) are listed with the reason. When the outcome's specs use different
studies, a second comparison ranks ALL of them on the studies they all use (each model refitted
there, as ``bayesmeta compare --common-studies`` does), labelled with its number of studies.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bayesmeta.analysis.blocks import Block, Heading, Paragraph, table, to_html, to_markdown
from bayesmeta.analysis.comparison import Comparison
from bayesmeta.analysis.decision_report import averaging_blocks
from bayesmeta.analysis.fitting import Fitted
from bayesmeta.analysis.index_page import compact_table, index_figure_block, write_index_figure
from bayesmeta.analysis.json_values import json_ready
from bayesmeta.analysis.outcome_comparison import (  # noqa: F401 (public here too)
    OutcomeComparison,
    compare_outcome,
    study_sets,
)
from bayesmeta.analysis.report import software_section
from bayesmeta.analysis.report_format import num, pareto_k
from bayesmeta.analysis.specfile import load_spec
from bayesmeta.atomic import write_json, write_text
from bayesmeta.errors import InputError, OutputError
from bayesmeta.folders import check_writable, locked
from bayesmeta.plural import plural
from bayesmeta.versions import stack_versions

INDEX_FILES = ("index.md", "index.html", "comparison.json", "index_forest.png")


def spec_paths(target: str | Path) -> list[Path]:
    """The spec files of a file or folder (sorted), or InputError.

    Parameters
    ----------
    target : str or Path
        A spec file or a folder of spec files.

    Returns
    -------
    list[Path]
    """
    target = Path(target)
    if target.is_dir():
        paths = sorted(target.glob("*.toml"))
        if not paths:
            raise InputError(f"{target}: no *.toml spec files in this folder")
        return paths
    if not target.is_file():
        raise InputError(f"{target}: no such spec file or folder")
    return [target]


def index_blocks(fitted: Sequence[Fitted], comparisons: Sequence[OutcomeComparison]) -> list[Block]:
    """The index report: every analysis beside the paper, then the comparisons.

    Parameters
    ----------
    fitted : Sequence[Fitted]
        The fitted spec (model, Bayesian result, draws and frequentist baselines).
    comparisons : Sequence[OutcomeComparison]
        The per-outcome comparisons.

    Returns
    -------
    list[Block]
    """
    blocks: list[Block] = [
        Heading("Bayesian re-analysis of the flagship meta-analysis", 1),
        index_figure_block(),
        Paragraph(
            "One line per spec file (its name opens its report): the paper's published number, "
            "our DL and GLMM fits on the same studies, and the Bayesian median rate (expit(mu); "
            "for subgroup and regression models at the average study), each with its 95% "
            "interval. Subgroup results per level are in each report."
        ),
        *compact_table(fitted),
    ]
    blocks.append(Heading("Model comparison (leave-one-study-out)"))
    blocks.append(
        Paragraph(
            "PSIS-LOO on the study-level likelihood with each study's random effect integrated out; studies "
            "still with Pareto k > 0.7 are refitted exactly and their contribution replaced. elpd_diff is "
            "relative to the best model; weights are stacking weights (which model predicts the next "
            "study best). P(M|y) is the posterior model probability from the exact log evidence with "
            "equal prior probabilities (which model is most probable given the data and the priors)."
        )
    )
    for c in comparisons:
        blocks.append(Heading(f"Outcome {c.outcome}", 3))
        if c.comparison is not None:
            blocks.append(
                Paragraph(
                    f"The {len(c.comparison.rows)} models on the same {plural(c.comparison.k, 'study')}:"
                )
            )
            blocks.append(_comparison_table(c.comparison))
        else:
            blocks.append(
                Paragraph("Fewer than two models on the same studies: nothing to compare.")
            )
        for name, reason in c.left_out.items():
            blocks.append(Paragraph(f"Not compared: {name} ({reason})."))
        if c.common is not None:
            dropped = c.common.all_left_out
            blocks.append(
                Paragraph(
                    f"All {len(c.common.rows)} {c.outcome} models on the {plural(c.common.k, 'study')} they all "
                    f"use (each refitted there; {plural(len(dropped), 'study')} left out because not every "
                    f"model uses them: {', '.join(dropped)}). These elpd values are on "
                    f"{plural(c.common.k, 'study')} and not comparable with the table above."
                )
            )
            blocks.append(_comparison_table(c.common))
        if c.averaging is not None:
            blocks += averaging_blocks(c.averaging)
    return blocks


def _comparison_table(comparison: Comparison) -> Block:
    return table(
        [
            "rank",
            "model",
            "elpd_loo",
            "SE",
            "elpd_diff",
            "SE diff",
            "weight",
            "P(M|y)",
            "max Pareto k",
            "refitted",
        ],
        [
            [
                r.rank,
                r.name,
                num(r.elpd_loo, 2),
                num(r.se, 2),
                num(r.elpd_diff, 2),
                num(r.dse, 2),
                num(r.weight, 3),
                num(comparison.posterior_prob.get(r.name), 3),
                pareto_k(r.pareto_k_max),
                ", ".join(r.refitted),
            ]
            for r in comparison.rows
        ],
    )


def run_folder(
    target: str | Path,
    out: str | Path,
    *,
    show_progress: bool | None = None,
    workers: int | None = 1,
    scheduler: str | None = None,
) -> tuple[list[Fitted], list[OutcomeComparison]]:
    """Run every spec of ``target``; with several specs, compare per outcome and write the index.

    ``out`` is checked before any fitting and locked for the whole run. The specs are fitted
    and their files rendered as tasks of a :mod:`bayesmeta.many` executor
    (:mod:`bayesmeta.analysis.spec_tasks`); this process writes each analysis folder, replaced
    whole, as soon as its task is done, in the order of the spec files; the previous index is
    removed before the first one is replaced and the new one written last, so an interrupted
    run never leaves an index describing other folders than those on disk. The files are the
    same bytes whichever executor ran the tasks.

    Multiverse specs (a ``[multiverse]`` table) are not single analyses: they are left out here
    (``bayesmeta run`` runs them only when asked, through :mod:`bayesmeta.multiverse`). IPD
    specs (``kind = "ipd"``) are left out too: ``bayesmeta run`` runs them through
    :mod:`bayesmeta.ipd.specfile`.

    Parameters
    ----------
    target : str or Path
        A spec file (``.toml``) or a folder of spec files.
    out : str or Path
        Output folder; each spec gets ``out/<name>/``, and with several specs the index
        (``comparison.json``, ``index.md``, ``index.html``) is written in ``out``.
    show_progress : bool or None, default None
        A progress bar of the specs on stderr (None: when stderr is a terminal).
    workers : int or None, default 1
        Local worker processes (None: every core; never more than there are specs; 1: in this
        process).
    scheduler : str, optional
        A Dask scheduler address or ``local:N`` (see :func:`bayesmeta.many.make_executor`).

    Returns
    -------
    fitted : list of Fitted
        One fitted spec per single-analysis spec, in the order of the spec files (without
        InferenceData: it is in each folder's ``posterior.nc``).
    comparisons : list of OutcomeComparison
        One model comparison per outcome when there are several specs; empty for one spec.

    Raises
    ------
    InputError
        When several spec files share a name (or a spec is invalid), or a bad ``workers`` or
        ``scheduler``.
    """
    # validate all before fitting any; IPD specs (kind = "ipd") are run by bayesmeta.ipd
    from bayesmeta.analysis.joint_spec import is_joint_spec  # several outcomes: joint_run
    from bayesmeta.analysis.spec_tasks import run_specs
    from bayesmeta.ipd.specfile import is_ipd_spec
    from bayesmeta.many.executor import check_execution

    specs = [load_spec(p) for p in spec_paths(target) if not (is_ipd_spec(p) or is_joint_spec(p))]
    specs = [s for s in specs if s.multiverse is None]
    names = [s.name for s in specs]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(f"{target}: several spec files share the name {', '.join(duplicated)}")
    check_execution(workers=workers, scheduler=scheduler)
    check_writable(out)
    created = not Path(out).exists()
    try:
        with locked(out):
            if len(specs) > 1:
                _remove_index(Path(out))
            fitted, comparisons = run_specs(
                specs, out, show_progress=show_progress, workers=workers, scheduler=scheduler
            )
            if comparisons:
                write_index(fitted, comparisons, out)
    except BaseException:
        if created and Path(out).is_dir() and not any(Path(out).iterdir()):
            Path(out).rmdir()  # no empty folder left by a run that wrote nothing
        raise
    return fitted, comparisons


def _remove_index(out: Path) -> None:
    for name in INDEX_FILES:
        try:
            (out / name).unlink(missing_ok=True)
        except OSError as error:
            raise OutputError(
                f"--out {out}: cannot remove the old {name} ({error.strerror})"
            ) from None


def write_index(
    fitted: Sequence[Fitted], comparisons: Sequence[OutcomeComparison], out: str | Path
) -> None:
    """comparison.json, index.md and index.html (written last).

    comparison.json has per outcome the ranked ``rows`` (with ``k``) of the models sharing all
    studies, ``not_compared`` (name -> reason) and, when the outcome's specs use different
    studies, ``common_studies``: ``k``, ``left_out`` (studies) and the ``rows`` of all specs on
    the studies they share (else null); ``versions`` records the software stack.

    Parameters
    ----------
    fitted : Sequence[Fitted]
        The fitted spec (model, Bayesian result, draws and frequentist baselines).
    comparisons : Sequence[OutcomeComparison]
        The per-outcome comparisons.
    out : str or Path
        Output folder.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    payload = {
        c.outcome: {
            "rows": c.comparison.to_list() if c.comparison else [],
            "not_compared": c.left_out,
            "averaging": c.averaging.to_dict() if c.averaging is not None else None,
            "common_studies": (
                {
                    "k": c.common.k,
                    "left_out": c.common.all_left_out,
                    "rows": c.common.to_list(),
                }
                if c.common is not None
                else None
            ),
        }
        for c in comparisons
    }
    payload["versions"] = stack_versions()  # beside the outcomes: the stack of the comparison
    blocks = index_blocks(fitted, comparisons) + software_section()
    try:
        write_index_figure(fitted, {c.outcome: c.averaging for c in comparisons}, out)
        write_json(out / "comparison.json", json_ready(payload))
        write_text(out / "index.md", to_markdown(blocks))
        write_text(out / "index.html", to_html(blocks, title="bayesmeta: flagship analysis"))
    except OSError as error:
        for name in INDEX_FILES:
            (out / name).unlink(missing_ok=True)
        raise OutputError(f"--out {out}: writing the index failed ({error.strerror})") from None
