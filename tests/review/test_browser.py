"""The review app in a real browser: Debian's chromium, headless, driven by Selenium.

Few and fast: one server per test over the sample case, the officer's path through each
page, and a screenshot of each page for docs/review.md.
"""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import PIL.Image
import PIL.ImageStat
import pytest
from evidencekit_review.pdfimages import render_pages
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from evidencekit import Case, IngestRequest, Signer, ingest
from tests.browser import start_chromium
from tests.conftest import PASSPHRASE
from tests.review.test_http import _pdf_statement, _two_faces

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    driver = start_chromium("--window-size=1280,1000")
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def shot(driver: WebDriver, name: str) -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(int(height), 700), 1800))
    driver.save_screenshot(str(IMAGES / f"review-{name}.png"))
    driver.set_window_size(1280, 1000)


def wait_for(driver: WebDriver, css: str, seconds: float = 60) -> None:
    WebDriverWait(driver, seconds).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def press(driver: WebDriver, css: str) -> None:
    """Click what ``css`` finds, scrolled to the middle (the status bar covers the bottom)."""
    element = driver.find_element(By.CSS_SELECTOR, css)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def status(driver: WebDriver) -> str:
    return str(driver.find_element(By.ID, "status").text)


def test_photo_drag_preview_apply(browser: WebDriver, served: str, review_case: Case) -> None:
    browser.get(served)
    assert "Exhibits" in browser.title and "token" not in browser.current_url
    shot(browser, "exhibits")
    browser.find_element(By.LINK_TEXT, "HG/1").click()
    assert "Custody history" in browser.page_source
    shot(browser, "exhibit")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Review and redact").click()
    photo = browser.find_element(By.ID, "media")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth", photo))
    width = browser.execute_script("return arguments[0].clientWidth", photo)
    scale = 320 / width
    # drag from (40, 30) to (140, 110) in photo pixels; offsets count from the centre
    cx, cy = width / 2, 240 / scale / 2
    ActionChains(browser).move_to_element_with_offset(photo, 40 / scale - cx, 30 / scale - cy) \
        .click_and_hold().move_by_offset(50 / scale, 40 / scale) \
        .move_by_offset(50 / scale, 40 / scale).release().perform()
    items = browser.find_elements(By.CSS_SELECTOR, "#regions li")
    assert len(items) == 1 and "Box at x" in items[0].text
    x, y, w, h = (int(browser.find_element(By.ID, f"f-{k}").get_attribute("value") or -1)
                  for k in "xywh")
    assert abs(x - 40) <= 2 and abs(y - 30) <= 2 and abs(w - 100) <= 3 and abs(h - 80) <= 3
    browser.find_element(By.ID, "show-preview").click()
    WebDriverWait(browser, 60).until(lambda d: "Preview ready" in status(d))
    before = len(review_case.events())
    browser.find_element(By.ID, "passphrase").send_keys(PASSPHRASE)
    shot(browser, "photo")
    browser.find_element(By.ID, "apply").click()
    wait_for(browser, "#made")
    assert "HG/1-R1" in status(browser)
    assert browser.find_element(By.ID, "passphrase").get_attribute("value") == ""
    events = review_case.events()
    assert len(events) == before + 1 and events[-1].action == "redacted"
    copy = PIL.Image.open(review_case.object_path(review_case.item("HG/1-R1").sha256))
    inside = PIL.ImageStat.Stat(copy.convert("L").crop((x + 4, y + 4, x + w - 4, y + h - 4)))
    assert inside.extrema[0][1] - inside.extrema[0][0] < 12  # flat under the box
    browser.find_element(By.ID, "made").click()
    assert "redacted copy of HG/1" in browser.page_source


def test_video_scrub_and_region(browser: WebDriver, served: str, review_case: Case) -> None:
    browser.get(served)
    browser.get(served.split("?", maxsplit=1)[0] + "review/HG/2")
    video = browser.find_element(By.ID, "media")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "return arguments[0].readyState >= 2 && arguments[0].duration > 0", video))
    duration = float(browser.execute_script("return arguments[0].duration", video))
    slider = browser.find_element(By.ID, "time")
    browser.execute_script("arguments[0].value = arguments[1];"
                           "arguments[0].dispatchEvent(new Event('input'))", slider, 1.0)
    WebDriverWait(browser, 30).until(lambda d: abs(float(d.execute_script(
        "return arguments[0].currentTime", video)) - 1.0) < 0.05)
    browser.find_element(By.ID, "mark-start").click()
    browser.execute_script("arguments[0].value = arguments[1];"
                           "arguments[0].dispatchEvent(new Event('input'))", slider,
                           min(2.5, duration - 0.1))
    WebDriverWait(browser, 30).until(lambda d: float(d.execute_script(
        "return arguments[0].currentTime", video)) > 2.0)
    browser.find_element(By.ID, "mark-end").click()
    start = float(browser.find_element(By.ID, "f-start").get_attribute("value") or 0)
    end = float(browser.find_element(By.ID, "f-end").get_attribute("value") or 0)
    assert abs(start - 1.0) < 0.05 and end > 2.0
    ActionChains(browser).move_to_element_with_offset(video, -60, -40).click_and_hold() \
        .move_by_offset(40, 30).move_by_offset(40, 30).release().perform()
    browser.find_element(By.ID, "mute").click()
    regions = browser.find_elements(By.CSS_SELECTOR, "#regions li")
    assert len(regions) == 1 and re.search(r"1(\.0)?–2\.\d+ s", regions[0].text)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#timeline .range")) == 2
    assert len(browser.find_elements(By.CSS_SELECTOR, "#boxes .box")) == 1  # shown at 2.5 s
    shot(browser, "footage")
    browser.find_element(By.ID, "passphrase").send_keys(PASSPHRASE)
    browser.find_element(By.ID, "apply").click()
    wait_for(browser, "#made", 120)
    event = review_case.events()[-1]
    assert event.action == "redacted" and event.exhibit == "HG/2-R1"
    assert len(event.details["regions"]) == 1 and len(event.details["mute"]) == 1


