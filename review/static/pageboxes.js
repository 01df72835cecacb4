// Boxes on a PDF statement's pages, and pages confirmed by eye.
// A box is kept in points from the top-left corner of the page as displayed (the
// regions format for PDFs); the page size in points converts from image pixels.
import { $, say } from "./common.js";

const boxes = [];            // {page, x, y, w, h, label?}
const reviewed = new Set();  // pages the officer read by eye (--reviewed-pages)
let sizes = [];              // [width, height] in points, per page

// The regions and reviewed pages for Preview and Apply.
export function plan() {
  return boxes.length ? { regions: boxes.map((b) => ({ ...b })) } : {};
}
export const reviewedPages = () => [...reviewed].sort((a, b) => a - b);

const pointsPerPixel = (img, n) => sizes[n - 1][0] / img.clientWidth;
const num = (id) => { const v = $(id).value; return v === "" ? null : Number(v); };

function describe(b) {
  const label = b.label ? `, labelled “${b.label}”` : "";
  return `Page ${b.page}: box at x ${b.x}, y ${b.y}, ${b.w} × ${b.h} points${label}`;
}

// Draw every box on its page image and list them, each with a Remove button.
export function render() {
  document.querySelectorAll(".page-stage").forEach((stage) => {
    const n = Number(stage.dataset.page), img = stage.querySelector("img");
    const layer = stage.querySelector(".marks");
    layer.replaceChildren();
    if (!sizes[n - 1] || !img.clientWidth) return;
    const k = pointsPerPixel(img, n);
    boxes.forEach((b, i) => {
      if (b.page !== n) return;
      layer.append(mark(b.x / k, b.y / k, b.w / k, b.h / k, String(i + 1)));
    });
  });
  const list = $("#page-boxes");
  if (!list) return;
  list.replaceChildren(...boxes.map((b, i) => {
    const li = document.createElement("li"), btn = document.createElement("button");
    li.textContent = `${describe(b)} `;
    btn.type = "button"; btn.textContent = "Remove";
    btn.setAttribute("aria-label", `Remove box ${i + 1}: ${describe(b)}`);
    btn.addEventListener("click", () => { boxes.splice(i, 1); render(); say(`Box ${i + 1} removed.`); });
    li.append(btn);
    return li;
  }));
}

function mark(x, y, w, h, tag, draft = false) {
  const el = document.createElement("div");
  el.className = draft ? "box draft" : "box";
  Object.assign(el.style, { left: `${x}px`, top: `${y}px`, width: `${w}px`, height: `${h}px` });
  if (tag) { const span = document.createElement("span"); span.textContent = tag; el.append(span); }
  return el;
}

function add(box) {
  const [pw, ph] = sizes[box.page - 1] || [];
  if (!pw) { say(`There is no page ${box.page}.`); return; }
  box.x = Math.max(0, Math.min(box.x, Math.floor(pw) - 1));
  box.y = Math.max(0, Math.min(box.y, Math.floor(ph) - 1));
  box.w = Math.max(1, Math.min(box.w, Math.floor(pw) - box.x));
  box.h = Math.max(1, Math.min(box.h, Math.floor(ph) - box.y));
  const label = $("#b-label").value.trim();
  if (label) box.label = label;
  boxes.push(box);
  render();
  say(`Added box ${boxes.length}: ${describe(box)}.`);
}

// Drag on one page image: pixels of the image as shown, turned into points.
function dragging(stage) {
  const n = Number(stage.dataset.page), img = stage.querySelector("img");
  const layer = stage.querySelector(".marks");
  let start = null, draft = null;
  const at = (ev) => { const r = img.getBoundingClientRect(); return [ev.clientX - r.left, ev.clientY - r.top]; };
  const rect = (a, b) => ({ x: Math.min(a[0], b[0]), y: Math.min(a[1], b[1]),
    w: Math.abs(a[0] - b[0]), h: Math.abs(a[1] - b[1]) });
  stage.addEventListener("pointerdown", (ev) => {
    if (!sizes[n - 1]) return;
    ev.preventDefault(); start = at(ev); stage.setPointerCapture(ev.pointerId);
  });
  stage.addEventListener("pointermove", (ev) => {
    if (!start) return;
    const r = rect(start, at(ev));
    draft?.remove(); draft = mark(r.x, r.y, r.w, r.h, "", true); layer.append(draft);
  });
  stage.addEventListener("pointerup", (ev) => {
    if (!start) return;
    const r = rect(start, at(ev)), k = pointsPerPixel(img, n);
    start = null; draft?.remove(); draft = null;
    const box = { page: n, x: Math.round(r.x * k), y: Math.round(r.y * k),
      w: Math.round(r.w * k), h: Math.round(r.h * k) };
    ["page", "x", "y", "w", "h"].forEach((f) => { $(`#b-${f}`).value = box[f]; });
    if (box.w >= 2 && box.h >= 2) add(box);
  });
}

// The preview's page images, each on a stage boxes can be drawn on (PDFs only).
export function pages(srcs, pageSizes) {
  sizes = pageSizes;
  const drawable = sizes.length > 0;
  $("#pages").replaceChildren(...srcs.map((src, i) => {
    const stage = document.createElement("div"), img = document.createElement("img");
    const layer = document.createElement("div");
    stage.className = drawable ? "page-stage stage" : "page-stage";
    stage.dataset.page = String(i + 1);
    img.src = src; img.className = "page-image";
    img.alt = `Preview page ${i + 1} of ${srcs.length}: proposed redactions outlined`;
    img.addEventListener("load", render);
    layer.className = "marks"; layer.setAttribute("aria-hidden", "true");
    stage.append(img, layer);
    if (drawable) dragging(stage);
    return stage;
  }));
}

// The library refused pages for low OCR confidence: say why, offer to confirm each.
export function refused(message, numbers) {
  $("#refused").hidden = false;
  $("#refused-message").textContent = message;
  $("#refused-pages").replaceChildren(...numbers.map((n) => {
    const label = document.createElement("label"), box = document.createElement("input");
    box.type = "checkbox"; box.id = `reviewed-${n}`; box.checked = reviewed.has(n);
    box.addEventListener("change", () => { if (box.checked) reviewed.add(n); else reviewed.delete(n); });
    label.className = "check"; label.htmlFor = box.id;
    label.append(box, ` I read page ${n} myself: it holds nothing to hide beyond what is marked`);
    return label;
  }));
}

export function setup() {
  $("#add-box")?.addEventListener("click", () => {
    const b = { page: num("#b-page"), x: num("#b-x"), y: num("#b-y"), w: num("#b-w"), h: num("#b-h") };
    if (Object.values(b).some((v) => v === null)) { say("Give the page, x, y, width and height."); return; }
    add(b);
  });
  window.addEventListener("resize", render);
}
