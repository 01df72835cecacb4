"""The bundle page: arrange sections and order, build (``build_bundle``), download, index.

The arrangement becomes a bundle spec in the documented TOML format and is read by the
library's own ``parse_spec``, so the browser can ask for nothing the CLI's ``--spec``
could not. The built bundle is the one stored in the case by its ``bundled`` event; it
is downloaded from there, by event number.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from evidencekit import (
    BundleError,
    BundleRequest,
    BundleSpec,
    Case,
    Event,
    InputError,
    KeyFileError,
    build_bundle,
    load_signer,
    parse_spec,
)

from . import views
from .actions import body_of
from .html import e, page, table

if TYPE_CHECKING:
    from .app import Review


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string


def spec_of(data: dict[str, Any]) -> BundleSpec:
    """The posted arrangement as a bundle spec, through the library's parser.

    Raises:
        InputError: sections or fields of the wrong shape; what ``parse_spec`` refuses.
    """
    sections, parties = data.get("sections"), data.get("parties", [])
    if not isinstance(sections, list) or not isinstance(parties, list):
        raise InputError("sections and parties must be lists.")
    lines = ["[bundle]", f"parties = [{', '.join(_q(str(p)) for p in parties)}]"]
    if isinstance(data.get("hearing"), str) and data["hearing"].strip():
        lines.append(f"hearing = {_q(data['hearing'].strip())}")
    for section in sections:
        if not isinstance(section, dict) or not isinstance(section.get("exhibits"), list):
            raise InputError("Each section needs a title and a list of exhibits.")
        if not section["exhibits"]:
            continue
        refs = ", ".join(_q(str(r)) for r in section["exhibits"])
        lines += ["", "[[section]]", f"title = {_q(str(section.get('title', '')))}",
                  f"exhibits = [{refs}]"]
    return parse_spec("\n".join(lines) + "\n")


def build(case: Case, key: Path | None, data: dict[str, Any], passphrase: str) -> int:
    """Build and record the bundle; the number of its ``bundled`` event.

    Raises:
        KeyFileError: no key, or a wrong passphrase.
        BundleError: what ``build_bundle`` refuses.
    """
    if key is None:
        raise KeyFileError("No key to sign with.",
                           hint="Start the app with `evidencekit review --key YOUR.key`.")
    request = BundleRequest(spec_of(data), redacted=data.get("redacted") is True,
                            numbering=str(data.get("numbering", "continuous")))
    signer = load_signer(key, passphrase)
    with tempfile.TemporaryDirectory(prefix="evidencekit-review-") as folder:
        seq = build_bundle(case, signer, Path(folder) / "bundle.pdf", request).event_seq
    if seq is None:  # only a draft goes unrecorded, and this request is not one
        raise BundleError("The bundle was not recorded in the custody log.")
    return seq


def _section(title: str, refs: list[tuple[str, str]]) -> str:
    items = "".join(f'<li data-ref="{e(ref)}"><span class="ref">{e(ref)}</span> {e(desc)}</li>'
                    for ref, desc in refs)
    return (f'<fieldset class="section"><legend>Section</legend><label>Title '
            f'<input class="title" value="{e(title)}"></label><ol class="docs">{items}</ol>'
            "</fieldset>")


def _built(events: list[Event]) -> str:
    bundles = [ev for ev in events if ev.action == "bundled"]
    if not bundles:
        return "<p>No bundle built yet.</p>"
    out = []
    for ev in reversed(bundles):
        docs = ev.details.get("documents")
        rows = [[e(d.get("section", "")), e(d.get("ref", "")),
                 e(f'{d.get("first_label", "")}–{d.get("last_label", "")}')]
                for d in (docs if isinstance(docs, tuple | list) else ()) if isinstance(d, Mapping)]
        kind = "redacted" if ev.details.get("redacted") else "unredacted"
        out.append(f'<h3>Bundle of {e(ev.time)} ({kind}, {e(ev.details.get("pages", "?"))} '
                   f'pages)</h3><p><a href="/bundle/{ev.seq}" download>Download the bundle '
                   f'(custody event #{ev.seq})</a></p>'
                   + table("Index", ["Section", "Exhibit", "Pages"], rows))
    return "".join(out)


def bundle_page(case: Case) -> str:
    """Sections to arrange (default: statements, then the rest), options, earlier bundles."""
    originals = [i for i in case.items() if i.source_ref is None]
    statements = [(i.ref, i.description) for i in originals
                  if views.kind_of(i) == "statement"]
    rest = [(i.ref, i.description) for i in originals if views.kind_of(i) != "statement"]
    body = ('<p>Arrange the documents: move each with its buttons (keyboard: Tab to them), '
            'rename sections, add one. Then build: the bundle is recorded in custody.</p>'
            f'<div id="sections">{_section("Statements", statements)}'
            f'{_section("Exhibits", rest)}</div>'
            '<p><button type="button" id="add-section">Add a section</button></p>'
            '<form id="build-form"><label>Parties (one a line) <textarea id="parties" rows="2">'
            '</textarea></label><label>Hearing <input id="hearing"></label>'
            '<label class="check"><input type="checkbox" id="redacted"> Redacted copies only '
            '(for the defence)</label><label>Numbering <select id="numbering"><option>'
            'continuous</option><option>sections</option></select></label>'
            '<label>Passphrase of your key <input id="passphrase" type="password" '
            'autocomplete="off" required></label>'
            '<button type="submit" id="build">Build and sign the bundle</button></form>'
            f'<section aria-label="Bundles built"><h2>Bundles built</h2>{_built(case.events())}'
            "</section>")
    return page("Bundle", body, case_title=f"{case.info.ref}: {case.info.title}",
                scripts=["bundle.js"])


def routes(review: Review) -> list[Route]:
    """The bundle page, Build, and downloads by custody event number."""
    async def page_route(_request: Request) -> Response:
        return HTMLResponse(await review.run(bundle_page, review.case))

    async def build_route(request: Request) -> Response:
        data = await body_of(request)
        secret = data.pop("passphrase", None)
        if not isinstance(secret, str) or not secret:
            raise KeyFileError("Type the passphrase of your key to sign the bundle.")
        seq = await review.run(build, review.case, review.key, data, secret)
        return JSONResponse({"event_seq": seq, "download": f"/bundle/{seq}"})

    async def download(request: Request) -> Response:
        seq = int(request.path_params["seq"])
        events = await review.run(review.case.events)
        found = next((ev for ev in events if ev.seq == seq and ev.action == "bundled"), None)
        if found is None or found.sha256 is None:
            return HTMLResponse("<!doctype html><p>There is no such bundle.</p>", 404)
        return FileResponse(review.case.object_path(found.sha256),
                            media_type="application/pdf",
                            filename=f"{review.case.info.ref}-bundle-{seq}.pdf")

    return [Route("/bundle", page_route), Route("/api/bundle", build_route, methods=["POST"]),
            Route("/bundle/{seq:int}", download)]
