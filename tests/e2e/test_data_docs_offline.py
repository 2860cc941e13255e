"""A month's Data Docs site opened from disk in headless Chromium with no network (`make e2e`).

A small real GX site (two validation runs named like `run_month`'s months, 2024-03 failing and
2024-04 passing) is made offline with `make_site_offline`; Chromium then opens
`file://…/index.html` and must show both runs in the index's validation table (bootstrap-table
draws those rows from JS, so they only appear if jQuery and bootstrap-table loaded), Bootstrap's
styles and Font Awesome's font, and, after a click on the 2024-03 row, the validation page with its
expectation tables.

No network: as root, chromedriver and Chromium run inside a new network namespace
(`unshare --net`: no interface but loopback, which the probe brings up for chromedriver), driven by
this file run as a script (`python test_data_docs_offline.py <request.json>`), which prints what it
saw as JSON. Where `unshare` is not permitted (not root), the probe runs in-process and Chromium
gets `--proxy-server=127.0.0.1:9 --proxy-bypass-list=<-loopback>` instead, so every http(s) request
goes to a closed port. The probe's `network` entry says which was used (the test prints it with
its timing on stderr: `pytest -s`). On this project's CI (root) it is the namespace.

Needs `apt-get install chromium chromium-driver` (`.ci/run` installs them).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1400,1000"]
NO_NETWORK_PROXY = ["--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>"]
MONTHS = ("2024-03", "2024-04")
SCREENSHOT = Path("/tmp/offline_docs_index.png")
WAIT = 20  # seconds


# --- the probe: drives the browser, returns what it saw (runs inside the namespace) -------------

def loopback_up() -> None:
    """A new network namespace's `lo` is down; chromedriver listens on 127.0.0.1."""
    import fcntl
    import socket
    import struct

    siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(sock, siocgifflags, request))[1]
        fcntl.ioctl(sock, siocsifflags, struct.pack("16sH22x", b"lo", flags | iff_up))


def internet_reachable() -> bool:
    import socket

    try:
        socket.create_connection(("151.101.1.229", 443), timeout=3).close()  # a Fastly (jsDelivr) address
        return True
    except OSError:
        return False


FONTS_JS = """
return Array.from(document.fonts).filter(f => f.family.includes('Font Awesome'))
    .map(f => f.family.replace(/"/g, '') + ' ' + f.weight + ' ' + f.status);
"""


