"""Every route of the review app, and every refusal, through Starlette's test client."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import make_pdfs
import PIL.Image
import PIL.ImageStat
import pytest
from evidencekit_review import actions
from evidencekit_review.app import create_app
from evidencekit_review.pdfimages import render_pages
from starlette.testclient import TestClient

from evidencekit import Case, IngestRequest, Signer, ingest, verify_case
from tests.conftest import PASSPHRASE
from tests.review.conftest import BASE, ORIGIN, PORT, TOKEN

FACE = Path(__file__).resolve().parents[2] / "fixtures" / "faces" / "astronaut_256.jpg"
PLAN = {"regions": [{"x": 40, "y": 30, "w": 100, "h": 80}]}
PAGES = ["/", "/exhibit/HG/1", "/exhibit/HG/2", "/exhibit/HG/3", "/verify", "/review/HG/1",
         "/review/HG/2", "/statement/HG/3", "/static/statement.js", "/static/review.css",
         "/static/redact.js", "/static/common.js", "/bundle", "/static/bundle.js",
         "/static/faces.js"]


def test_first_visit_trades_the_token_for_a_strict_cookie(stranger: TestClient) -> None:
    first = stranger.get(f"/exhibit/HG/1?token={TOKEN}", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/exhibit/HG/1"  # the token leaves the address
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"evidencekit_review_{PORT}={TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert stranger.get("/exhibit/HG/1").status_code == 200


@pytest.mark.parametrize("path", PAGES)
def test_every_page_with_strict_headers_and_no_cors(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"origin": "http://evil.example"})
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert not [h for h in response.headers if h.startswith("access-control-")]


def test_exhibits_list_shows_every_column(client: TestClient, review_case: Case) -> None:
    text = client.get("/").text
    for item in review_case.items():
        assert item.ref in text and item.description in text and item.sha256[:16] in text
    assert text.count("not yet redacted") == 3 and "Received" not in text


def test_exhibit_page_shows_the_custody_history(client: TestClient) -> None:
    text = client.get("/exhibit/hg/1").text  # references are case-insensitive
    assert "Custody history" in text and "ingested" in text and "Hana Green" in text
    assert 'src="/file/HG/1"' in text and 'href="/review/HG/1"' in text


def test_untrusted_text_is_escaped(client: TestClient, review_case: Case, hana: Signer,
                                   tmp_path: Path) -> None:
    evil = tmp_path / "evil.txt"
    evil.write_text("x")
    ingest(review_case, [evil], hana, IngestRequest(kind="document", producer="HG",
                                                    description='<script>alert(1)</script>'))
    text = client.get("/").text
    assert "<script>alert" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_photo_served_inline_statement_as_download(client: TestClient,
                                                   review_case: Case) -> None:
    photo = client.get("/file/HG/1")
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.content == review_case.object_path(review_case.item("HG/1").sha256).read_bytes()
    assert "sandbox" in photo.headers["content-security-policy"]
    text = client.get("/file/HG/3")
    assert text.headers["content-type"] == "application/octet-stream"
    assert text.headers["content-disposition"].startswith("attachment")


def test_video_answers_range_requests(client: TestClient, review_case: Case) -> None:
    whole = review_case.object_path(review_case.item("HG/2").sha256).read_bytes()
    part = client.get("/file/HG/2", headers={"range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.content == whole[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole)}"
    assert part.headers["content-type"] == "video/mp4"


def test_verify_page_lists_every_finding(client: TestClient, stranger: TestClient,
                                         review_case: Case, hana: Signer) -> None:
    ok = client.get("/verify").text
    assert "OK:" in ok and "3 exhibit(s)" in ok
    stranger.get(f"/?token={TOKEN}")
    untrusted = stranger.get("/verify").text  # an app started without --trust
    assert "FAILED" in untrusted and "signer-untrusted" in untrusted
    stored = review_case.object_path(review_case.item("HG/3").sha256)
    stored.chmod(0o644)
    stored.write_bytes(stored.read_bytes() + b" tampered")
    report = verify_case(review_case, [hana.public])
    assert report.findings
    text = client.get("/verify").text
    for finding in report.findings:
        assert finding.code in text


def test_preview_changes_nothing(client: TestClient, review_case: Case) -> None:
    before = len(review_case.events())
    response = client.post("/api/preview/HG/1", json={"plan": PLAN}, headers=ORIGIN)
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert PIL.Image.open(io.BytesIO(response.content)).format == "PNG"
    assert len(review_case.events()) == before


def test_apply_makes_the_same_derived_exhibit_with_one_signed_event(
        client: TestClient, review_case: Case, hana: Signer) -> None:
    before = len(review_case.events())
    response = client.post("/api/redact/HG/1", headers=ORIGIN,
                           json={"plan": PLAN, "passphrase": PASSPHRASE})
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["derived_ref"] == "HG/1-R1" and PASSPHRASE not in response.text
    events = review_case.events()
    assert len(events) == before + 1 and events[-1].action == "redacted"
    copy = PIL.Image.open(review_case.object_path(data["sha256"])).convert("L")
    inside = PIL.ImageStat.Stat(copy.crop((44, 34, 136, 106)))
    assert inside.extrema[0][1] - inside.extrema[0][0] < 12  # flat under the box
    outside = PIL.ImageStat.Stat(copy.crop((160, 120, 300, 220)))
    assert outside.stddev[0] > 20  # the rest keeps its edges
    assert verify_case(review_case, [hana.public]).ok
    assert "redacted as HG/1-R1" in client.get("/").text


def test_wrong_passphrase_signs_nothing(client: TestClient, review_case: Case) -> None:
    before = len(review_case.events())
    response = client.post("/api/redact/HG/1", headers=ORIGIN,
                           json={"plan": PLAN, "passphrase": "not the passphrase"})
    assert response.status_code == 403
    assert "not the passphrase" not in response.text and "error" in response.json()
    assert len(review_case.events()) == before


def test_no_passphrase_and_no_key_are_refused(client: TestClient, review_case: Case) -> None:
    response = client.post("/api/redact/HG/1", headers=ORIGIN, json={"plan": PLAN})
    assert response.status_code == 403 and "passphrase" in response.json()["error"]
    keyless = create_app(review_case, token=TOKEN, port=PORT)
    with TestClient(keyless, base_url=BASE, cookies={f"evidencekit_review_{PORT}": TOKEN}) as c:
        response = c.post("/api/redact/HG/1", headers=ORIGIN,
                          json={"plan": PLAN, "passphrase": PASSPHRASE})
    assert response.status_code == 403 and "--key" in response.json()["error"]


@pytest.mark.parametrize(("body", "words"), [
    (b"not json", "not the JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"plan": {"regions": [{"x": -1, "y": 0, "w": 5, "h": 5}]}}', "pixels"),
    (b'{"plan": {"regions": [{"x": 300, "y": 0, "w": 50, "h": 5}]}}', "outside"),
])
def test_bad_plans_are_explained(client: TestClient, body: bytes, words: str) -> None:
    response = client.post("/api/preview/HG/1", content=body,
                           headers={**ORIGIN, "content-type": "application/json"})
    assert response.status_code == 400 and words in response.json()["error"]


def test_statement_review_proposals_preview_people_apply(client: TestClient,
                                                        review_case: Case) -> None:
    text = client.get("/statement/HG/3").text
    assert "07700 900123" in text and "phone" in text and 'value="reject"' in text
    before = len(review_case.events())
    preview = client.post("/api/statement-preview/HG/3", json={"keep": ["NS4 7QT"]},
                          headers=ORIGIN)
    assert preview.status_code == 200, preview.text
    pages = preview.json()["pages"]
    assert pages and all(p.startswith("/preview/") for p in pages)
    image = client.get(pages[0])
    assert image.headers["content-type"] == "image/png"
    assert PIL.Image.open(io.BytesIO(image.content)).width > 800
    assert client.get(pages[0].rsplit("/", 1)[0] + "/99").status_code == 404
    assert client.get("/preview/not-a-preview/1").status_code == 404
    added = client.post("/api/people", headers=ORIGIN, json={
        "name": "Joan Whitfield", "role": "third-party", "aliases": "Mrs Joan Whitfield, Joan"})
    assert added.status_code == 200 and added.json()["people"] == 1
    assert "Joan Whitfield" in (review_case.root / "people.toml").read_text()
    assert "Mrs Joan Whitfield" in client.get("/statement/HG/3").text
    assert len(review_case.events()) == before  # previews and the register sign nothing
    done = client.post("/api/redact/HG/3", headers=ORIGIN,
                       json={"keep": ["NS4 7QT"], "passphrase": PASSPHRASE})
    assert done.status_code == 200, done.text
    event = review_case.events()[-1]
    assert event.exhibit == "HG/3-R1" and event.details["kept_proposals"] == 1
    assert event.details["counts"]["name"] >= 1


@pytest.mark.parametrize(("body", "words"), [
    ({"name": "Liam", "role": "anonymous-witness"}, "pseudonym"),
    ({"name": "", "role": "party"}, "name"),
    ({"name": "Liam", "role": "boss"}, "role"),
    ({"name": ["Liam"]}, "text"),
])
def test_bad_people_are_explained(client: TestClient, body: dict[str, object],
                                  words: str) -> None:
    response = client.post("/api/people", headers=ORIGIN, json=body)
    assert response.status_code == 400 and words in response.json()["error"]


def test_pdf_statement_pages_as_images(client: TestClient, review_case: Case, hana: Signer,
                                       sample_dir: Path) -> None:
    pdf = next(sample_dir.glob("*.pdf"))
    ingest(review_case, [pdf], hana, IngestRequest(kind="statement", producer="HG",
                                                   description="PDF statement"))
    assert 'src="/pages/1/HG/4"' in client.get("/exhibit/HG/4").text
    page = client.get("/pages/1/HG/4")
    assert page.headers["content-type"] == "image/png"
    assert client.get("/pages/99/HG/4").status_code == 404
    assert client.get("/pages/1/HG/3").status_code == 404  # not a PDF


def test_bundle_arranged_built_downloaded_indexed(client: TestClient, review_case: Case,
                                                 tmp_path: Path) -> None:
    page = client.get("/bundle").text
    assert 'data-ref="HG/3"' in page and "No bundle built yet" in page
    arrangement = {"sections": [{"title": "Pictures", "exhibits": ["HG/1"]},
                                {"title": "Statements", "exhibits": ["HG/3"]},
                                {"title": "Empty", "exhibits": []}],
                   "parties": ["Northside Housing (applicant)"], "numbering": "sections"}
    built = client.post("/api/bundle", headers=ORIGIN,
                        json={**arrangement, "passphrase": PASSPHRASE})
    assert built.status_code == 200, built.text
    seq = built.json()["event_seq"]
    event = review_case.events()[-1]
    assert event.action == "bundled" and event.seq == seq
    assert [d["ref"] for d in event.details["documents"]] == ["HG/1", "HG/3"]
    assert [d["section"] for d in event.details["documents"]] == ["Pictures", "Statements"]
    pdf = client.get(f"/bundle/{seq}")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment")
    (tmp_path / "b.pdf").write_bytes(pdf.content)
    subprocess.run(["qpdf", "--check", str(tmp_path / "b.pdf")], check=True,
                   capture_output=True)
    page = client.get("/bundle").text
    assert f"href=\"/bundle/{seq}\"" in page and "Pictures" in page and "B1" in page
    assert client.get(f"/bundle/{seq + 5}").status_code == 404
    assert client.get("/bundle/1").status_code == 404  # an event, but not a bundle


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"sections": "HG/1"}, 400, "lists"),
    ({"sections": [{"title": "A", "exhibits": ["HG/99"]}]}, 400, "HG/99"),
    ({"sections": [{"title": "A", "exhibits": ["HG/1"]}], "passphrase": "wrong one"}, 403,
     "passphrase"),
    ({"sections": [{"title": "A", "exhibits": ["HG/1"]}], "passphrase": ""}, 403,
     "passphrase"),
])
def test_bad_bundles_are_explained(client: TestClient, review_case: Case,
                                   body: dict[str, object], status: int, words: str) -> None:
    before = len(review_case.events())
    response = client.post("/api/bundle", headers=ORIGIN, json={"passphrase": PASSPHRASE,
                                                                **body})
    assert response.status_code == status and words in response.json()["error"]
    assert len(review_case.events()) == before


# -- refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/file/HG/1", "/verify", "/static/redact.js",
                                  "/faces/1/HG/1"])
def test_no_token_no_page(stranger: TestClient, path: str) -> None:
    response = stranger.get(path)
    assert response.status_code == 403 and "evidencekit review" in response.text


def test_wrong_token_or_cookie_refused(stranger: TestClient) -> None:
    assert stranger.get("/?token=" + "x" * 43, follow_redirects=False).status_code == 403
    assert "set-cookie" not in stranger.get("/?token=wrong", follow_redirects=False).headers
    stranger.cookies.set(f"evidencekit_review_{PORT}", "x" * 43)
    assert stranger.get("/").status_code == 403
    stranger.cookies.set(f"evidencekit_review_{PORT + 1}", TOKEN)  # another app's cookie
    assert stranger.get("/").status_code == 403


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1",
                                  f"127.0.0.1:{PORT + 1}", f"localhost:{PORT + 1}",
                                  f"0.0.0.0:{PORT}", f"[::1]:{PORT}"])
def test_foreign_host_refused_even_with_the_token(client: TestClient, host: str) -> None:
    response = client.get(f"/?token={TOKEN}", headers={"host": host}, follow_redirects=False)
    assert response.status_code == 421
    assert client.get("/", headers={"host": host}).status_code == 421


def test_localhost_is_this_host(client: TestClient) -> None:
    assert client.get("/", headers={"host": f"localhost:{PORT}"}).status_code == 200


@pytest.mark.parametrize("headers", [
    {}, {"origin": "http://evil.example"}, {"origin": f"http://127.0.0.1:{PORT + 1}"},
    {"origin": "null"}, {"origin": f"https://127.0.0.1:{PORT}"},
    {**ORIGIN, "sec-fetch-site": "cross-site"}, {**ORIGIN, "sec-fetch-site": "same-site"},
])
def test_cross_origin_post_refused(client: TestClient, review_case: Case,
                                   headers: dict[str, str]) -> None:
    before = len(review_case.events())
    response = client.post("/api/redact/HG/1", headers=headers,
                           json={"plan": PLAN, "passphrase": PASSPHRASE})
    assert response.status_code == 403
    assert len(review_case.events()) == before


def test_no_cors_preflight(client: TestClient) -> None:
    response = client.options("/api/redact/HG/1", headers={
        "origin": "http://evil.example", "access-control-request-method": "POST"})
    assert response.status_code == 403
    assert not [h for h in response.headers if h.startswith("access-control-")]


@pytest.mark.parametrize("path", [
    "/file/../case.json", "/file/..%2Fcase.json", "/file/%2e%2e/%2e%2e/etc/passwd",
    "/file//etc/passwd", "/exhibit/..%2F..%2Fcustody%2Flog.jsonl", "/static/../app.py",
    "/static/%2e%2e/security.py", "/static/..%2Fapp.py", "/file/objects",
    "/file/HG/1/../../case.json",
])
def test_path_traversal_finds_nothing(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert b"case_id" not in response.content and b"import" not in response.content


@pytest.mark.parametrize("path", ["/exhibit/HG/99", "/file/HG/99", "/review/HG/99",
                                  "/review/HG/3", "/statement/HG/1", "/statement/HG/99",
                                  "/pages/1/HG/99", "/exhibit/", "/nowhere", "/faces/1/HG/99",
                                  "/faces/1/HG/1", "/faces/x/HG/1", "/faces/1/../case.json"])
def test_unknown_reference_is_404(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/api/preview/HG/99", "/api/redact/HG/99",
                                  "/api/statement-preview/HG/99", "/api/faces/HG/99",
                                  "/api/faces/HG/3"])
def test_unknown_reference_post_is_404(client: TestClient, path: str) -> None:
    response = client.post(path, json={"plan": PLAN, "passphrase": PASSPHRASE}, headers=ORIGIN)
    assert response.status_code == 404


def test_huge_upload_refused_by_its_length(client: TestClient, review_case: Case) -> None:
    before = len(review_case.events())
    response = client.post("/api/redact/HG/1", content=b"{" + b" " * (2 << 20) + b"}",
                           headers={**ORIGIN, "content-type": "application/json"})
    assert response.status_code == 413
    assert len(review_case.events()) == before


def test_huge_upload_refused_when_streamed(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 65536

    response = client.post("/api/preview/HG/1", content=chunks(),
                           headers={**ORIGIN, "content-type": "application/json"})
    assert response.status_code == 413


def test_get_cannot_change_anything(client: TestClient) -> None:
    assert client.get("/api/redact/HG/1").status_code == 405


def test_an_internal_error_is_one_json_line(review_case: Case, key_files: dict[str, Path],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> bytes:
        raise RuntimeError("boom")

    monkeypatch.setattr(actions, "preview_png", broken)
    app = create_app(review_case, token=TOKEN, port=PORT, key=key_files["hg"])
    with TestClient(app, base_url=BASE, raise_server_exceptions=False,
                    cookies={f"evidencekit_review_{PORT}": TOKEN}) as c:
        response = c.post("/api/preview/HG/1", json={"plan": PLAN}, headers=ORIGIN)
    assert response.status_code == 500
    assert response.json()["error"].startswith("Internal error (RuntimeError)")


def test_faces_found_in_the_preview_and_hidden_on_apply(client: TestClient, review_case: Case,
                                                       hana: Signer) -> None:
    face = Path(__file__).resolve().parents[2] / "fixtures" / "faces" / "astronaut_256.jpg"
    ingest(review_case, [face], hana, IngestRequest(kind="photo", producer="HG",
                                                    description="A face"))
    look = client.post("/api/preview/HG/4", json={"plan": {}, "faces": True}, headers=ORIGIN)
    assert look.status_code == 200 and int(look.headers["x-faces-found"]) >= 1
    done = client.post("/api/redact/HG/4", headers=ORIGIN,
                       json={"plan": {}, "faces": True, "passphrase": PASSPHRASE})
    assert done.status_code == 200, done.text
    assert done.json()["faces_found"] >= 1
    assert review_case.events()[-1].details["faces_detected"] >= 1


def _two_faces(tmp_path: Path) -> Path:
    face = PIL.Image.open(FACE).convert("RGB")
    canvas = PIL.Image.new("RGB", (560, 256), (90, 110, 90))
    canvas.paste(face, (0, 0))
    canvas.paste(face, (300, 0))
    canvas.save(tmp_path / "two.png")
    return tmp_path / "two.png"


def test_face_tracks_listed_with_crops_and_one_rejected_on_apply(
        client: TestClient, review_case: Case, hana: Signer, tmp_path: Path) -> None:
    ingest(review_case, [_two_faces(tmp_path)], hana,
           IngestRequest(kind="photo", producer="HG", description="Two faces"))
    before = len(review_case.events())
    found = client.post("/api/faces/HG/4", json={}, headers=ORIGIN)
    assert found.status_code == 200, found.text
    listing = found.json()
    assert listing["detector"] == "centerface" and len(listing["tracks"]) == 2
    assert len(review_case.events()) == before  # finding records nothing
    for n, track in enumerate(listing["tracks"], start=1):
        assert track["id"] == n and track["crop"] == f"/faces/{n}/HG/4"
        crop = client.get(track["crop"])
        assert crop.headers["content-type"] == "image/png"
        assert PIL.Image.open(io.BytesIO(crop.content)).width <= 128
    assert client.get("/faces/3/HG/4").status_code == 404  # no third track
    second = listing["tracks"][1]
    plan = {"reject_faces": {"detector": "centerface", "tracks": [second["id"]]}}
    done = client.post("/api/redact/HG/4", headers=ORIGIN,
                       json={"plan": plan, "faces": True, "passphrase": PASSPHRASE})
    assert done.status_code == 200, done.text
    assert (done.json()["face_tracks"], done.json()["faces_rejected"]) == (2, 1)
    events = review_case.events()
    assert len(events) == before + 1
    rejected = events[-1].details["faces"]["rejected"]
    assert [r["track"] for r in rejected] == [second["id"]]
    assert rejected[0]["x"] == second["x"] and rejected[0]["w"] == second["w"]
    copy = PIL.Image.open(review_case.object_path(review_case.item("HG/4-R1").sha256))
    first = listing["tracks"][0]

    def middle(t: dict[str, int]) -> float:
        box = (t["x"] + t["w"] // 3, t["y"] + t["h"] // 3, t["x"] + 2 * t["w"] // 3,
               t["y"] + 2 * t["h"] // 3)
        return float(PIL.ImageStat.Stat(copy.convert("L").crop(box)).stddev[0])

    assert middle(first) < 3 < middle(second)  # track 1 flat (hidden), track 2 as it was


def test_face_rejections_the_library_refuses_are_explained(
        client: TestClient, review_case: Case, hana: Signer) -> None:
    ingest(review_case, [FACE], hana, IngestRequest(kind="photo", producer="HG",
                                                    description="A face"))
    before = len(review_case.events())
    for plan, words in (({"detector": "centerface", "tracks": [7]}, "track(s) 7"),
                        ({"detector": "haar", "tracks": [1]}, "numbered by haar")):
        refused = client.post("/api/redact/HG/4", headers=ORIGIN, json={
            "plan": {"reject_faces": plan}, "faces": True, "passphrase": PASSPHRASE})
        assert refused.status_code == 400 and words in refused.json()["error"]
    not_looked = client.post("/api/redact/HG/4", headers=ORIGIN, json={
        "plan": {"reject_faces": {"detector": "centerface", "tracks": [1]}},
        "passphrase": PASSPHRASE})
    assert "not being looked for" in not_looked.json()["error"]
    assert len(review_case.events()) == before


@pytest.mark.parametrize("headers", [{}, {"origin": "http://evil.example"},
                                     {**ORIGIN, "sec-fetch-site": "cross-site"}])
def test_face_search_refused_cross_origin(client: TestClient, headers: dict[str, str]) -> None:
    assert client.post("/api/faces/HG/1", json={}, headers=headers).status_code == 403


def test_face_search_body_is_limited(client: TestClient) -> None:
    response = client.post("/api/faces/HG/1", content=b"{" + b" " * (2 << 20) + b"}",
                           headers={**ORIGIN, "content-type": "application/json"})
    assert response.status_code == 413


def test_face_search_of_a_clip_lists_timed_tracks(client: TestClient) -> None:
    found = client.post("/api/faces/HG/2", json={}, headers=ORIGIN)
    assert found.status_code == 200, found.text
    listing = found.json()
    assert listing["step"] > 0  # footage: looked at every k-th frame
    for track in listing["tracks"]:
        assert track["start"] <= track["end"] and track["seen"]


def _pdf_statement(case: Case, hana: Signer, tmp_path: Path, name: str) -> str:
    (case.root / "people.toml").write_text(make_pdfs.REGISTER_TOML)
    ingest(case, [make_pdfs.make(tmp_path, name)], hana,
           IngestRequest(kind="statement", producer="HG", description=name))
    return case.items()[-1].ref


def test_boxes_drawn_on_pdf_pages_are_redacted_as_page_regions(
        client: TestClient, review_case: Case, hana: Signer, tmp_path: Path) -> None:
    ref = _pdf_statement(review_case, hana, tmp_path, "kerned.pdf")
    box = {"page": 1, "x": 300, "y": 500, "w": 200, "h": 100, "label": "note"}
    looked = client.post(f"/api/statement-preview/{ref}", headers=ORIGIN,
                         json={"plan": {"regions": [box]}})
    assert looked.status_code == 200, looked.text
    (width, height), = looked.json()["sizes"]  # points, as displayed
    assert (round(width), round(height)) == (595, 842)
    plain = client.post(f"/api/statement-preview/{ref}", headers=ORIGIN, json={}).json()
    assert client.get(looked.json()["pages"][0]).content != client.get(
        plain["pages"][0]).content  # the box is drawn in the preview
    before = len(review_case.events())
    done = client.post(f"/api/redact/{ref}", headers=ORIGIN,
                       json={"plan": {"regions": [box]}, "passphrase": PASSPHRASE})
    assert done.status_code == 200, done.text
    events = review_case.events()
    assert len(events) == before + 1 and events[-1].exhibit == f"{ref}-R1"
    pages = events[-1].details["page_methods"]
    assert pages[0]["boxes"] >= 1
    copy = review_case.object_path(review_case.item(f"{ref}-R1").sha256)
    image = PIL.Image.open(io.BytesIO(render_pages(copy, scale=1.0)[0])).convert("L")
    under = PIL.ImageStat.Stat(image.crop((310, 510, 490, 590)))
    assert under.mean[0] < 60  # painted over (the label aside)


@pytest.mark.parametrize(("body", "words"), [
    ({"reviewed_pages": "2"}, "reviewed_pages"),
    ({"reviewed_pages": [0]}, "page numbers"),
    ({"reviewed_pages": [True]}, "page numbers"),
    ({"plan": {"regions": [{"page": 1, "x": 0, "y": 0, "w": 5, "h": 5}]}}, "PDF statements"),
    ({"reviewed_pages": [1]}, "PDF statements"),
])
def test_bad_page_boxes_and_reviewed_pages_are_explained(
        client: TestClient, body: dict[str, object], words: str) -> None:
    for route in ("/api/statement-preview/HG/3", "/api/redact/HG/3"):
        response = client.post(route, headers=ORIGIN, json={**body, "passphrase": PASSPHRASE})
        assert response.status_code == 400 and words in response.json()["error"], response.text


@pytest.mark.slow
def test_a_page_ocr_cannot_vouch_for_is_refused_then_confirmed(
        client: TestClient, review_case: Case, hana: Signer, tmp_path: Path) -> None:
    ref = _pdf_statement(review_case, hana, tmp_path, "handwritten.pdf")
    before = len(review_case.events())
    refused = client.post(f"/api/redact/{ref}", headers=ORIGIN, json={"passphrase": PASSPHRASE})
    assert refused.status_code == 400
    assert refused.json()["refused_pages"] == [2]
    assert "Page(s) 2 could not be read reliably" in refused.json()["error"]
    assert len(review_case.events()) == before
    done = client.post(f"/api/redact/{ref}", headers=ORIGIN,
                       json={"reviewed_pages": [2], "passphrase": PASSPHRASE})
    assert done.status_code == 200, done.text
    pages = review_case.events()[-1].details["page_methods"]
    assert [p.get("reviewed", False) for p in pages] == [False, True]
