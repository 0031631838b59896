"""Every figure the command line writes: no legend or title on data, nothing cut off, axes that fit.

The figures are the ones saved while the README's and the guide's command lines run (the
``documented`` fixture of ``conftest.py`` checks each with
:func:`bayesmeta.plots.layout.layout_problems` as it is saved). The list of places that save a
figure is read from the package's source (every ``savefig(`` call), so a new figure writer is
covered, or this test fails until a documented command reaches it.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Figure writers no documented command reaches yet, and why. Each is a gap to close by adding a
#: README or guide line that runs it (then its entry goes); any other unreached writer fails.
NOT_YET_DOCUMENTED: dict[str, str] = {}


def savefig_sites() -> set[str]:
    """``path:line`` of every ``savefig(`` call in the package."""
    sites = set()
    for path in (ROOT / "bayesmeta").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if re.search(r"\.savefig\(", code) and not code.strip().startswith(('"', "'")):
                sites.add(f"{path.relative_to(ROOT).as_posix()}:{number}")
    return sites


def test_every_figure_is_laid_out_cleanly(documented):
    bad = [
        f"{f.name} (saved at {f.site}, by `{f.command}`): {'; '.join(f.problems)}"
        for f in documented.figures
        if f.problems
    ]
    assert not bad, "\n".join(bad)


def test_every_figure_writer_was_checked(documented):
    sites = savefig_sites()
    assert len(sites) >= 6, sites
    reached = {f.site for f in documented.figures}
    unreached = {s for s in sites - reached if s.split(":")[0] not in NOT_YET_DOCUMENTED}
    assert not unreached, f"never reached by a documented command: {sorted(unreached)}"
    files = {s.split(":")[0] for s in sites}
    stale = [
        f for f in NOT_YET_DOCUMENTED if f not in files or any(r.startswith(f) for r in reached)
    ]
    assert not stale, (
        f"remove from NOT_YET_DOCUMENTED (reached now, or no figure any more): {stale}"
    )
    names = {f.name for f in documented.figures}
    for expected in (
        "forest.png",
        "subgroup_forest.png",
        "pooled_posterior.png",
        "drapery.png",
        "contour_funnel.png",
        "baujat.png",
        "cumulative.png",
        "sensitivity.png",
        "bayes_factors.png",
        "spec_curve.png",
        "map.png",
        "oc.png",
        "index_forest.png",
        "pooled_rates.png",
        "correlations.png",
    ):
        assert expected in names, f"{expected} was never written by a documented command"
