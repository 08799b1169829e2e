// The operators' pages (ADMIN): the engine live, the order search with its CSV export, the
// tenant settings. The API refuses other roles (403): the pages then say so.
"use strict";

const STATUSES = ["PENDING", "RUNNING", "PAUSED", "EXPIRED", "FAILED", "DONE_WITH_WARNING", "DONE", "DELETED", "ERROR"];
const ENGINE_TIMER_MS = 15000;

/** Replaces `container` with the refusal of a role too low; answers whether it was one. */
function refused(container, error) {
  if (error.status !== 403 && error.status !== 401) return false;
  container.replaceChildren(el("p", { className: "refused", "data-refused": "true" },
    "Not allowed: this page is for operators (ADMIN). ", el("span", { className: "hint" }, `(${error.message})`)));
  return true;
}

// ---- Engine -------------------------------------------------------------------------------

const engineView = {
  stream: null,
  timer: null,
  pending: null,
  visible: false,

  init() {
    document.getElementById("engine-refresh").addEventListener("click", () => this.load());
  },

  show() {
    this.visible = true;
    this.load();
    // Refreshed when the tenant's events say something happened, and slowly otherwise
    // (queues and mailboxes also move between events).
    if (!this.timer) this.timer = setInterval(() => { if (this.visible) this.load(); }, ENGINE_TIMER_MS);
    if (!this.stream) {
      const live = document.getElementById("engine-live");
      this.stream = followEvents("/orders/events", () => this.soon(),
        (text) => { live.textContent = `Tenant events: ${text}`; });
    }
  },

  hide() {
    this.visible = false;
  },

  stop() {
    if (this.stream) this.stream.stop();
    this.stream = null;
    clearInterval(this.timer);
    this.timer = null;
  },

  /** One refresh for a burst of events. */
  soon() {
    if (!this.visible || this.pending) return;
    this.pending = setTimeout(() => { this.pending = null; this.load(); }, 300);
  },

  async load() {
    const content = document.getElementById("engine-content");
    let view;
    try {
      view = await api.json("GET", "/admin/actors");
    } catch (error) {
      if (refused(content, error)) { this.stop(); document.getElementById("engine-live").textContent = ""; return; }
      content.replaceChildren(el("p", { className: "error-text" }, error.message));
      return;
    }
    const sections = Object.entries(view).map(([key, value]) =>
      el("section", { className: `card engine-part ${Array.isArray(value) ? "wide" : ""}`, "data-part": key },
        el("h3", {}, title(key)), renderValue(value)));
    content.replaceChildren(
      el("p", { className: "hint" }, `Updated ${new Date().toLocaleTimeString()}`),
      el("div", { className: "engine" }, sections));
  },
};

/** "persistenceActors" → "Persistence actors". */
function title(key) {
  const words = humanize(key);
  return words.charAt(0).toUpperCase() + words.slice(1);
}

// ---- Order search and CSV -----------------------------------------------------------------

const orderSearchView = {
  page: 0,

  init() {
    const checks = document.getElementById("f-statuses");
    for (const status of STATUSES) {
      checks.append(el("label", {}, el("input", { type: "checkbox", value: status, name: "status" }), status));
    }
    document.getElementById("order-search-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.page = 0;
      this.search();
    });
    document.getElementById("export-csv").addEventListener("click", () => this.csv());
  },

  show() {
    this.search();
  },

  /** The filters of the form, as the API takes them. */
  filters() {
    const body = {};
    const owner = document.getElementById("f-owner").value.trim();
    if (owner) body.owner = owner;
    const statuses = [...document.querySelectorAll("#f-statuses input:checked")].map((c) => c.value);
    if (statuses.length) body.statuses = { values: statuses, mode: document.getElementById("f-mode").value };
    const after = document.getElementById("f-after").value;
    const before = document.getElementById("f-before").value;
    if (after || before) {
      body.creationDate = {};
      if (after) body.creationDate.after = new Date(after).toISOString();
      if (before) body.creationDate.before = new Date(before).toISOString();
    }
    const waiting = document.getElementById("f-waiting").value;
    if (waiting) body.waitingForUser = waiting === "true";
    return body;
  },

  async search() {
    const result = document.getElementById("order-search-result");
    let page;
    try {
      page = await api.json("POST", `/orders/search?page=${this.page}&size=20`, { json: this.filters() });
    } catch (error) {
      if (!refused(result, error)) result.replaceChildren(el("p", { className: "error-text" }, error.message));
      return;
    }
    const rows = (page.content || []).map((m) => {
      const o = m.content;
      return { id: o.id, label: o.label, owner: o.owner, status: o.status, "%": o.percentCompleted,
        available: o.availableFilesCount, errors: o.filesInErrorCount, created: o.creationDate,
        expires: o.expirationDate, waitingForUser: o.waitingForUser };
    });
    result.replaceChildren(el("p", {}, `${page.metadata ? page.metadata.totalElements : rows.length} orders`),
      rows.length ? objectTable(rows, null, 20) : el("p", { className: "hint" }, "none"));
    pager(document.getElementById("order-search-pager"), page.metadata, this.page, (p) => { this.page = p; this.search(); });
  },

  async csv() {
    const result = document.getElementById("order-search-result");
    try {
      const response = await api.request("POST", "/orders/csv", { json: this.filters(), accept: "text/csv" });
      if (!response.ok) throw await ApiFailure.of(response);
      const holder = el("p", {});
      result.prepend(holder);
      offerBlob(holder, await response.blob(), "orders.csv");
    } catch (error) {
      if (!refused(result, error)) notify(error.message, true);
    }
  },
};

// ---- Settings -----------------------------------------------------------------------------

const settingsView = {
  init() {},

  async show() {
    const content = document.getElementById("settings-content");
    let settings;
    try {
      settings = await api.json("GET", "/settings");
    } catch (error) {
      if (!refused(content, error)) content.replaceChildren(el("p", { className: "error-text" }, error.message));
      return;
    }
    content.replaceChildren(el("div", { className: "cards" }, settings.map((m) => this.setting(m.content || m))));
  },

  setting(s) {
    const id = `setting-${s.name}`;
    const editor = el("textarea", { id, rows: 4, spellcheck: "false" });
    editor.value = JSON.stringify(s.value, null, 2);
    const save = async (e) => {
      e.preventDefault();
      let value;
      try { value = JSON.parse(editor.value); } catch (error) { notify(`${s.name}: not JSON (${error.message})`, true); return; }
      try {
        await api.json("PUT", `/settings/${encodeURIComponent(s.name)}`, { json: { value } });
        notify(`${s.name} saved.`);
        this.show();
      } catch (error) {
        notify(`${s.name}: ${error.message}`, true);
      }
    };
    const reset = async () => {
      try {
        const r = await api.request("DELETE", `/settings/${encodeURIComponent(s.name)}`);
        if (!r.ok) throw await ApiFailure.of(r);
        notify(`${s.name} reset to its default.`);
        this.show();
      } catch (error) {
        notify(`${s.name}: ${error.message}`, true);
      }
    };
    return el("form", { className: "card stack", onsubmit: save },
      el("h3", {}, s.name),
      el("p", {}, s.description),
      el("label", { for: id }, "Value (JSON)"),
      editor,
      el("p", { className: "hint" }, `Default: ${JSON.stringify(s.defaultValue)}`),
      el("div", { className: "row" },
        el("button", { type: "submit" }, "Save"),
        el("button", { type: "button", className: "secondary", onclick: reset }, "Reset to default")));
  },
};
