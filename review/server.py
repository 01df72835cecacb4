"""Starting the app: a socket on 127.0.0.1, the address with its token, uvicorn until Ctrl-C."""

from __future__ import annotations

import socket
import webbrowser
from collections.abc import Callable, Sequence
from pathlib import Path

import uvicorn

from evidencekit import Case, InputError, PublicKey

from .app import create_app
from .security import new_token

HOST = "127.0.0.1"


def listen(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1 only (``port`` 0: a free one the system picks).

    Raises:
        InputError: the port is taken or not allowed.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
        sock.listen(64)
    except OSError as exc:
        sock.close()
        raise InputError(f"Cannot listen on {HOST}:{port}: {exc.strerror or exc}.",
                         hint="Choose another --port, or --port 0 for a free one.") from exc
    return sock


def serve(case_dir: Path | None, *, port: int = 0, open_browser: bool = True,
          key: Path | None = None, trusted: Sequence[PublicKey] = (),
          echo: Callable[[str], None] = print) -> None:
    """Serve the review app for a case until Ctrl-C; the first line echoed is its address.

    The address carries a fresh token (256 random bits) that the first visit trades for
    a cookie. uvicorn's own Ctrl-C handling closes the server cleanly; no access log is
    kept (addresses name exhibits, and the first one carries the token).

    Raises:
        CaseError: no case there.
        InputError: the port cannot be listened on.
    """
    case = Case.open(case_dir) if case_dir is not None else Case.find()
    sock = listen(port)
    actual = int(sock.getsockname()[1])
    token = new_token()
    url = f"http://{HOST}:{actual}/?token={token}"
    echo(f"Open {url}")
    echo("Press Ctrl-C to stop.")
    app = create_app(case, token=token, port=actual, key=key, trusted=trusted)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            server_header=False, date_header=False)
    if open_browser:
        webbrowser.open(url)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        pass  # uvicorn shut down cleanly, then raised Ctrl-C again: stopping is the normal end
    finally:
        sock.close()
    echo("Stopped.")
