// Drawing boxes on a photo or a clip's frame, mute ranges, preview and Apply.
// Coordinates sent to the server are pixels of the original (the library checks them).
import { $, answer, post, say, refPath } from "./common.js";
import * as faces from "./faces.js";

const root = $("#review");
const ref = root.dataset.ref;
const isVideo = root.dataset.kind === "video";
const media = $("#media");
const boxes = $("#boxes");
const regions = [];
const mutes = [];

const natural = () => isVideo
  ? [media.videoWidth, media.videoHeight] : [media.naturalWidth, media.naturalHeight];
const scale = () => natural()[0] / media.clientWidth;
const num = (id) => { const v = $(id).value; return v === "" ? null : Number(v); };

function timed(region) {
  const start = num("#f-start"), end = num("#f-end");
  if (isVideo && start !== null) region.start = start;
  if (isVideo && end !== null) region.end = end;
  return region;
}

function drawBox(r, draft, n) {
  const s = scale(), el = document.createElement("div");
  el.className = draft ? "box draft" : "box";
  Object.assign(el.style, { left: `${r.x / s}px`, top: `${r.y / s}px`,
    width: `${r.w / s}px`, height: `${r.h / s}px` });
  if (n) { const tag = document.createElement("span"); tag.textContent = n; el.append(tag); }
  boxes.append(el);
  return el;
}

function active(r) {
  if (!isVideo) return true;
  const t = media.currentTime;
  return (r.start === undefined || t >= r.start) && (r.end === undefined || t <= r.end);
}

function describe(r) {
  const when = r.start !== undefined || r.end !== undefined
    ? `, ${r.start ?? 0}–${r.end ?? "end"} s` : "";
  return `Box at x ${r.x}, y ${r.y}, ${r.w} × ${r.h} pixels (${r.style}${when})`;
}

function render() {
  boxes.replaceChildren();
  regions.forEach((r, i) => { if (active(r)) drawBox(r, false, String(i + 1)); });
  faces.outline(boxes, scale(), isVideo ? media.currentTime : 0, isVideo);
  const list = $("#regions");
  list.replaceChildren(...regions.map((r, i) => item(describe(r), () => regions.splice(i, 1))));
  $("#mutes").replaceChildren(...mutes.map((m, i) =>
    item(`Mute ${m.start}–${m.end} s`, () => mutes.splice(i, 1))));
  if (isVideo) timeline();
}

function item(text, remove) {
  const li = document.createElement("li"), btn = document.createElement("button");
  li.textContent = `${text} `;
  btn.type = "button"; btn.textContent = "Remove";
  btn.setAttribute("aria-label", `Remove: ${text}`);
  btn.addEventListener("click", () => { remove(); render(); });
  li.append(btn);
  return li;
}

function add(region) {
  const [w, h] = natural();
  region.x = Math.max(0, Math.min(region.x, w - 1));
  region.y = Math.max(0, Math.min(region.y, h - 1));
  region.w = Math.max(1, Math.min(region.w, w - region.x));
  region.h = Math.max(1, Math.min(region.h, h - region.y));
  regions.push(timed(region));
  render();
  say(`Added box ${regions.length}: ${describe(region)}.`);
}

function dragging() {
  let start = null, draft = null;
  const at = (ev) => {
    const rect = media.getBoundingClientRect(), s = scale();
    return [Math.round((ev.clientX - rect.left) * s), Math.round((ev.clientY - rect.top) * s)];
  };
  const rect = (a, b) => ({ x: Math.min(a[0], b[0]), y: Math.min(a[1], b[1]),
    w: Math.abs(a[0] - b[0]), h: Math.abs(a[1] - b[1]) });
  const stage = media.parentElement;
  stage.addEventListener("pointerdown", (ev) => {
    ev.preventDefault(); start = at(ev); stage.setPointerCapture(ev.pointerId);
  });
  stage.addEventListener("pointermove", (ev) => {
    if (!start) return;
    draft?.remove(); draft = drawBox(rect(start, at(ev)), true);
  });
  stage.addEventListener("pointerup", (ev) => {
    if (!start) return;
    const r = rect(start, at(ev)); start = null; draft?.remove(); draft = null;
    ["x", "y", "w", "h"].forEach((k) => { $(`#f-${k}`).value = r[k]; });
    if (r.w >= 2 && r.h >= 2) add({ ...r, style: $("#f-style").value });
  });
}

