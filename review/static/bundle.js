// Arranging the bundle: move documents up, down and between sections; build it.
import { $, answer, post, say } from "./common.js";

const sections = () => [...document.querySelectorAll("#sections fieldset.section")];

function button(text, label, action) {
  const b = document.createElement("button");
  b.type = "button"; b.textContent = text; b.setAttribute("aria-label", label);
  b.addEventListener("click", action);
  return b;
}

function controls(li) {
  li.querySelector(".moves")?.remove();
  const ref = li.dataset.ref, span = document.createElement("span");
  span.className = "moves";
  const move = (to) => { to(); refresh(); li.querySelector("button")?.focus(); };
  span.append(
    button("↑", `Move ${ref} up`, () => move(() => li.previousElementSibling?.before(li))),
    button("↓", `Move ${ref} down`, () => move(() => li.nextElementSibling?.after(li))),
    button("→ next section", `Move ${ref} to the next section`, () => move(() => {
      const all = sections(), here = all.indexOf(li.closest("fieldset"));
      all[(here + 1) % all.length].querySelector("ol").append(li);
    })));
  li.append(" ", span);
}

function refresh() {
  sections().forEach((set, i) => {
    set.querySelector("legend").textContent = `Section ${i + 1}`;
    set.querySelectorAll("li").forEach(controls);
  });
}

$("#add-section").addEventListener("click", () => {
  const set = sections()[0].cloneNode(false);
  set.innerHTML = '<legend></legend><label>Title <input class="title" value="Further evidence"></label><ol class="docs"></ol>';
  $("#sections").append(set);
  refresh();
  set.querySelector("input").focus();
  say("Section added: move documents into it with their → buttons.");
});

$("#build-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const pass = $("#passphrase");
  const body = {
    sections: sections().map((set) => ({ title: set.querySelector(".title").value,
      exhibits: [...set.querySelectorAll("li")].map((li) => li.dataset.ref) })),
    parties: $("#parties").value.split("\n").map((p) => p.trim()).filter(Boolean),
    hearing: $("#hearing").value, redacted: $("#redacted").checked,
    numbering: $("#numbering").value, passphrase: pass.value };
  pass.value = "";
  say("Building and signing the bundle…");
  const res = await post("/api/bundle", body);
  const data = await answer(res);
  if (!res.ok) { say(data.error); return; }
  window.location.reload();
});

refresh();
