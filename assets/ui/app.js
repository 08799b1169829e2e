// Start: takes a token handed in the URL fragment, then shows the page the fragment names.
"use strict";

const VIEWS = {
  search: searchView,
  basket: basketView,
  orders: ordersView,
  engine: engineView,
  "all-orders": orderSearchView,
  settings: settingsView,
};
let current = null;

/** A token handed as `#token=…` (the demo's link): kept, then removed from the address bar
 *  at once, so it is neither in the history nor shown. The fragment never reaches the server. */
function takeTokenFromFragment() {
  const match = /^#token=([^&]+)/.exec(location.hash);
  if (!match) return;
  api.setToken(decodeURIComponent(match[1]));
  history.replaceState(null, "", location.pathname + location.search + "#orders");
  signedIn();
}

function signedIn() {
  const claims = api.claims();
  document.getElementById("nav").hidden = false;
  document.getElementById("who").hidden = false;
  document.getElementById("who-text").textContent = claims
    ? `${claims.email || claims.sub} (${claims.role}, tenant ${claims.tenant})` : "signed in";
  document.body.classList.toggle("operator-role", api.isOperator());
}

function route() {
  const name = location.hash.replace(/^#/, "") || "orders";
  if (!api.token()) {
    showOnly("signin");
    return;
  }
  const view = VIEWS[name] ? name : "orders";
  if (current && current !== VIEWS[view] && current.hide) current.hide();
  current = VIEWS[view];
  showOnly(view);
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  current.show();
}

function showOnly(name) {
  for (const section of document.querySelectorAll("main > .view")) {
    section.hidden = section.id !== `view-${name}`;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  streamedDownloads.init();
  for (const view of Object.values(VIEWS)) view.init();
  document.getElementById("signin-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = document.getElementById("token-input");
    api.setToken(input.value);
    input.value = "";
    signedIn();
    if (location.hash === "#orders") route(); else location.hash = "#orders";
  });
  document.getElementById("sign-out").addEventListener("click", () => {
    api.signOut();
    ordersView.stop();
    engineView.stop();
    location.hash = "";
    location.reload();
  });
  window.addEventListener("hashchange", () => { takeTokenFromFragment(); route(); });
  takeTokenFromFragment();
  if (api.token()) signedIn();
  route();
});
