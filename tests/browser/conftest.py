"""A real browser: Debian's headless Chromium, driven through chromedriver by Selenium.

Without Chromium the browser tests are skipped; under CI=true they fail (``.ci/run``
installs it). The browser cannot reach the internet: every host name but the loopback
address is made unresolvable, so a page that needs a CDN shows it.
"""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.conftest import skip_unless_ci

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1600",
    # No internet: only 127.0.0.1 and localhost resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
)


def require_chromium() -> None:
    """Skip (or, under CI=true, fail) when Chromium or its driver is not installed."""
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if shutil.which(path) is None]
    if missing:
        skip_unless_ci(
            f"{' and '.join(missing)} not installed (apt-get install chromium chromium-driver)",
            "Chromium",
        )


@pytest.fixture
def chrome(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    """Start a headless Chromium with a fresh profile; quit it after the test."""
    require_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'profile'}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
