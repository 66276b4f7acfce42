"""/docs in a real browser with no internet: every tag, Authorize, and a try-out create."""

import os
from pathlib import Path
from typing import Any

import httpx
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from tests.server import LiveServer

OPERATION = "#operations-claims-claims-create"
STATEMENT = "Stretching before a run prevents injury"
# Where to keep the screenshot of the page after the try-out (a temporary folder otherwise).
SCREENSHOT_DIR = os.environ.get("CITEDB_SCREENSHOT_DIR")


def wait(driver: webdriver.Chrome, seconds: float = 30) -> WebDriverWait[webdriver.Chrome]:
    """Wait for something on the page."""
    return WebDriverWait(driver, seconds)


def test_docs_work_offline_authorize_and_try_out_a_create(
    chrome: webdriver.Chrome,
    live_server: LiveServer,
    editor_key: str,
    client: httpx.Client,
    tmp_path: Path,
) -> None:
    base = live_server.base_url
    chrome.get(f"{base}/docs#/claims/claims-create")  # a deep link: it opens the operation
    wait(chrome).until(ec.presence_of_element_located((By.CSS_SELECTOR, ".opblock-tag")))

    # Every tag of the OpenAPI document is on the page, and everything came from the server.
    spec: dict[str, Any] = client.get("/openapi.json").json()
    used = {tag for ops in spec["paths"].values() for op in ops.values() for tag in op["tags"]}
    shown = {
        element.get_attribute("data-tag")
        for element in chrome.find_elements(By.CSS_SELECTOR, ".opblock-tag")
    }
    assert shown == used
    assert used == {tag["name"] for tag in spec["tags"]}
    resources: list[str] = chrome.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources
    assert all(url.startswith(base) for url in resources), resources

    # Authorize with an editor key.
    chrome.find_element(By.CSS_SELECTOR, ".auth-wrapper .authorize").click()
    key_input = wait(chrome).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, ".auth-container input"))
    )
    key_input.send_keys(editor_key)
    chrome.find_element(By.CSS_SELECTOR, ".auth-btn-wrapper .authorize").click()
    chrome.find_element(By.CSS_SELECTOR, ".auth-btn-wrapper .btn-done").click()

    # Try out the create that the deep link opened, with our own body.
    operation = wait(chrome).until(ec.visibility_of_element_located((By.CSS_SELECTOR, OPERATION)))
    wait(chrome).until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, f"{OPERATION} .try-out__btn"))
    ).click()
    body = operation.find_element(By.CSS_SELECTOR, "textarea.body-param__text")
    body.send_keys(Keys.CONTROL, "a")
    body.send_keys(f'{{"statement": "{STATEMENT}"}}')
    operation.find_element(By.CSS_SELECTOR, ".execute").click()
    status = wait(chrome).until(
        ec.visibility_of_element_located(
            (
                By.CSS_SELECTOR,
                f"{OPERATION} .live-responses-table tr.response .response-col_status",
            )
        )
    )
    screenshot = Path(SCREENSHOT_DIR or tmp_path) / "docs-try-out.png"
    operation.location_once_scrolled_into_view  # noqa: B018 - scrolls the result into view
    chrome.save_screenshot(str(screenshot))
    assert status.text.strip().startswith("201"), status.text
    duration = operation.find_element(
        By.XPATH, ".//h5[text()='Request duration']/following-sibling::pre"
    )
    assert duration.text.endswith(" ms")

    # The key is kept for the next visit (persistAuthorization) and the claim was made.
    assert "ApiKey" in (chrome.execute_script("return localStorage.getItem('authorized')") or "")
    items = client.get("/v1/claims").json()["items"]
    assert [item["statement"] for item in items] == [STATEMENT]
