"""The dashboard in a real browser (`make e2e`): `streamlit run` serves the app on a free port against
the session's built region, and Debian's headless Chromium, driven by Selenium through the
`chromium-driver` package's chromedriver, opens each page and finds its title and a drawn chart.

Needs `apt-get install chromium chromium-driver` (`.ci/run` installs them). The driver path is
given explicitly, so Selenium Manager never tries to download a browser or a driver.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from orchestration.config import REPO_ROOT

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1400,1000"]
PAGES = {  # URL path (the default page is the root) → title
    "": "Region overview",
    "hospital": "Hospital drill-down",
    "mdc": "MDC indicators",
    "quality": "Data quality",
}
# Vega-Embed draws each Altair chart into a canvas (or an svg) once its data arrived.
CHART = ".vega-embed canvas, .vega-embed svg"
WAIT = 60  # seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard_url(built_region, tmp_path_factory):
    """`streamlit run dashboard/app.py` on the built region; its URL while the module's tests run."""
    port = free_port()
    log = (tmp_path_factory.mktemp("streamlit") / "streamlit.log").open("w")
    env = {**os.environ, "DRGDIP_PATHS_WAREHOUSE": str(built_region.warehouse)}
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "dashboard" / "app.py"),
         "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + WAIT
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start; see {log.name}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def browser():
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: apt-get install chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="drgdip-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, css: str, text: str | None = None):
    """The elements matching `css` (one with `text` when given), once they appear. Elements a rerun
    replaced while they were read are looked up again."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def found(d):
        elements = d.find_elements(By.CSS_SELECTOR, css)
        if text is not None:
            elements = [e for e in elements if e.text.strip() == text]
        return elements or False

    return WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,)).until(
        found, f"no {css!r}{f' {text!r}' if text else ''} on the page")


def no_exception(driver) -> None:
    from selenium.webdriver.common.by import By

    shown = driver.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
    assert not shown, shown[0].text


@pytest.mark.parametrize("path", PAGES)
def test_each_page_shows_its_title_and_a_chart(dashboard_url, browser, path):
    browser.get(f"{dashboard_url}/{path}")
    wait_for(browser, "h1", PAGES[path])
    assert wait_for(browser, CHART)
    no_exception(browser)


def app_idle(driver) -> None:
    """Wait until the script run is over (Streamlit shows its status widget while running), so the
    elements found next are not replaced under the test's hands."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'), "the app kept running")


def test_choosing_a_hospital_in_the_sidebar_opens_its_drill_down(dashboard_url, browser):
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    browser.get(f"{dashboard_url}/hospital")
    wait_for(browser, "h1", PAGES["hospital"])
    wait_for(browser, CHART)
    app_idle(browser)
    for attempt in range(3):  # a late rerun may still replace the sidebar once
        try:
            hospital_filter = next(box for box in wait_for(browser, '[data-testid="stSidebar"] '
                                                                   '[data-testid="stSelectbox"]')
                                   if box.text.startswith("Hospital"))
            hospital_filter.find_element(By.CSS_SELECTOR, "input").click()
            options = wait_for(browser, '[role="option"]')
            assert options[0].text == "All hospitals" and len(options) > 1
            options[1].click()
            break
        except StaleElementReferenceException:
            if attempt == 2:
                raise
    wait_for(browser, "h3", "Clearing lines (年度清算)")
    app_idle(browser)
    assert len(wait_for(browser, CHART)) >= 3
    no_exception(browser)
