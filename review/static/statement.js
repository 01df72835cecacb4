// Statement review: accept or reject each proposal, preview the pages, add people, Apply.
import { $, answer, post, say, refPath } from "./common.js";
import * as boxes from "./pageboxes.js";

const ref = $("#statement").dataset.ref;

// The texts the reviewer chose to keep visible (rejected proposals).
const kept = () => [...document.querySelectorAll('input[value="reject"]:checked')]
  .map((input) => input.dataset.text);

function mark() {
  document.querySelectorAll("fieldset.choice").forEach((set) => {
    const rejected = set.querySelector('input[value="reject"]').checked;
    set.closest("tr").classList.toggle("rejected", rejected);
  });
}

// What Preview and Apply both send: texts kept, boxes on pages, pages read by eye.
const asked = () => ({ keep: kept(), plan: boxes.plan(), reviewed_pages: boxes.reviewedPages() });

// A refusal: its message, and for pages OCR cannot vouch for, the offer to confirm them.
function refusedBy(data) {
  say(data.error);
  if (data.refused_pages) boxes.refused(data.error, data.refused_pages);
}

async function preview() {
  say("Making the preview…");
  const res = await post(`/api/statement-preview/${refPath(ref)}`, asked());
  const data = await answer(res);
  if (!res.ok) { refusedBy(data); return; }
  boxes.pages(data.pages, data.sizes || []);
  say(`Preview ready: ${data.pages.length} page(s), ${kept().length} text(s) kept visible. Nothing has been changed yet.`);
}

async function addPerson(ev) {
  ev.preventDefault();
  const body = { name: $("#p-name").value, role: $("#p-role").value,
    aliases: $("#p-aliases").value, pseudonym: $("#p-pseudonym").value };
  const res = await post("/api/people", body);
  const data = await answer(res);
  if (!res.ok) { say(data.error); return; }
  say(`${data.added} added to the people register; reloading the proposals…`);
  window.location.reload();
}

async function apply(ev) {
  ev.preventDefault();
  const pass = $("#passphrase");
  const body = { ...asked(), passphrase: pass.value, description: $("#description").value,
    pictures_reviewed: $("#pictures").checked };
  pass.value = "";
  say("Redacting and signing…");
  const res = await post(`/api/redact/${refPath(ref)}`, body);
  const data = await answer(res);
  if (!res.ok) { refusedBy(data); return; }
  const link = document.createElement("a");
  link.href = `/exhibit/${refPath(data.derived_ref)}`;
  link.id = "made";
  link.textContent = `Redacted copy ${data.derived_ref} made (sha256 ${data.sha256.slice(0, 16)}…)`;
  $("#status").replaceChildren(link);
}

document.querySelectorAll("fieldset.choice input").forEach((input) => input.addEventListener("change", mark));
$("#show-preview").addEventListener("click", preview);
$("#person-form").addEventListener("submit", addPerson);
$("#apply-form").addEventListener("submit", apply);
boxes.setup();
preview();
