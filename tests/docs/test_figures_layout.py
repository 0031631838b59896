"""Every figure the command line writes: no legend or title on data, nothing cut off, axes that fit.

The figures are the ones saved while the README's and the guide's command lines run (the
``documented`` fixture of ``conftest.py`` checks each with
:func:`bayesmeta.plots.layout.layout_problems` as it is saved). The list of places that save a
figure is read from the package's source (every ``savefig(`` call, and every ``png_bytes(`` call:
a spec's figures are encoded from their rendered canvas), so a new figure writer is covered, or
this test fails until a documented command reaches it.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def savefig_sites() -> set[str]:
    """``path:line`` of every ``savefig(`` and ``png_bytes(`` call in the package."""
    sites = set()
    for path in (ROOT / "bayesmeta").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            saves = re.search(r"\.savefig\(", code) or (
                re.search(r"\bpng_bytes\(", code) and not code.lstrip().startswith("def ")
            )
            if saves and not code.strip().startswith(('"', "'")):
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
    # no exceptions: a figure writer no README or guide line reaches fails until one does
    unreached = sites - reached
    assert not unreached, f"never reached by a documented command: {sorted(unreached)}"
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
