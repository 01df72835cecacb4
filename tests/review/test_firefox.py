"""The review app in Firefox: Debian's firefox-esr, headless, driven over Marionette.

The same officer's path as the chromium test of a photo (tests/review/test_browser.py),
really done by Firefox: open the app with the token, drag a box on the photo, preview,
apply with the passphrase, and check the derived exhibit's pixels are flat under the box.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import PIL.Image
import PIL.ImageStat
import pytest
from marionette_driver.by import By
from marionette_driver.marionette import Marionette

from evidencekit import Case
from tests.conftest import PASSPHRASE
from tests.firefox import firefox

pytestmark = pytest.mark.slow
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Marionette]:
    with firefox(tmp_path_factory.mktemp("firefox-profile")) as client:
        client.timeout.page_load = 60
        yield client


def until(check: Callable[[], object], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting after {seconds} s")
        time.sleep(0.2)


def status(browser: Marionette) -> str:
    return str(browser.execute_script(
        "return document.getElementById('status').textContent"))


def test_photo_drag_preview_apply_in_firefox(browser: Marionette, served: str,
                                             review_case: Case) -> None:
    browser.navigate(served)
    assert "Exhibits" in browser.title and "token" not in browser.get_url()
    assert "firefox" in str(browser.session_capabilities["browserName"]).lower()
    browser.navigate(served.split("?", maxsplit=1)[0] + "review/HG/1")
    photo = browser.find_element(By.ID, "media")
    until(lambda: browser.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth", script_args=[photo]))
    width = float(browser.execute_script("return arguments[0].clientWidth",
                                         script_args=[photo]))
    height = float(browser.execute_script("return arguments[0].clientHeight",
                                          script_args=[photo]))
    scale = 320 / width
    # drag from (40, 30) to (140, 110) in photo pixels; offsets count from the centre
    x0, y0 = round(40 / scale - width / 2), round(30 / scale - height / 2)
    mouse = browser.actions.sequence("pointer", "mouse", {"pointerType": "mouse"})
    mouse.pointer_move(x0, y0, origin=photo).pointer_down() \
        .pointer_move(round(50 / scale), round(40 / scale), duration=100, origin="pointer") \
        .pointer_move(round(50 / scale), round(40 / scale), duration=100, origin="pointer") \
        .pointer_up().perform()
    items = browser.find_elements(By.CSS_SELECTOR, "#regions li")
    assert len(items) == 1 and "Box at x" in items[0].text
    x, y, w, h = (int(browser.find_element(By.ID, f"f-{k}").get_property("value") or -1)
                  for k in "xywh")
    assert abs(x - 40) <= 2 and abs(y - 30) <= 2 and abs(w - 100) <= 3 and abs(h - 80) <= 3
    browser.find_element(By.ID, "show-preview").click()
    until(lambda: "Preview ready" in status(browser))
    before = len(review_case.events())
    browser.find_element(By.ID, "passphrase").send_keys(PASSPHRASE)
    IMAGES.mkdir(parents=True, exist_ok=True)
    (IMAGES / "review-firefox.png").write_bytes(browser.screenshot(format="binary"))
    browser.find_element(By.ID, "apply").click()
    until(lambda: browser.find_elements(By.ID, "made"), 120)
    assert "HG/1-R1" in status(browser)
    assert browser.find_element(By.ID, "passphrase").get_property("value") == ""
    events = review_case.events()
    assert len(events) == before + 1 and events[-1].action == "redacted"
    copy = PIL.Image.open(review_case.object_path(review_case.item("HG/1-R1").sha256))
    inside = PIL.ImageStat.Stat(copy.convert("L").crop((x + 4, y + 4, x + w - 4, y + h - 4)))
    assert inside.extrema[0][1] - inside.extrema[0][0] < 12  # flat under the box
    browser.find_element(By.ID, "made").click()
    until(lambda: "redacted copy of HG/1" in browser.page_source)
