// Helpers shared by the review pages.
export const $ = (selector) => document.querySelector(selector);

// An exhibit reference as an address: HG/1 stays HG/1, anything else is quoted.
export const refPath = (ref) => ref.split("/").map(encodeURIComponent).join("/");

// Tell the user (and screen readers, through the live region) what happened.
export function say(text) { $("#status").textContent = text; }

// POST JSON to this app (same origin, so the browser sends the cookie and Origin).
export function post(url, body) {
  return fetch(url, { method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify(body), credentials: "same-origin" });
}

// The JSON a route answered, or its status as an error when it sent none.
export async function answer(res) {
  try { return await res.json(); } catch { return { error: `${res.status} ${res.statusText}` }; }
}
