"""`make_site_offline` on a real GX 1.24 Data Docs site (no browser; the pages in headless Chromium
without network are tests/e2e/test_data_docs_offline.py): afterwards no page loads anything from
the internet, every script, stylesheet, image and CSS url() it names exists in the site, and a
second call changes nothing."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from gx_docs_site import build_site

from orchestration.quality.offline_docs import CDN_ASSETS, VENDOR_DIR, make_site_offline

CSS_URL = re.compile(r"""url\(\s*["']?([^"')\s]+)["']?\s*\)""")


class Resources(HTMLParser):
    """What a page loads: script src, link href, img src and url() in its <style>s. Plain
    <a href> links (GX's documentation, the newsletter) are navigation, not loaded."""

    def __init__(self):
        super().__init__()
        self.loads: list[str] = []
        self.integrity: list[str] = []
        self._style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        url = {"script": attrs.get("src"), "link": attrs.get("href"), "img": attrs.get("src")}.get(tag)
        if url:
            self.loads.append(url)
            if "integrity" in attrs or "crossorigin" in attrs:
                self.integrity.append(url)
        self._style = tag == "style"

    def handle_endtag(self, tag):
        self._style = False

    def handle_data(self, data):
        if self._style:
            self.loads.extend(CSS_URL.findall(data))


def resources(page: Path) -> Resources:
    parser = Resources()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def is_remote(url: str) -> bool:
    return url.startswith(("http://", "https://", "//"))


def local_file(page: Path, url: str) -> Path:
    return (page.parent / unquote(urlsplit(url).path)).resolve()


def snapshot(site: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory.mktemp("gx"), months=("2024-03", "2024-04"))


@pytest.fixture
def site(built_site, tmp_path) -> Path:
    """A fresh copy of the site as GX built it."""
    return shutil.copytree(built_site, tmp_path / "site")


def test_every_vendored_file_and_licence_is_in_the_package():
    for path in CDN_ASSETS.values():
        assert (VENDOR_DIR / path).is_file(), path
    assert (VENDOR_DIR / "README.md").is_file()
    licences = {p.stem for p in (VENDOR_DIR / "licenses").iterdir()}
    assert licences >= {"jquery", "bootstrap", "bootstrap-table", "bootstrap-datepicker", "bootstrap-dark",
                        "fontawesome-free", "vega", "vega-lite", "vega-embed"}


def test_site_loads_nothing_remote_after_make_site_offline(site):
    pages = sorted(site.rglob("*.html"))
    kinds = {p.relative_to(site).parts[0] for p in pages}
    assert kinds == {"index.html", "expectations", "validations"}
    assert len([p for p in pages if p.parts[-4] == "claims"]) == 2  # validations/claims/<run>/<time>/
    remote_before = {p: [u for u in resources(p).loads if is_remote(u)] for p in pages}
    assert all(remote_before.values()), "GX's pages no longer load CDN assets: revisit offline_docs"

    rewritten = make_site_offline(site)
    assert rewritten >= sum(len(urls) for urls in remote_before.values())

    for page in pages:
        found = resources(page)
        assert [u for u in found.loads if is_remote(u)] == [], page
        assert found.integrity == [], page
        missing = [u for u in found.loads if not u.startswith("data:") and not local_file(page, u).is_file()
                   and not u.endswith("favicon.ico")]  # GX's own favicon path is one level short
        assert missing == [], page
        assert any("static/vendor/jquery-3.7.1/jquery.min.js" in u for u in found.loads)
    # Anchors to GX's documentation stay as they were.
    assert "https://docs.greatexpectations.io/" in (site / "index.html").read_text(encoding="utf-8")


def test_vendored_stylesheets_fonts_resolve(site):
    make_site_offline(site)
    vendor = site / "static" / "vendor"
    for css in vendor.rglob("*.css"):
        for url in CSS_URL.findall(css.read_text(encoding="utf-8")):
            if url.startswith("data:") or url.endswith(".ttf"):  # only the woff2 fonts are shipped
                continue
            assert not is_remote(url), (css, url)
            assert local_file(css, url).is_file(), (css, url)


def test_second_call_changes_nothing(site):
    make_site_offline(site)
    before = snapshot(site)
    assert make_site_offline(site) == 0
    assert snapshot(site) == before
