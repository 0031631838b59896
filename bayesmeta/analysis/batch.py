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
from dataclasses import dataclass, field
from pathlib import Path

from bayesmeta.analysis.averaging import Averaging, average_or_none
from bayesmeta.analysis.blocks import Block, Heading, Paragraph, table, to_html, to_markdown
from bayesmeta.analysis.compare import compare_loo
from bayesmeta.analysis.comparison import Comparison, compare_models, loo_of, posterior_probs
from bayesmeta.analysis.decision_report import averaging_blocks
from bayesmeta.analysis.fitting import Fitted
from bayesmeta.analysis.index_page import compact_table, index_figure_block, write_index_figure
from bayesmeta.analysis.report import software_section
from bayesmeta.analysis.report_format import num, pareto_k
from bayesmeta.analysis.runner import json_ready, run_spec
from bayesmeta.analysis.specfile import load_spec
from bayesmeta.atomic import write_json, write_text
from bayesmeta.errors import InputError, OutputError
from bayesmeta.folders import check_writable, locked
from bayesmeta.plural import plural
from bayesmeta.versions import stack_versions

INDEX_FILES = ("index.md", "index.html", "comparison.json", "index_forest.png")


@dataclass
class OutcomeComparison:
    """The comparisons of one outcome's specs.

    Attributes
    ----------
    comparison : Comparison or None
        The specs sharing the outcome's most common study set (None when fewer than two).
    left_out : dict
        Spec name -> why it is not in ``comparison``.
    common : Comparison or None
        All the outcome's specs on the studies they all use (only when their studies differ).
    averaging : Averaging or None
        Bayesian model averaging of the models in ``comparison`` (exact engine; None when a
        model has no exact log evidence).
    outcome : str
        The outcome's name (``orr``, ``crr``, ``death`` or a spec's ``outcome``).
    """

    outcome: str
    comparison: Comparison | None
    left_out: dict[str, str] = field(default_factory=dict)
    common: Comparison | None = None
    averaging: Averaging | None = None


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


def compare_outcome(outcome: str, fitted: Sequence[Fitted]) -> OutcomeComparison:
    """Compare the specs of one outcome that use its most common study set, and, when the
    specs' studies differ, all of them on the studies they share.

    Parameters
    ----------
    outcome : str
        The outcome's name (``orr``, ``crr``, ``death`` or a spec's ``outcome``).
    fitted : Sequence[Fitted]
        The fitted spec (model, Bayesian result, draws and frequentist baselines).

    Returns
    -------
    OutcomeComparison
    """
    sets: dict[tuple[str, ...], list[Fitted]] = {}
    for f in fitted:
        sets.setdefault(tuple(sorted(f.model.data.studies)), []).append(f)
    main = max(sets.values(), key=len)
    left_out = {
        f.spec.name: f"uses {f.model.data.k} of the {plural(main[0].model.data.k, 'study')} of the other {outcome} models"
        for group in sets.values()
        if group is not main
        for f in group
    }
    common = None
    if len(sets) > 1:
        common = compare_models(
            [f.spec for f in fitted],
            [f.model for f in fitted],
            draws=[f.draws for f in fitted],
            common_studies=True,
        )
    if len(main) < 2:
        return OutcomeComparison(outcome, None, left_out, common)
    loos = [loo_of(f.spec, model=f.model, draws=f.draws) for f in main]
    names, models = [f.spec.name for f in main], [f.model for f in main]
    comparison = Comparison(
        rows=compare_loo(loos), loos=loos, posterior_prob=posterior_probs(names, models)
    )
    return OutcomeComparison(
        outcome, comparison, left_out, common, averaging=average_or_none(names, models)
    )


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
    target: str | Path, out: str | Path, *, show_progress: bool | None = None
) -> tuple[list[Fitted], list[OutcomeComparison]]:
    """Run every spec of ``target``; with several specs, compare per outcome and write the index.

    ``out`` is checked before any fitting and locked for the whole run. Each analysis folder is
    replaced whole as soon as it is fitted; the previous index is removed before the first one
    is replaced and the new one written last, so an interrupted run never leaves an index
    describing other folders than those on disk.

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

    Returns
    -------
    fitted : list of Fitted
        One fitted spec per single-analysis spec, in the order of the spec files.
    comparisons : list of OutcomeComparison
        One model comparison per outcome when there are several specs; empty for one spec.

    Raises
    ------
    InputError
        When several spec files share a name (or a spec is invalid).
    """
    # validate all before fitting any; IPD specs (kind = "ipd") are run by bayesmeta.ipd
    from bayesmeta.analysis.joint_spec import is_joint_spec  # several outcomes: joint_run
    from bayesmeta.ipd.specfile import is_ipd_spec

    specs = [load_spec(p) for p in spec_paths(target) if not (is_ipd_spec(p) or is_joint_spec(p))]
    specs = [s for s in specs if s.multiverse is None]
    names = [s.name for s in specs]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(f"{target}: several spec files share the name {', '.join(duplicated)}")
    check_writable(out)
    created = not Path(out).exists()
    try:
        with locked(out):
            if len(specs) > 1:
                _remove_index(Path(out))
            from bayesmeta.many.progress import Progress

            progress = Progress(len(specs), enabled=show_progress, label="specs")
            fitted = []
            for spec in specs:
                fitted.append(run_spec(spec, out)[0])
                progress.advance(1)
            progress.close()
            comparisons: list[OutcomeComparison] = []
            if len(specs) > 1:
                outcomes: dict[str, list[Fitted]] = {}
                for f in fitted:
                    outcomes.setdefault(f.spec.outcome, []).append(f)
                comparisons = [compare_outcome(o, group) for o, group in outcomes.items()]
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
