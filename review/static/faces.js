// Face tracks one by one: Find faces lists each track (crop, times, number) with a
// checkbox; unticked tracks are sent as reject_faces, numbered by the library's detector.
import { $, answer, post, refPath } from "./common.js";

let search = null;            // the library's answer: detector, step, tracks
const rejected = new Set();   // track numbers the officer keeps visible

// reject_faces for the regions sent to Preview and Apply (absent when none is rejected).
export function rejections() {
  if (!search || rejected.size === 0) return undefined;
  return { detector: search.detector, tracks: [...rejected].sort((a, b) => a - b) };
}

const timeText = (t) => `${t.start.toFixed(2)}–${t.end.toFixed(2)} s`;

// The box of a track at time t: its detection nearest to t, if one is close enough.
function boxAt(track, t, isVideo) {
  if (!isVideo) return { x: track.x, y: track.y, w: track.w, h: track.h };
  const reach = (search.step || 0.2) * 1.5;
  let best = null;
  for (const [at, x, y, w, h] of track.seen) {
    if (Math.abs(at - t) <= reach && (!best || Math.abs(at - t) < Math.abs(best.at - t))) {
      best = { at, x, y, w, h };
    }
  }
  return best;
}

// Outline every found face on the stage (yellow; rejected ones dashed and grey).
export function outline(boxes, scale, t, isVideo) {
  if (!search) return;
  for (const track of search.tracks) {
    const b = boxAt(track, t, isVideo);
    if (!b) continue;
    const el = document.createElement("div"), tag = document.createElement("span");
    el.className = rejected.has(track.id) ? "box face rejected" : "box face";
    Object.assign(el.style, { left: `${b.x / scale}px`, top: `${b.y / scale}px`,
      width: `${b.w / scale}px`, height: `${b.h / scale}px` });
    tag.textContent = `face ${track.id}`;
    el.append(tag);
    boxes.append(el);
  }
}

function row(track, isVideo, changed, seek) {
  const li = document.createElement("li"), img = document.createElement("img");
  li.className = "track";
  li.dataset.track = track.id;
  img.src = track.crop; img.alt = `Face track ${track.id}`; img.width = 64;
  const box = document.createElement("input"), label = document.createElement("label");
  box.type = "checkbox"; box.checked = !rejected.has(track.id); box.id = `track-${track.id}`;
  label.className = "check"; label.htmlFor = box.id;
  const when = isVideo ? `, seen ${timeText(track)}` : "";
  label.append(box, ` Hide face ${track.id}${when}`);
  box.addEventListener("change", () => {
    if (box.checked) rejected.delete(track.id); else rejected.add(track.id);
    li.classList.toggle("rejected", !box.checked);
    changed(`Face ${track.id} ${box.checked ? "will be hidden" : "will stay visible"}.`);
  });
  li.append(img, label);
  if (isVideo) {
    const show = document.createElement("button");
    show.type = "button"; show.textContent = "Show";
    show.setAttribute("aria-label", `Show face ${track.id} at ${track.start.toFixed(2)} s`);
    show.addEventListener("click", () => seek(track.start));
    li.append(" ", show);
  }
  return li;
}

// Ask the library for the tracks; show that it is working while it looks.
async function find(ref, isVideo, changed, seek) {
  const busy = $("#faces-busy"), said = $("#faces-said"), button = $("#find-faces");
  const began = Date.now();
  const tick = () => { said.textContent = `Finding faces… ${Math.round((Date.now() - began) / 1000)} s`; };
  busy.hidden = false; button.disabled = true; $("#tracks").setAttribute("aria-busy", "true");
  tick();
  const timer = setInterval(tick, 1000);
  try {
    const res = await post(`/api/faces/${refPath(ref)}`, {});
    const data = await answer(res);
    if (!res.ok) { said.textContent = data.error; return; }
    search = data; rejected.clear();
    $("#tracks").replaceChildren(...data.tracks.map((t) => row(t, isVideo, changed, seek)));
    $("#faces").checked = data.tracks.length > 0;
    const note = data.note ? ` ${data.note}` : "";
    said.textContent = `${data.tracks.length} face track(s) found by ${data.detector} in ` +
      `${((Date.now() - began) / 1000).toFixed(1)} s. Untick a track that is not a face or ` +
      `must stay visible.${note}`;
    changed(said.textContent);
  } finally {
    clearInterval(timer);
    busy.hidden = true; button.disabled = false; $("#tracks").removeAttribute("aria-busy");
  }
}

// Wire the Find faces button; changed(text) redraws the stage and tells the user.
export function setup(ref, isVideo, changed, seek) {
  $("#find-faces").addEventListener("click", () => find(ref, isVideo, changed, seek));
}
