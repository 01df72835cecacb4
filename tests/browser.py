"""Debian's chromium, headless, driven by Selenium: the one way the tests start a browser."""

from __future__ import annotations

import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

_ARGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--autoplay-policy=no-user-gesture-required")


def start_chromium(*extra: str) -> WebDriver:
    """A headless chromium with ``extra`` arguments; fails the test when it is missing."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.fail("chromium and chromium-driver are needed: run scripts/setup.sh")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (*_ARGS, *extra):
        options.add_argument(arg)
    return webdriver.Chrome(options=options, service=Service(executable_path=driver))