function plan() {
  const out = { regions: regions.map((r) => ({ ...r })) };
  if (mutes.length) out.mute = mutes.map((m) => ({ ...m }));
  const rejected = $("#faces").checked ? faces.rejections() : undefined;
  if (rejected) out.reject_faces = rejected;
  return out;
}

async function preview() {
  say("Making the preview…");
  const withFaces = $("#faces").checked;
  const res = await post(`/api/preview/${refPath(ref)}`, { plan: plan(), faces: withFaces });
  if (!res.ok) { say((await answer(res)).error); return; }
  const img = $("#preview");
  img.src = URL.createObjectURL(await res.blob());
  img.hidden = false;
  const found = withFaces ? ` ${res.headers.get("x-faces-found")} face(s) found: check each one.` : "";
  say(`Preview ready below. Nothing has been changed yet.${found}`);
}

async function apply(ev) {
  ev.preventDefault();
  const pass = $("#passphrase");
  const body = { plan: plan(), passphrase: pass.value, description: $("#description").value,
    faces: $("#faces").checked };
  pass.value = "";  // never kept in the page either
  say("Redacting and signing…");
  const res = await post(`/api/redact/${refPath(ref)}`, body);
  const data = await answer(res);
  if (!res.ok) { say(data.error); return; }
  const link = document.createElement("a");
  link.href = `/exhibit/${refPath(data.derived_ref)}`;
  link.id = "made";
  link.textContent = `Redacted copy ${data.derived_ref} made (sha256 ${data.sha256.slice(0, 16)}…)`;
  $("#status").replaceChildren(link);
}

function timeline() {
  const line = $("#timeline"), d = media.duration || 1;
  const span = (a, b, cls, label) => {
    const el = document.createElement("div");
    el.className = cls; el.title = label; el.setAttribute("aria-label", label);
    Object.assign(el.style, { left: `${(a / d) * 100}%`, width: `${((b - a) / d) * 100}%` });
    return el;
  };
  const cursor = document.createElement("div");
  cursor.className = "cursor"; cursor.style.left = `${(media.currentTime / d) * 100}%`;
  line.replaceChildren(
    ...mutes.map((m) => span(m.start, m.end, "range", `Muted ${m.start}–${m.end} s`)),
    ...regions.map((r, i) => span(r.start ?? 0, r.end ?? d, "range region", `Box ${i + 1}`)),
    cursor);
}

function player() {
  const time = $("#time"), now = $("#now");
  const sync = () => { time.value = media.currentTime; now.value = media.currentTime.toFixed(2); render(); };
  media.addEventListener("loadedmetadata", () => { time.max = media.duration; sync(); });
  media.addEventListener("timeupdate", sync);
  media.addEventListener("seeked", sync);
  time.addEventListener("input", () => { media.currentTime = Number(time.value); });
  $("#play").addEventListener("click", () => (media.paused ? media.play() : media.pause()));
  const stamp = () => Number(media.currentTime.toFixed(2));
  $("#mark-start").addEventListener("click", () => { $("#f-start").value = stamp(); say(`Start ${stamp()} s`); });
  $("#mark-end").addEventListener("click", () => { $("#f-end").value = stamp(); say(`End ${stamp()} s`); });
  $("#mute").addEventListener("click", () => {
    const start = num("#f-start"), end = num("#f-end");
    if (start === null || end === null || end <= start) { say("Set a start and a later end first."); return; }
    mutes.push({ start, end }); render(); say(`Mute ${start}–${end} s added.`);
  });
}

$("#add").addEventListener("click", () => {
  const r = { x: num("#f-x"), y: num("#f-y"), w: num("#f-w"), h: num("#f-h"), style: $("#f-style").value };
  if ([r.x, r.y, r.w, r.h].some((v) => v === null)) { say("Give x, y, width and height."); return; }
  add(r);
});
$("#show-preview").addEventListener("click", preview);
$("#apply-form").addEventListener("submit", apply);
if (!isVideo) document.querySelectorAll(".times").forEach((el) => { el.hidden = true; });
dragging();
if (isVideo) player();
faces.setup(ref, isVideo, (text) => { render(); say(text); },
  (t) => { media.currentTime = t; });
window.addEventListener("resize", render);
