"""The built documentation site for the browser tests.

``BAYESMETA_DOCS_HTML`` names a site already built (CI builds it once with
``sphinx-build -W --keep-going`` and points here); otherwise the site is built now, the same way,
into a temporary folder. Screenshots go to ``BAYESMETA_DOCS_SCREENSHOTS`` (default: a
``screenshots`` folder beside the site).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """The folder of the built HTML site."""
    given = os.environ.get("BAYESMETA_DOCS_HTML")
    if given:
        html = Path(given).resolve()
        assert (html / "index.html").is_file(), f"BAYESMETA_DOCS_HTML={given} holds no index.html"
        return html
    html = tmp_path_factory.mktemp("site") / "html"
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(DOCS),
            str(html),
        ],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, f"the docs build failed or warned:\n{build.stderr}"
    return html


@pytest.fixture(scope="session")
def screenshots(site: Path) -> Path:
    """Where the screenshots are written (kept after the run, to be looked at)."""
    folder = Path(os.environ.get("BAYESMETA_DOCS_SCREENSHOTS", site.parent / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder
