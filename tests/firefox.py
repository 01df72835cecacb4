"""Debian's firefox-esr, headless, driven over Marionette (Mozilla's marionette_driver).

Debian has no geckodriver and nothing may be downloaded at run time, so the tests talk
to Firefox's own Marionette server: Firefox starts with ``--marionette`` on a fresh
profile whose ``user.js`` sets the port and keeps it off the network. Everything that
Firefox would fetch by itself (updates, remote settings, telemetry, safe browsing,
captive-portal checks, DNS over HTTPS) is switched off, and a proxy on a closed loopback
port catches anything else; only 127.0.0.1 and localhost, where the app listens, bypass it.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from marionette_driver.marionette import Marionette

DEAD = "http://127.0.0.1:1/"
_PREFS: dict[str, object] = {
    "browser.shell.checkDefaultBrowser": False, "browser.startup.page": 0,
    "browser.startup.homepage": "about:blank", "browser.newtabpage.enabled": False,
    "app.update.disabledForTesting": True, "app.update.auto": False,
    "extensions.update.enabled": False, "extensions.getAddons.cache.enabled": False,
    "extensions.systemAddon.update.enabled": False, "browser.search.update": False,
    "browser.region.update.enabled": False, "browser.region.network.url": "",
    "services.settings.server": DEAD, "app.normandy.enabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "datareporting.policy.dataSubmissionEnabled": False, "toolkit.telemetry.enabled": False,
    "toolkit.telemetry.unified": False, "toolkit.telemetry.server": DEAD,
    "browser.safebrowsing.malware.enabled": False, "browser.safebrowsing.phishing.enabled": False,
    "browser.safebrowsing.downloads.enabled": False,
    "browser.safebrowsing.provider.mozilla.updateURL": DEAD,
    "browser.safebrowsing.provider.google4.updateURL": DEAD,
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False, "network.trr.mode": 5,
    "network.dns.disablePrefetch": True, "network.prefetch-next": False,
    "network.http.speculative-parallel-limit": 0, "geo.provider.network.url": "",
    "media.gmp-manager.url": DEAD, "media.gmp-manager.updateEnabled": False,
    "dom.push.connection.enabled": False, "dom.push.serverURL": "",
    "messaging-system.rsexperimentloader.enabled": False,
    # anything left goes to a closed port; only the app's own addresses bypass the proxy
    "network.proxy.type": 1, "network.proxy.http": "127.0.0.1", "network.proxy.http_port": 1,
    "network.proxy.ssl": "127.0.0.1", "network.proxy.ssl_port": 1,
    "network.proxy.no_proxies_on": "127.0.0.1,localhost",
    "network.proxy.allow_hijacking_localhost": False,
    # the clip and photos of the tests play without a user gesture
    "media.autoplay.default": 0,
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pref(name: str, value: object) -> str:
    text = ("true" if value else "false") if isinstance(value, bool) else (
        str(value) if isinstance(value, int) else f'"{value}"')
    return f'user_pref("{name}", {text});\n'


def _connect(port: int, proc: subprocess.Popen[bytes], seconds: float) -> Marionette:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"firefox-esr did not open Marionette on port {port} "
                            f"(exit code {proc.poll()})")
            time.sleep(0.2)
    client = Marionette(host="127.0.0.1", port=port, socket_timeout=120)
    client.start_session()
    return client


@contextmanager
def firefox(profile: Path, width: int = 1280, height: int = 1000) -> Iterator[Marionette]:
    """A headless firefox-esr on a fresh profile, as a Marionette session; then stopped."""
    exe = shutil.which("firefox-esr") or shutil.which("firefox")
    if exe is None:
        pytest.fail("firefox-esr is needed: run scripts/setup.sh")
    port = _free_port()
    profile.mkdir(parents=True, exist_ok=True)
    (profile / "user.js").write_text(
        "".join(_pref(k, v) for k, v in {**_PREFS, "marionette.port": port}.items()))
    proc = subprocess.Popen([exe, "--headless", "--marionette", "--no-remote",
                             "--profile", str(profile), f"--width={width}",
                             f"--height={height}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = _connect(port, proc, 60)
        try:
            yield client
        finally:
            client.delete_session()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
