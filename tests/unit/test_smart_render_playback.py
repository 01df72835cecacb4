"""A smart-rendered copy plays and seeks across its joins in a real browser (Debian's
chromium, headless, driven by Selenium): the avc3 stream with in-band parameter sets is
what a court's or partner's browser-based player will be given."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from evidencekit.redact import video
from tests.browser import start_chromium
from tests.unit.test_smart_render import REGIONS, make_clip

pytestmark = pytest.mark.slow

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
    driver = start_chromium("--mute-audio", "--allow-file-access-from-files")
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