def test_verify_page(browser: WebDriver, served: str) -> None:
    browser.get(served)
    browser.find_element(By.LINK_TEXT, "Verify the case").click()
    assert "OK:" in browser.find_element(By.CSS_SELECTOR, ".verdict").text
    shot(browser, "verify")


def test_statement_accept_one_reject_another(browser: WebDriver, served: str,
                                             review_case: Case) -> None:
    browser.get(served)
    browser.get(served.split("?", maxsplit=1)[0] + "statement/HG/3")
    wait_for(browser, "#pages img")
    rows = {r.find_element(By.CSS_SELECTOR, "td").text: r
            for r in browser.find_elements(By.CSS_SELECTOR, "tbody tr")}
    phone = next(t for t in rows if "07700" in t)
    postcode = next(t for t in rows if "NS4" in t)
    rows[phone].find_element(By.CSS_SELECTOR, 'input[value="accept"]').click()
    rows[postcode].find_element(By.CSS_SELECTOR, 'input[value="reject"]').click()
    assert "rejected" in (rows[postcode].get_attribute("class") or "")
    browser.find_element(By.ID, "show-preview").click()
    WebDriverWait(browser, 60).until(lambda d: "1 text(s) kept visible" in status(d))
    shot(browser, "statement")
    browser.find_element(By.ID, "passphrase").send_keys(PASSPHRASE)
    browser.find_element(By.ID, "apply").click()
    wait_for(browser, "#made", 120)
    derived = review_case.item("HG/3-R1")
    text = subprocess.run(["pdftotext", str(review_case.object_path(derived.sha256)), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert postcode in text and phone not in text
    assert review_case.events()[-1].details["kept_proposals"] == 1


def test_bundle_arrange_and_build(browser: WebDriver, served: str, review_case: Case) -> None:
    browser.get(served)
    browser.find_element(By.LINK_TEXT, "Bundle").click()
    browser.find_element(By.CSS_SELECTOR, '[aria-label="Move HG/2 up"]').click()  # HG/2 first
    browser.find_element(By.CSS_SELECTOR, '[aria-label="Move HG/3 to the next section"]').click()
    browser.find_element(By.ID, "passphrase").send_keys(PASSPHRASE)
    shot(browser, "bundle")
    browser.find_element(By.ID, "build").click()
    wait_for(browser, 'a[href^="/bundle/"]', 180)
    event = review_case.events()[-1]
    assert event.action == "bundled"
    assert [d["ref"] for d in event.details["documents"]] == ["HG/2", "HG/1", "HG/3"]


def test_face_tracks_one_by_one(browser: WebDriver, served: str, review_case: Case,
                                hana: Signer, tmp_path: Path) -> None:
    ingest(review_case, [_two_faces(tmp_path)], hana,
           IngestRequest(kind="photo", producer="HG", description="Two faces"))
    browser.get(served)
    browser.get(served.split("?", maxsplit=1)[0] + "review/HG/4")
    browser.find_element(By.ID, "find-faces").click()
    wait_for(browser, "#tracks li.track")
    tracks = browser.find_elements(By.CSS_SELECTOR, "#tracks li.track")
    assert len(tracks) == 2 and "2 face track(s) found by centerface" in \
        browser.find_element(By.ID, "faces-said").text
    for track in tracks:  # each crop loaded from the app
        img = track.find_element(By.TAG_NAME, "img")
        assert browser.execute_script("return arguments[0].naturalWidth", img) > 0
    assert len(browser.find_elements(By.CSS_SELECTOR, "#boxes .box.face")) == 2
    assert browser.find_element(By.ID, "faces").is_selected()
    browser.find_element(By.CSS_SELECTOR, 'label[for="track-2"]').click()  # keep face 2
    assert "face 2 will stay visible" in status(browser).lower()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#boxes .box.face.rejected")) == 1
    browser.find_element(By.ID, "show-preview").click()
    WebDriverWait(browser, 60).until(lambda d: "Preview ready" in status(d))
    shot(browser, "faces")
    before = len(review_case.events())
    browser.find_element(By.ID, "passphrase").send_keys(PASSPHRASE)
    browser.find_element(By.ID, "apply").click()
    wait_for(browser, "#made")
    events = review_case.events()
    assert len(events) == before + 1 and events[-1].exhibit == "HG/4-R1"
    faces = events[-1].details["faces"]
    assert faces["tracks"] == 2 and [r["track"] for r in faces["rejected"]] == [2]


def _statement_page(browser: WebDriver, served: str, ref: str) -> None:
    browser.get(served)
    browser.get(served.split("?", maxsplit=1)[0] + f"statement/{ref}")
    wait_for(browser, "#pages .page-stage img")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script(
        "const i = document.querySelector('#pages img'); return i.complete && i.naturalWidth"))


def test_box_drawn_on_a_pdf_page(browser: WebDriver, served: str, review_case: Case,
                                 hana: Signer, tmp_path: Path) -> None:
    ref = _pdf_statement(review_case, hana, tmp_path, "kerned.pdf")
    _statement_page(browser, served, ref)
    page = browser.find_element(By.CSS_SELECTOR, '#pages .page-stage[data-page="1"] img')
    # WebDriver's offsets count from the centre of the part of the image in view (a page
    # is taller than the window), so scroll it to the top and find that centre
    left, top, width, cx, cy = browser.execute_script(
        "const img = arguments[0]; img.scrollIntoView(); const r = img.getBoundingClientRect();"
        "const l = Math.max(r.left, 0), t = Math.max(r.top, 0);"
        "const right = Math.min(r.right, innerWidth), bottom = Math.min(r.bottom, innerHeight);"
        "return [r.left + img.clientLeft, r.top + img.clientTop, img.clientWidth,"
        "        (l + right) / 2, (t + bottom) / 2];", page)
    k = 595.2756 / width  # points per displayed pixel
    # drag from (300, 150) to (500, 250) in points
    ActionChains(browser).move_to_element_with_offset(page, left + 300 / k - cx,
                                                      top + 150 / k - cy) \
        .click_and_hold().move_by_offset(100 / k, 50 / k) \
        .move_by_offset(100 / k, 50 / k).release().perform()
    items = browser.find_elements(By.CSS_SELECTOR, "#page-boxes li")
    assert len(items) == 1 and items[0].text.startswith("Page 1: box at x")
    x, y, w, h = (int(browser.find_element(By.ID, f"b-{f}").get_attribute("value") or -1)
                  for f in "xywh")
    assert abs(x - 300) <= 3 and abs(y - 150) <= 3 and abs(w - 200) <= 4 and abs(h - 100) <= 4
    assert len(browser.find_elements(By.CSS_SELECTOR, "#pages .marks .box")) == 1
    browser.find_element(By.ID, "show-preview").click()
    WebDriverWait(browser, 60).until(lambda d: "Preview ready" in status(d))
    shot(browser, "statement-box")
    browser.find_element(By.ID, "passphrase").send_keys(PASSPHRASE)
    browser.find_element(By.ID, "apply").click()
    wait_for(browser, "#made", 120)
    event = review_case.events()[-1]
    assert event.action == "redacted" and event.exhibit == f"{ref}-R1"
    assert event.details["page_methods"][0]["boxes"] >= 1
    copy = review_case.object_path(review_case.item(f"{ref}-R1").sha256)
    image = PIL.Image.open(io.BytesIO(render_pages(copy, scale=1.0)[0])).convert("L")
    under = PIL.ImageStat.Stat(image.crop((x + 10, y + 10, x + w - 10, y + h - 10)))
    assert under.mean[0] < 60  # painted over where the officer dragged


def test_a_page_ocr_cannot_vouch_for_is_confirmed_in_the_page(
        browser: WebDriver, served: str, review_case: Case, hana: Signer,
        tmp_path: Path) -> None:
    ref = _pdf_statement(review_case, hana, tmp_path, "handwritten.pdf")
    _statement_page(browser, served, ref)
    browser.find_element(By.ID, "passphrase").send_keys(PASSPHRASE)
    press(browser, "#apply")
    wait_for(browser, "#reviewed-2", 120)
    assert "Page(s) 2 could not be read reliably" in \
        browser.find_element(By.ID, "refused-message").text
    press(browser, 'label[for="reviewed-2"]')
    shot(browser, "statement-refused")
    browser.find_element(By.ID, "passphrase").send_keys(PASSPHRASE)
    press(browser, "#apply")
    wait_for(browser, "#made", 120)
    pages = review_case.events()[-1].details["page_methods"]
    assert [p.get("reviewed", False) for p in pages] == [False, True]
