"""Make a Great Expectations Data Docs site work without internet.

GX 1.24's Data Docs pages load jQuery, Popper, Bootstrap, bootstrap-table (and its filter-control
extension), bootstrap-datepicker, the bootstrap-dark theme, Font Awesome and Vega/Vega-Lite/Vega-Embed
from public CDNs, and GX's logo from its S3 bucket. On an agency's isolated network the index is
then an empty unstyled page (bootstrap-table draws its rows from JS) and validation pages are raw
text. `make_site_offline` copies the vendored builds (`vendor/`, see its README for versions and
licences) into `<site>/static/vendor/` and points every page at them with relative paths, so the
site works from disk (`file://`) and wherever it is copied.

The CDN URLs are the exact strings of GX's templates (`render/view/templates/page.j2`,
`index_page.j2`, `js_script_imports.j2`, `top_navbar.j2` and the default styles). A remote script or
stylesheet this module does not know (a newer GX) is left alone and logged as a warning.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

VENDOR_DIR = Path(__file__).with_name("vendor")
SITE_VENDOR = "static/vendor"  # where the vendored files go, relative to the site's root

# CDN URL in GX's templates → file under vendor/ (copied to <site>/static/vendor/).
CDN_ASSETS: dict[str, str] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js":
        "popper.js-1.12.9/umd/popper.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1/css/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1/js/bootstrap.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table-1.19.1/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table-1.19.1/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.js",
    # The templates ask for 1.19.0's filter-control stylesheet (index: .min.css, pages: .css); its
    # rules are the same as 1.19.1's (only the version comment differs), so one file serves both.
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table-1.19.1/extensions/filter-control/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker-1.9.0/css/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker-1.9.0/js/bootstrap-datepicker.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-dark-1.1.0/css/bootstrap-prefers-dark.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome-free-6.6.0/css/all.min.css",
    # jsDelivr serves a package's "jsdelivr" file for these bare version ranges.
    "https://cdn.jsdelivr.net/npm/vega@5": "vega-5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite-5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed-6.29.0/vega-embed.min.js",
}

# GX's logo comes from its S3 bucket (with a `?d=<time>&dataContextId=<id>` query), although GX
# copies its images into the site's static/images/. The dark-mode logo has no local copy: the light
# one stands in.
GX_WEB_ASSETS = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
GX_IMAGES: dict[str, str] = {
    "logo-long.png": "static/images/logo-long.png",
    "full_logo_dark.png": "static/images/logo-long.png",
}

_TAG = re.compile(r"<(?:script|link|img)\b[^>]*>", re.IGNORECASE)
_TAG_URL = re.compile(r"""(\s(?:src|href)\s*=\s*)(["'])(https?://[^"']*)\2""", re.IGNORECASE)
# Subresource integrity and CORS mode make Chromium refuse a file:// script (file:// has no CORS).
_SRI = re.compile(r"""\s(?:integrity|crossorigin)(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*(["']?)(https?://[^"')\s]+)\1\s*\)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+(["'])(https?://[^"']+)\1""", re.IGNORECASE)
_REMOTE_ASSET = re.compile(
    r"""<(?:script|link|img)\b[^>]*\s(?:src|href)\s*=\s*["']?(https?://[^"'\s>]+)""", re.IGNORECASE
)


def _local_target(url: str) -> str | None:
    """The site-relative path of the local copy of `url`, or None if it is not a known asset."""
    if url in CDN_ASSETS:
        return f"{SITE_VENDOR}/{CDN_ASSETS[url]}"
    if url.startswith(GX_WEB_ASSETS):
        name = url[len(GX_WEB_ASSETS):].split("?", 1)[0].split("#", 1)[0]
        return GX_IMAGES.get(name)
    return None


def _relative(site_dir: Path, page: Path, target: str) -> str:
    return Path(os.path.relpath(site_dir / target, page.parent)).as_posix()


def _rewrite(text: str, site_dir: Path, page: Path, is_html: bool) -> tuple[str, int]:
    """`text` with every known remote asset pointed at its local copy, and the number rewritten."""
    count = 0

    def local(url: str) -> str | None:
        target = _local_target(url)
        return None if target is None else _relative(site_dir, page, target)

    def tag(match: re.Match) -> str:
        nonlocal count
        original = match.group(0)

        def attribute(m: re.Match) -> str:
            nonlocal count
            path = local(m.group(3))
            if path is None:
                return m.group(0)
            count += 1
            return f"{m.group(1)}{m.group(2)}{path}{m.group(2)}"

        before = count
        rewritten = _TAG_URL.sub(attribute, original)
        if count != before:
            rewritten = _SRI.sub("", rewritten)
        return rewritten

    def css_url(m: re.Match) -> str:
        nonlocal count
        path = local(m.group(2))
        if path is None:
            return m.group(0)
        count += 1
        return f"url('{path}')"

    def css_import(m: re.Match) -> str:
        nonlocal count
        path = local(m.group(2))
        if path is None:
            return m.group(0)
        count += 1
        return f"@import {m.group(1)}{path}{m.group(1)}"

    if is_html:
        text = _TAG.sub(tag, text)
    text = _CSS_URL.sub(css_url, text)  # inline <style> of pages, and stylesheets
    text = _CSS_IMPORT.sub(css_import, text)
    return text, count


def copy_vendor(site_dir: Path) -> Path:
    """Copy the vendored files (and their licences) into `<site_dir>/static/vendor/`."""
    target = Path(site_dir) / SITE_VENDOR
    shutil.copytree(VENDOR_DIR, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def make_site_offline(site_dir: Path) -> int:
    """Copy the vendored JS/CSS/fonts into `<site_dir>/static/vendor/` and rewrite every CDN
    `<script src>`, `<link href>`, GX logo `<img src>` and CSS `url()`/`@import` in the site's
    `*.html` (and its own `*.css`) to a relative path to the local copy, dropping `integrity` and
    `crossorigin` from the rewritten tags. Idempotent: a second call rewrites nothing and returns 0.

    Returns the number of references rewritten. Plain links (`<a href>` to GX's documentation)
    are left alone; unknown remote scripts/stylesheets are kept and logged as warnings.
    """
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise FileNotFoundError(f"no Data Docs site at {site_dir}")
    vendor = copy_vendor(site_dir)
    total = 0
    for path in sorted([*site_dir.rglob("*.html"), *site_dir.rglob("*.css")]):
        if vendor in path.parents:
            continue
        text = path.read_text(encoding="utf-8")
        new_text, count = _rewrite(text, site_dir, path, is_html=path.suffix == ".html")
        if count:
            path.write_text(new_text, encoding="utf-8")
            total += count
        if path.suffix == ".html":
            for url in sorted(set(_REMOTE_ASSET.findall(new_text))):
                log.warning("%s still loads %s (not vendored): it will not load offline", path, url)
    return total
