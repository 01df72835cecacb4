"""A smart-rendered copy plays and seeks across its joins in a real browser (Debian's
chromium, headless, driven by Selenium): the avc3 stream with in-band parameter sets is
what a court's or partner's browser-based player will be given."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

from evidencekit.redact import video
from tests.unit.test_smart_render import REGIONS, make_clip

pytestmark = pytest.mark.slow
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")

PLAY_AND_SEEK = """
const done = arguments[arguments.length - 1];
const v = document.getElementById("v");
const seen = [];
const fail = () => done({error: v.error ? v.error.code : -1, seen});
v.addEventListener("error", fail);
const seekTo = (times) => {
  if (!times.length) { done({error: 0, seen, duration: v.duration}); return; }
  v.addEventListener("seeked", () => {
    v.requestVideoFrameCallback(() => { seen.push(v.currentTime); seekTo(times.slice(1)); });
    v.play().catch(fail);
  }, {once: true});
  v.currentTime = times[0];
};
v.play().then(() => seekTo([6.5, 8.0, 10.2, 14.7, 19.0])).catch(fail);
"""
"""Play, then seek into, across and out of each re-encoded span and wait for a frame."""


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    if CHROMIUM is None or DRIVER is None:
        pytest.fail("chromium and chromium-driver are needed: run scripts/setup.sh")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--mute-audio",
                "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
                "--allow-file-access-from-files"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))
    driver.set_script_timeout(90)
    yield driver
    driver.quit()


def test_smart_rendered_copy_plays_and_seeks_across_its_joins(browser: WebDriver,
                                                               tmp_path: Path) -> None:
    src = make_clip(tmp_path / "cctv.mp4", 20)
    out = tmp_path / "out.mp4"
    rendering = video.redact_media(src, out, REGIONS)
    assert rendering.smart and rendering.reencoded, rendering
    page = tmp_path / "play.html"
    page.write_text('<!doctype html><video id="v" src="out.mp4" muted playsinline></video>')
    browser.get(page.as_uri())
    result = browser.execute_async_script(PLAY_AND_SEEK)
    assert result["error"] == 0, result
    assert len(result["seen"]) == 5, result
    assert abs(result["duration"] - 20.0) < 0.1, result
