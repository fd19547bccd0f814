"""Fixtures of the explorer's browser tests: a real server on 127.0.0.1 and Debian's Chromium driven by Selenium.

Screenshots go to ``tests/web/artifacts/`` (kept by CI as test artifacts and looked at by people).
"""

import os
import pathlib
import shutil

import pytest

ARTIFACTS = pathlib.Path(__file__).resolve().parent / "artifacts"


def _chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="session")
def explorer():
    pytest.importorskip("uvicorn", reason="the explorer needs uvicorn (pip install gradlab[explore])")
    from gradlab.web import start

    srv = start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    binary, driver_path = _chromium(), shutil.which("chromedriver")
    if not binary or not driver_path:
        pytest.skip("chromium and chromedriver (Debian: chromium, chromium-driver) are needed")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800",
                 "--disable-background-networking", "--no-first-run"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=webdriver.ChromeService(driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
