"""The built site in a real headless browser (Chromium from Debian's packages), and its links.

Three pages are opened in Chromium: the index, the API page of ``bayesmeta.freq.rma`` and the
exact-engine guide page. Each gets a screenshot (checked to be a real rendering, not a blank
page) and the text of its rendered DOM is asserted. Then every internal ``href`` and ``src`` of
every page reachable from the index is followed: the target file must exist and a ``#fragment``
must be an ``id`` in it. Chromium missing is a failure, not a skip (install: ``apt-get install
chromium``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

PAGES = {
    "index": (
        "index.html",
        [
            "Bayesian hierarchical meta-analysis of proportions",
            "cart_wu2025",
            "User guide",
            "API reference",
            "Command line",
            "Worked examples",
        ],
    ),
    "rma": (
        "api/generated/bayesmeta.freq.rma.html",
        [
            "bayesmeta.freq.rma",
            "Pooled proportion",
            "Parameters",
            "tau^2 estimator",
            "Hartung-Knapp",
            "Returns",
            "FreqResult",
        ],
    ),
    "exact_engine": (
        "guide/05_exact_engine.html",
        [
            "The exact engine",
            "adaptive Gauss-Hermite",
            "Accuracy",
            "Limits",
            "brute-force",
            "regression",
        ],
    ),
}


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Chromium is not installed: apt-get install -y chromium (CI's .ci/run does)")


def run_chromium(*args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="bayesmeta-chromium-") as profile:
        command = [
            chromium(),
            "--headless",
            "--no-sandbox",  # CI runs as root
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={profile}",  # a fresh profile: no lock shared with other runs
            "--allow-file-access-from-files",
            "--virtual-time-budget=3000",  # let the theme's scripts finish before the capture
            *args,
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)


class _Text(HTMLParser):
    """Visible text of a document (script and style contents left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", " ".join(parser.parts))


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_renders_in_chromium(site, screenshots, page):
    from PIL import Image

    path, expected = PAGES[page]
    url = (site / path).resolve().as_uri()
    assert (site / path).is_file(), f"{path} was not built"

    shot = screenshots / f"{page}.png"
    shot.unlink(missing_ok=True)
    # One browser run: the screenshot, and the DOM after the page's scripts ran.
    taken = run_chromium(f"--screenshot={shot}", "--window-size=1280,1400", "--dump-dom", url)
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.is_file(), f"no screenshot of {path}: {taken.stderr[-2000:]}"
    with Image.open(shot) as image:
        assert image.size == (1280, 1400)
        colors = image.convert("RGB").getcolors(maxcolors=1_000_000) or []
    # A page with text, code blocks and a navigation bar has thousands of colours (anti-aliased
    # glyphs); a blank or error page has a handful.
    assert len(colors) > 200, f"{page}: the screenshot looks blank ({len(colors)} colours)"

    assert "<body" in taken.stdout, f"{page}: Chromium printed no DOM"
    text = visible_text(taken.stdout)
    for phrase in expected:
        assert phrase in text, f"{page}: {phrase!r} not in the rendered page"


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for key in ("id", "name"):
            if attributes.get(key):
                self.ids.add(attributes[key])
        for key in ("href", "src"):
            value = attributes.get(key)
            if value and not (tag == "link" and attributes.get("rel") == "preconnect"):
                self.links.append(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def broken_links(root: Path, start: str = "index.html") -> tuple[list[str], set[Path]]:
    """Crawl a built site from ``start`` and list every internal link that leads nowhere.

    Parameters
    ----------
    root : Path
        The site's folder.
    start : str
        The page to start from.

    Returns
    -------
    broken : list of str
        ``"page -> link (reason)"`` for each broken link.
    visited : set of Path
        Every HTML page reached.
    """
    root = root.resolve()
    broken: list[str] = []
    parsed: dict[Path, _Links] = {}

    def parse(path: Path) -> _Links:
        if path not in parsed:
            parsed[path] = _parse(path)
        return parsed[path]

    queue = [root / start]
    visited: set[Path] = set()
    while queue:
        page = queue.pop()
        if page in visited:
            continue
        visited.add(page)
        links = parse(page)
        for link in links.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:", "data:")):
                continue  # external: not this site's
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            where = f"{page.relative_to(root)} -> {link}"
            if root not in target.parents and target != root:
                broken.append(f"{where} (outside the site)")
                continue
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{where} (no such file)")
                continue
            if target.suffix == ".html":
                if parts.fragment and parts.fragment not in parse(target).ids:
                    broken.append(f"{where} (no id '{parts.fragment}')")
                queue.append(target)
    return broken, visited


def test_no_broken_internal_link(site):
    broken, visited = broken_links(site)
    assert broken == [], "\n".join(broken[:50])
    reached = {page.relative_to(site.resolve()).as_posix() for page in visited}
    for path, _ in PAGES.values():
        assert path in reached
    # Every guide, CLI and API page is reachable from the index.
    for built in site.glob("*/**/*.html"):
        relative = built.relative_to(site).as_posix()
        if relative.startswith(("guide/", "cli/", "api/", "examples/")):
            assert relative in reached, f"{relative} is not linked from the site"


def test_crawler_finds_broken_links(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text(
        '<a href="sub/a.html#x">ok</a> <a href="sub/a.html#nope">bad id</a> '
        '<a href="missing.html">gone</a> <img src="img.png"> <a href="https://example.org/">ext</a>'
    )
    (tmp_path / "sub" / "a.html").write_text('<h1 id="x">A</h1><a href="../index.html">back</a>')
    broken, visited = broken_links(tmp_path)
    assert sorted(broken) == [
        "index.html -> img.png (no such file)",
        "index.html -> missing.html (no such file)",
        "index.html -> sub/a.html#nope (no id 'nope')",
    ]
    assert len(visited) == 2


def test_notebooks_render_from_their_stored_outputs(site):
    """Every notebook is a page, with the figures and printed text its stored outputs hold (the
    site never executes notebooks, so these can only come from the stored outputs)."""
    import json
    from html import escape

    notebooks = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
    assert notebooks
    for notebook in notebooks:
        page = site / "examples" / f"{notebook.stem}.html"
        assert page.is_file(), f"{notebook.name} has no page"
        html = page.read_text(encoding="utf-8")
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        outputs = [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])]
        images = sum("image/png" in o.get("data", {}) for o in outputs)
        assert images > 0 and html.count("<img") >= images, f"{notebook.name}: figures missing"
        streams = [o for o in outputs if o.get("output_type") == "stream" and o["name"] == "stdout"]
        if streams:
            first = "".join(streams[0]["text"]).strip().splitlines()[0]
            # the stored output is plain text (it may hold "<="): escape it as the page does
            expected_text = visible_text(escape(first))
            assert expected_text in visible_text(html), f"{notebook.name}: output missing"
