"""The reports `bayesmeta run` writes, in a real headless browser at 1,280 px.

A small flagship run (three ORR specs of ``models/``: pooled, by cancer type, and by antigen,
whose GLMM is refused for separation) is written to a temporary folder; its ``index.html`` and
one spec report are opened in Chromium at a window 1,280 px wide. Checked: the page does not
scroll sideways (``scrollWidth`` of the document at most the window's width), no cell of the
index's compact table wraps and the table fits the page (no scrolling inside its box), the index opens with its figure, and the refusal says why.
Screenshots of both pages are kept in the screenshot folder (CI: ``docs/_build/screenshots``,
``report_index.png`` and ``report_spec.png``; else ``BAYESMETA_DOCS_SCREENSHOTS``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WIDTH = 1280
SPECS = ("orr_pooled", "orr_by_cancer_type", "orr_by_antigen")

#: Appended to a copy of the page: measures it once the layout is done and writes the numbers
#: into the DOM that Chromium dumps.
MEASURE = """
<script>
window.addEventListener("load", () => {
  const doc = document.documentElement;
  let wrapped = 0, cells = 0;
  for (const td of document.querySelectorAll("table.compact td, table.compact th")) {
    cells += 1;
    const line = parseFloat(getComputedStyle(td).fontSize) * 1.6;
    if (td.getBoundingClientRect().height > 2 * line) wrapped += 1;
  }
  let clipped = 0;
  for (const t of document.querySelectorAll("table.compact")) {
    if (t.scrollWidth > t.parentElement.clientWidth + 1) clipped += 1;
  }
  const out = document.createElement("pre");
  out.id = "bayesmeta-measure";
  out.textContent = `scroll=${doc.scrollWidth} client=${doc.clientWidth} ` +
    `compact=${cells} wrapped=${wrapped} clipped=${clipped}`;
  document.body.appendChild(out);
});
</script>
"""


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Chromium is not installed: apt-get install -y chromium (CI's .ci/run does)")


def _browser(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="bayesmeta-chromium-") as profile:
        command = [
            _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--no-first-run", f"--user-data-dir={profile}", "--allow-file-access-from-files",
            "--virtual-time-budget=3000", f"--window-size={WIDTH},1400", *args,
        ]  # fmt: skip
        return subprocess.run(command, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """A small ``bayesmeta run`` of three ORR specs (draws for plots and LOO reduced)."""
    from bayesmeta.cli import main

    specs = tmp_path_factory.mktemp("specs")
    for name in SPECS:
        text = (ROOT / "models" / f"{name}.toml").read_text(encoding="utf-8")
        (specs / f"{name}.toml").write_text(re.sub(r"(?m)^draws = \d+", "draws = 400", text))
    out = tmp_path_factory.mktemp("report") / "report"
    assert main(["run", str(specs), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def shots() -> Path:
    given = os.environ.get("BAYESMETA_DOCS_SCREENSHOTS")
    site = os.environ.get("BAYESMETA_DOCS_HTML")
    folder = Path(given) if given else (Path(site).parent if site else ROOT / "docs/_build")
    folder = folder if given else folder / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _measure(page: Path) -> dict[str, str]:
    probe = page.with_name(page.stem + ".measure.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", MEASURE + "</body>"))
    done = _browser("--dump-dom", probe.resolve().as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="bayesmeta-measure">(.*?)</pre>', done.stdout, re.S)
    assert found, f"the page's measuring script did not run: {done.stderr[-1000:]}"
    return dict(re.findall(r"(\w+)=(\S+)", found.group(1)))


@pytest.mark.parametrize("page", ["index", "spec"])
def test_report_fits_1280_pixels_and_is_kept_as_a_screenshot(report, shots, page):
    from PIL import Image

    path = report / "index.html" if page == "index" else report / "orr_by_antigen" / "report.html"
    measured = _measure(path)
    assert int(measured["scroll"]) <= WIDTH, f"{page} scrolls sideways: {measured}"
    shot = shots / f"report_{page}.png"
    shot.unlink(missing_ok=True)
    taken = _browser(f"--screenshot={shot}", path.resolve().as_uri())
    assert taken.returncode == 0 and shot.is_file(), taken.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.size == (WIDTH, 1400)
        assert len(image.convert("RGB").getcolors(maxcolors=1_000_000) or []) > 200
    if page == "spec":  # a refused GLMM is "not estimable", with the reason, not "failed"
        html = path.read_text(encoding="utf-8")
        assert "not estimable" in html and "antigen level(s) 'CD33'" in html
    if page == "index":
        assert int(measured["compact"]) > 0 and measured["wrapped"] == "0", measured
        assert measured["clipped"] == "0", f"the compact table is wider than the page: {measured}"
        html = path.read_text(encoding="utf-8")
        first = re.search(r"<h1>.*?</h1>\s*<p>(.*?)</p>", html, re.S).group(1)
        assert first.startswith('<img src="index_forest.png"'), first[:80]
        assert "not estimable: separation by antigen level CD33" in html
        assert (report / "index_forest.png").is_file()