def probe(index: str, month: str, screenshot: str, proxy: bool) -> dict:
    """Open the index, read its validation table, click `month`'s row, read the validation page."""
    from selenium import webdriver
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    seen: dict = {}
    profile = tempfile.mkdtemp(prefix="drgdip-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*CHROMIUM_FLAGS, *(NO_NETWORK_PROXY if proxy else []), f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    rows_css = ".ge-index-page-validation-results-table tbody tr"

    def wait(condition, seconds=WAIT):
        try:
            return WebDriverWait(driver, seconds, ignored_exceptions=(StaleElementReferenceException,)
                                 ).until(condition)
        except TimeoutException:
            return None

    def row_texts() -> list[str]:
        for _ in range(5):
            try:
                return [r.text for r in driver.find_elements(By.CSS_SELECTOR, rows_css)]
            except StaleElementReferenceException:
                time.sleep(0.2)
        return []

    try:
        driver.get(index)
        wait(lambda d: d.execute_script("return document.readyState") == "complete")
        seen["index_title"] = driver.title
        seen["index_jquery"] = driver.execute_script("return typeof window.jQuery === 'function'")
        seen["index_bootstrap_table"] = driver.execute_script(
            "return !!(window.jQuery && jQuery.fn.bootstrapTable)")
        wait(lambda d: all(any(m in row for row in row_texts()) for m in MONTHS),
             seconds=WAIT if seen["index_bootstrap_table"] else 2)
        seen["index_rows"] = row_texts()
        seen["navbar_position"] = driver.execute_script(  # Bootstrap's .sticky-top
            "const n = document.querySelector('nav.navbar'); return n && getComputedStyle(n).position")
        wait(lambda d: any("900 loaded" in f for f in d.execute_script(FONTS_JS)), seconds=5)
        seen["fonts"] = driver.execute_script(FONTS_JS)
        driver.save_screenshot(screenshot)
        seen["browser_log"] = [e["message"] for e in driver.get_log("browser")]

        for _ in range(5):  # bootstrap-table may redraw its rows (filter controls) under our hands
            try:
                row = next((r for r in driver.find_elements(By.CSS_SELECTOR, rows_css) if month in r.text), None)
                if row is not None:
                    row.click()
                    wait(lambda d: "/validations/" in d.current_url)
                break
            except StaleElementReferenceException:
                time.sleep(0.2)
        seen["validation_url"] = driver.current_url
        if "/validations/" in driver.current_url:
            wait(lambda d: d.find_elements(By.CSS_SELECTOR, ".bootstrap-table table.table tbody tr"))
            tables = driver.find_elements(By.CSS_SELECTOR, ".bootstrap-table table.table")
            seen["validation_tables"] = len(tables)
            seen["validation_rows"] = [r.text for t in tables for r in t.find_elements(By.CSS_SELECTOR, "tbody tr")]
            seen["table_cell_padding"] = driver.execute_script(  # Bootstrap's .table-sm cells: .3rem
                "const c = document.querySelector('table.table-sm td'); return c && getComputedStyle(c).paddingTop")
            driver.save_screenshot(screenshot.replace(".png", "_validation.png"))
            seen["validation_text"] = driver.find_element(By.TAG_NAME, "body").text
            seen["browser_log"] += [e["message"] for e in driver.get_log("browser")]
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return seen


def main(request_path: str) -> None:
    """The probe as a script, inside `unshare --net`: print the result as JSON on stdout's last line."""
    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    loopback_up()
    seen = probe(request["index"], request["month"], request["screenshot"], proxy=False)
    seen["internet_reachable"] = internet_reachable()
    seen["network"] = "network namespace (unshare --net)"
    print(json.dumps(seen))


# --- the tests ----------------------------------------------------------------------------------

def can_unshare_network() -> bool:
    unshare = shutil.which("unshare")
    return bool(unshare) and subprocess.run([unshare, "--net", "true"], capture_output=True, check=False).returncode == 0


def open_offline(site: Path, month: str, tmp_path: Path) -> dict:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: apt-get install chromium chromium-driver")
    index = (site / "index.html").as_uri()
    if not can_unshare_network():
        seen = probe(index, month, str(SCREENSHOT), proxy=True)
        seen["network"] = "proxy 127.0.0.1:9 (unshare --net not permitted)"
        return seen
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"index": index, "month": month, "screenshot": str(SCREENSHOT)}))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).parents[2]),
                                                                     os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(["unshare", "--net", sys.executable, __file__, str(request)],
                          capture_output=True, text=True, timeout=180, env=env, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def offline_site(tmp_path_factory) -> Path:
    from gx_docs_site import build_site

    from orchestration.quality.offline_docs import make_site_offline

    site = build_site(tmp_path_factory.mktemp("gx"), months=MONTHS)
    assert make_site_offline(site) > 0
    return site


def test_offline_site_renders_without_network(offline_site, tmp_path):
    started = time.monotonic()
    seen = open_offline(offline_site, MONTHS[0], tmp_path)
    print(f"{seen['network']}: {time.monotonic() - started:.1f} s", file=sys.stderr)
    if "internet_reachable" in seen:
        assert seen["internet_reachable"] is False
    # The index: JS loaded, so bootstrap-table drew one row per run; Bootstrap and Font Awesome styled it.
    assert seen["index_jquery"] and seen["index_bootstrap_table"]
    for month in MONTHS:
        assert any(month in row for row in seen["index_rows"]), (month, seen["index_rows"])
    assert seen["navbar_position"] == "sticky"
    assert any(font.endswith("900 loaded") for font in seen["fonts"]), seen["fonts"]
    assert SCREENSHOT.stat().st_size > 10_000
    # The 2024-03 validation page: its expectation tables, drawn by bootstrap-table and styled.
    assert f"/validations/claims/{MONTHS[0]}/" in seen["validation_url"], seen["validation_url"]
    assert seen["validation_tables"] >= 1 and seen["table_cell_padding"] == "4.8px"
    rows = "\n".join(seen["validation_rows"])
    assert "values must never be null" in rows and "99999" in seen["validation_text"], rows
    failed_loads = [m for m in seen["browser_log"] if "ERR_" in m and "favicon.ico" not in m]
    assert failed_loads == []


if __name__ == "__main__":
    main(sys.argv[1])
