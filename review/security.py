"""The guard in front of every request: token, Host, Origin, size, and strict headers.

The review app serves evidence about frightened witnesses, so nothing reaches a route
unless all of these hold (each refusal is a plain-text response, never a page):

1. The ``Host`` header is ``127.0.0.1:PORT`` or ``localhost:PORT`` (DNS rebinding).
2. The request carries the token: in the session cookie, or once as ``?token=`` on a
   ``GET``, which sets the cookie (``HttpOnly; SameSite=Strict``) and redirects to the
   same address without the token, so it stays out of history and logs.
3. A state-changing request (anything but ``GET``/``HEAD``) comes from this origin: its
   ``Origin`` header is this app's (CSRF); ``Sec-Fetch-Site``, when sent, is ``same-origin``.
4. A body is at most ``max_body`` bytes, whatever ``Content-Length`` claims.

Every response gets a strict Content-Security-Policy and no CORS header at all.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOKEN_BYTES = 32
"""256 random bits (the issue asks for at least 128)."""
MAX_BODY = 1 << 20
"""Largest request body: regions, choices and a passphrase fit easily in 1 MiB."""
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
       "media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]
_SAFE_METHODS = ("GET", "HEAD")


def new_token() -> str:
    """A fresh URL-safe token of :data:`TOKEN_BYTES` random bytes."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie") or ""
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _same(a: str | None, b: str) -> bool:
    return a is not None and hmac.compare_digest(a.encode(), b.encode())


async def _refuse(send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]] | None
                  = None) -> None:
    body = text.encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"),
               (b"content-length", str(len(body)).encode()), *_HEADERS, *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware enforcing the numbered checks of this module on every request."""

    def __init__(self, app: ASGIApp, *, token: str, port: int, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.token = token
        self.port = port
        self.max_body = max_body
        self.hosts = (f"127.0.0.1:{port}", f"localhost:{port}")
        self.origins = tuple(f"http://{h}" for h in self.hosts)
        # cookies are kept per host, not per port: name it after the port so two
        # review apps on one machine never read each other's cookie
        self.cookie = f"evidencekit_review_{port}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then pass it on with the strict headers added."""
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await self.app(scope, receive, send)
            return  # no websockets
        refusal = self._refusal(scope)
        if refusal is not None:
            await _refuse(send, *refusal)
            return
        if self._token_in_query(scope):
            await self._set_cookie(scope, send)
            return
        if not _same(_cookie(scope, self.cookie), self.token):
            await _refuse(send, 403, "Open the address printed by `evidencekit review` "
                          "(it carries the token).")
            return
        await self.app(scope, self._limited(scope, receive), self._with_headers(send))

    def _refusal(self, scope: Scope) -> tuple[int, str] | None:
        """(1) Host, (3) Origin and (4) declared size; None when all hold."""
        if _header(scope, b"host") not in self.hosts:
            return 421, "This address is not served here (the Host header is refused)."
        if scope["method"] not in _SAFE_METHODS:
            if _header(scope, b"origin") not in self.origins:
                return 403, "Cross-origin request refused."
            if _header(scope, b"sec-fetch-site") not in (None, "same-origin"):
                return 403, "Cross-site request refused."
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            return 413, "Request too large."
        return None

    def _token_in_query(self, scope: Scope) -> bool:
        query = dict(parse_qsl(bytes(scope.get("query_string", b"")).decode("latin-1")))
        return "token" in query and scope["method"] in _SAFE_METHODS

    async def _set_cookie(self, scope: Scope, send: Send) -> None:
        """(2) A right token becomes the cookie; the address is reloaded without it."""
        pairs = parse_qsl(bytes(scope.get("query_string", b"")).decode("latin-1"))
        if not _same(dict(pairs).get("token"), self.token):
            await _refuse(send, 403, "Wrong token: open the address printed by "
                          "`evidencekit review` again.")
            return
        rest = urlencode([(k, v) for k, v in pairs if k != "token"])
        location = scope["path"] + (f"?{rest}" if rest else "")
        cookie = f"{self.cookie}={self.token}; Path=/; HttpOnly; SameSite=Strict"
        await _refuse(send, 303, "See the page without the token.",
                      [(b"location", location.encode()), (b"set-cookie", cookie.encode())])

    def _limited(self, scope: Scope, receive: Receive) -> Receive:
        """(4) Count the body as it arrives; a chunked body past the limit is cut off."""
        seen = [0]

        async def limited() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                seen[0] += len(message.get("body", b""))
                if seen[0] > self.max_body:
                    raise BodyTooLarge
            return message

        return limited

    @staticmethod
    def _with_headers(send: Send) -> Send:
        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                # a route may make a header stricter (files get a sandboxing CSP)
                own = list(message.get("headers", []))
                names = {bytes(k).lower() for k, _v in own}
                message["headers"] = [*own, *[(k, v) for k, v in _HEADERS if k not in names]]
            await send(message)

        return sending


class BodyTooLarge(Exception):
    """A streamed request body went past the limit (the app answers 413)."""
