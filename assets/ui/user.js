// The user's pages: catalogue search into the basket, the basket and its order, my orders live.
"use strict";

const FILES_PAGE = 20;
const ORDERS_PAGE = 10;
const SUBORDERS_PAGE = 10;

// ---- Search -------------------------------------------------------------------------------

const searchView = {
  page: 0,
  datasets: new Map(), // URN → label

  init() {
    document.getElementById("search-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.page = 0;
      this.search();
    });
    document.getElementById("add-dataset").addEventListener("click", () => {
      const dataset = document.getElementById("search-dataset").value;
      if (!dataset) {
        notify("Choose a dataset first.", true);
        document.getElementById("search-dataset").focus();
        return;
      }
      this.select({ engineType: "legacy", datasetUrn: dataset }, `dataset ${this.datasets.get(dataset)}`);
    });
  },

  /** Fills the dataset list (once: the catalogue changes by imports only). */
  async show() {
    if (this.datasets.size) return;
    try {
      const datasets = await api.json("GET", "/catalog/datasets");
      const select = document.getElementById("search-dataset");
      for (const d of datasets) {
        this.datasets.set(d.urn, d.label);
        select.append(el("option", { value: d.urn }, d.label));
      }
    } catch (error) {
      notify(`Datasets: ${error.message}`, true);
    }
  },

  /** The query of the form: q and the chosen dataset. */
  criteria() {
    return {
      q: document.getElementById("search-q").value.trim(),
      dataset: document.getElementById("search-dataset").value,
    };
  },

  async search() {
    const { q, dataset } = this.criteria();
    const result = document.getElementById("search-result");
    const params = new URLSearchParams({ page: this.page, size: 20 });
    if (q) params.set("q", q);
    if (dataset) params.set("dataset", dataset);
    let page;
    try {
      page = await api.json("GET", `/catalog/search?${params}`);
    } catch (error) {
      result.replaceChildren(el("p", { className: "error-text" }, error.message));
      return;
    }
    const total = page.metadata.totalElements;
    const selectAll = { engineType: "legacy", searchParameters: { q: [q || "*"] } };
    if (dataset) selectAll.datasetUrn = dataset;
    const rows = page.content.map((o) => el("tr", {},
      el("td", {}, o.providerId),
      el("td", {}, this.datasets.get(o.datasetUrn) || o.datasetUrn),
      el("td", { className: "num" }, o.filesCount),
      el("td", { className: "num" }, formatBytes(o.filesSize)),
      el("td", {}, el("button", {
        type: "button", className: "secondary",
        onclick: () => this.select({ engineType: "legacy", entityIdsToInclude: [o.id] }, o.providerId),
      }, "Add"))));
    result.replaceChildren(
      el("p", { className: "match-count" }, `${total} products match.`),
      total ? el("div", { className: "row" }, el("button", {
        type: "button", id: "add-query", onclick: () => this.select(selectAll, `the ${total} matching products`),
      }, `Add all ${total} to basket`)) : null,
      total ? el("div", { className: "table-wrap" }, el("table", {},
        el("thead", {}, el("tr", {}, ["Product", "Dataset", "Files", "Size", ""].map((h) => el("th", { scope: "col", className: ["Files", "Size"].includes(h) ? "num" : "" }, h)))),
        el("tbody", {}, rows))) : null,
      el("p", { id: "search-added" }));
    pager(document.getElementById("search-pager"), page.metadata, this.page, (p) => { this.page = p; this.search(); });
  },

  async select(selection, what) {
    const result = document.getElementById("search-added") || document.getElementById("search-result");
    try {
      const response = await api.request("POST", "/order/basket/selection", { json: selection });
      if (response.status === 204) {
        result.replaceChildren(`Nothing found for ${what}.`);
        return;
      }
      if (!response.ok) throw await ApiFailure.of(response);
      const basket = unwrap(await response.json());
      result.replaceChildren(`Added ${what}. The basket now holds `,
        basketTotals(basket), ". ", el("a", { href: "#basket" }, "Open the basket"));
      notify(`Added ${what} to the basket.`);
    } catch (error) {
      result.replaceChildren(el("span", { className: "error-text" }, error.message));
    }
  },
};

/** An EntityModel's content, or the object itself. */
function unwrap(model) {
  return model && model.content && !Array.isArray(model.content) ? model.content : model;
}

/** "N products, M files, S" of a basket. */
function basketTotals(basket) {
  let objects = 0, files = 0, size = 0;
  for (const s of basket.datasetSelections || []) {
    objects += s.objectsCount; files += s.filesCount; size += s.filesSize;
  }
  return el("span", { className: "basket-totals" },
    `${objects} products, ${files} files, ${formatBytes(size)}`);
}

// ---- Basket -------------------------------------------------------------------------------

const basketView = {
  init() {
    document.getElementById("order-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.order();
    });
    document.getElementById("empty-basket").addEventListener("click", async () => {
      try {
        await api.json("DELETE", "/order/basket");
        notify("Basket emptied.");
        this.show();
      } catch (error) {
        notify(error.message, true);
      }
    });
  },

  async show() {
    const content = document.getElementById("basket-content");
    const form = document.getElementById("order-form");
    let basket;
    try {
      basket = unwrap(await api.json("GET", "/order/basket"));
    } catch (error) {
      content.replaceChildren(el("p", { className: "error-text" }, error.message));
      return;
    }
    if (!basket || !(basket.datasetSelections || []).length) {
      content.replaceChildren(el("p", {}, "The basket is empty. ", el("a", { href: "#search" }, "Search the catalogue")));
      form.hidden = true;
      return;
    }
    form.hidden = false;
    content.replaceChildren(el("p", {}, "Total: ", basketTotals(basket)),
      el("div", { className: "cards" }, basket.datasetSelections.map((s) => this.selection(s))));
  },

  selection(s) {
    const remove = (path, what) => async () => {
      try {
        await api.request("DELETE", path).then(async (r) => { if (!r.ok) throw await ApiFailure.of(r); });
        notify(`Removed ${what}.`);
        this.show();
      } catch (error) {
        notify(error.message, true);
      }
    };
    const rows = (s.itemsSelections || []).map((item) => {
      const request = item.selectionRequest || {};
      const query = request.searchParameters && request.searchParameters.q;
      const what = request.datasetUrn && !query ? "whole dataset"
        : query ? `q = ${[].concat(query).join(" ")}`
          : request.entityIdsToInclude ? `${request.entityIdsToInclude.length} ids` : "selection";
      return el("tr", { "data-selection": what },
        el("td", {}, item.date),
        el("td", {}, what),
        el("td", { className: "num" }, item.objectsCount),
        el("td", { className: "num" }, item.filesCount),
        el("td", { className: "num" }, formatBytes(item.filesSize)),
        el("td", {}, el("button", {
          type: "button", className: "secondary",
          onclick: remove(`/order/basket/dataset/${s.id}/${encodeURIComponent(item.date)}`, "the selection"),
        }, "Remove")));
    });
    return el("article", { className: "card selection" },
      el("h3", {}, s.datasetLabel),
      el("p", { className: "hint" }, s.datasetIpid),
      el("ul", { className: "facts" },
        el("li", {}, `${s.objectsCount} products`),
        el("li", {}, `${s.filesCount} files`),
        el("li", {}, formatBytes(s.filesSize))),
      el("div", { className: "table-wrap" }, el("table", {},
        el("caption", { className: "hint" }, "Selections"),
        el("thead", {}, el("tr", {}, ["Date", "What", "Products", "Files", "Size", ""].map((h) => el("th", { scope: "col", className: ["Products", "Files", "Size"].includes(h) ? "num" : "" }, h)))),
        el("tbody", {}, rows))),
      el("div", { className: "actions" }, el("button", {
        type: "button", className: "danger", onclick: remove(`/order/basket/dataset/${s.id}`, s.datasetLabel),
      }, `Remove dataset ${s.datasetLabel}`)));
  },

  async order() {
    const label = document.getElementById("order-label").value.trim();
    try {
      const response = await api.request("POST", "/user/orders", { json: label ? { label } : {} });
      if (response.status === 204) { notify("The basket is empty.", true); return; }
      if (!response.ok) throw await ApiFailure.of(response);
      const order = unwrap(await response.json());
      notify(`Order ${order.id} created.`);
      document.getElementById("order-label").value = "";
      location.hash = "#orders";
    } catch (error) {
      notify(error.message, true);
    }
  },
};

// ---- My orders ----------------------------------------------------------------------------

const ordersView = {
  page: 0,
  stream: null,
  cards: new Map(), // order id → {card, summary, files}
  subOrderPages: new Map(), // order id → page of its sub-orders shown
  pending: new Map(), // order id → timer of a refresh asked by events
  fileResults: new Map(), // file id → what its download said, kept across re-renders

  init() {},

  show() {
    this.load();
    if (!this.stream) {
      const live = document.getElementById("orders-live");
      this.stream = followEvents("/user/orders/events", (event) => this.onEvent(event),
        (text, ok) => { live.textContent = `Live updates: ${text}`; live.dataset.ok = ok; });
    }
  },

  hide() {},

  stop() {
    if (this.stream) this.stream.stop();
    this.stream = null;
  },

  async load() {
    const list = document.getElementById("orders-list");
    let page;
    try {
      page = await api.json("GET", `/user/orders?page=${this.page}&size=${ORDERS_PAGE}`);
    } catch (error) {
      list.replaceChildren(el("p", { className: "error-text" }, error.message));
      return;
    }
    this.cards.clear();
    const cards = el("div", { className: "cards" });
    for (const model of page.content || []) cards.append(this.card(model));
    list.replaceChildren(page.content && page.content.length ? cards
      : el("p", {}, "No order yet. ", el("a", { href: "#basket" }, "Order your basket")));
    pager(document.getElementById("orders-pager"), page.metadata, this.page, (p) => { this.page = p; this.load(); });
  },

  onEvent(event) {
    const data = event.data || {};
    if (typeof data.orderId !== "number") return;
    if (data.type === "ORDER_CREATED" && !this.cards.has(data.orderId)) {
      // A newer order than those listed (ids grow) belongs on the first page; an older one
      // (a replayed event of an order on another page, or deleted) changes nothing here.
      const newest = Math.max(0, ...this.cards.keys());
      if (this.page === 0 && data.orderId > newest) this.load();
      return;
    }
    // Several events of one order in a burst make one read of it.
    if (this.pending.has(data.orderId)) return;
    this.pending.set(data.orderId, setTimeout(() => {
      this.pending.delete(data.orderId);
      this.refresh(data.orderId);
    }, 150));
  },

  async refresh(id) {
    const entry = this.cards.get(id);
    if (!entry) return;
    try {
      const model = await api.json("GET", `/user/orders/${id}`);
      entry.summary.replaceWith(entry.summary = this.summary(model, entry.saved));
      if (entry.files.dataset.open === "true") this.showFiles(model, entry.files);
      this.settle(model);
    } catch (error) {
      if (error.status === 404) entry.card.remove();
    }
  },

  card(model) {
    const order = model.content;
    const files = el("div", { className: "files" });
    // Kept across refreshes of the summary: a saved download stays offered.
    const saved = el("div", { className: "row saved", "aria-live": "polite" });
    const summary = this.summary(model, saved);
    const card = el("article", { className: "card order", id: `order-${order.id}`, "data-order-id": order.id },
      summary, saved, files);
    this.cards.set(order.id, { card, summary, saved, files });
    this.settle(model);
    return card;
  },

  /** A paused order may be resumed once its running retrievals have stopped, which no event
   *  tells: until then its card is read again every second. */
  settle(model) {
    const order = model.content;
    const resumable = (model.links || []).some((l) => l.rel === "resume");
    if (order.status === "PAUSED" && !resumable) {
      setTimeout(() => this.refresh(order.id), 1000);
    }
  },

  /** The part of an order's card that events refresh: status, progress, counts, actions;
   *  downloads are offered in `saved`. */
  summary(model, saved) {
    const order = model.content;
    const links = new Map((model.links || []).map((l) => [l.rel, l.href]));
    const subOrders = el("div", { className: "suborders", "data-suborders": order.id });
    const tasks = new Map((order.datasetTasks || []).map((d) => [d.id, d.datasetLabel]));
    this.loadSubOrders(order.id, subOrders, tasks);
    const totals = (order.datasetTasks || []).reduce((t, d) => ({
      files: t.files + d.filesCount, size: t.size + d.filesSize,
    }), { files: 0, size: 0 });
    const downloads = el("div", { className: "row downloads" });
    const actions = el("div", { className: "row actions" });
    const action = (rel, label, method, danger) => {
      if (!links.has(rel)) return;
      actions.append(el("button", {
        type: "button", className: danger ? "danger" : "", "data-action": rel,
        onclick: () => this.act(order, method, new URL(links.get(rel)).pathname, label),
      }, label));
    };
    action("pause", "Pause", "PUT");
    action("resume", "Resume", "PUT");
    action("retry", "Retry", "PUT");
    action("restart", "Restart", "POST");
    action("delete", "Delete", "DELETE", true);
    action("remove", "Remove", "DELETE", true);
    if (links.has("download")) {
      downloads.append(el("button", {
        type: "button", className: "secondary", "data-download": "zip",
        onclick: () => this.download(`/user/orders/${order.id}/download`, `order-${order.id}.zip`, saved),
      }, "Download zip"));
    }
    if (["RUNNING", "PAUSED", "DONE", "DONE_WITH_WARNING"].includes(order.status)) {
      downloads.append(el("button", {
        type: "button", className: "secondary", "data-download": "metalink",
        onclick: () => this.download(`/user/orders/${order.id}/metalink/download`, `order-${order.id}.metalink`, saved),
      }, "Download metalink"));
    }
    downloads.append(el("button", {
      type: "button", className: "secondary", "data-files": "toggle",
      "aria-expanded": String(((this.cards.get(order.id) || {}).files || {}).dataset?.open === "true"),
      onclick: (e) => this.toggleFiles(order.id, e.currentTarget),
    }, "Files"));
    return el("div", { className: "summary" },
      el("h3", {}, order.label),
      el("p", {}, el("span", { className: `status ${order.status}`, "data-status": order.status }, order.status),
        ` order ${order.id}, created ${order.creationDate}`,
        order.expirationDate ? `, expires ${order.expirationDate}` : ""),
      el("div", { className: "bar" },
        el("label", { for: `progress-${order.id}` }, "Progress"),
        el("progress", { id: `progress-${order.id}`, max: 100, value: order.percentCompleted }),
        el("span", { className: "percent" }, `${order.percentCompleted} %`)),
      subOrders,
      order.status === "PAUSED" && !links.has("resume")
        ? el("p", { className: "hint" }, "Pausing: waiting for the running retrievals to stop…") : null,
      el("ul", { className: "facts" },
        el("li", { className: "available" }, `${order.availableFilesCount} files available`),
        el("li", { className: order.filesInErrorCount ? "error-text" : "" }, `${order.filesInErrorCount} in error`),
        el("li", {}, `${totals.files} files, ${formatBytes(totals.size)} in all`),
        order.waitingForUser ? el("li", {}, "waiting for you to download") : null),
      (order.datasetTasks || []).length ? el("div", { className: "table-wrap" }, el("table", {},
        el("caption", { className: "hint" }, "Datasets"),
        el("thead", {}, el("tr", {}, ["Dataset", "Products", "Files", "Size"].map((h) => el("th", { scope: "col", className: h === "Dataset" ? "" : "num" }, h)))),
        el("tbody", {}, order.datasetTasks.map((d) => el("tr", {},
          el("td", {}, d.datasetLabel), el("td", { className: "num" }, d.objectsCount),
          el("td", { className: "num" }, d.filesCount), el("td", { className: "num" }, formatBytes(d.filesSize))))))) : null,
      actions, downloads);
  },

  /** A bar per sub-order of the order, a page at a time (a large order has thousands);
   *  read again with the card at each of its events. */
  async loadSubOrders(orderId, holder, tasks) {
    const page = this.subOrderPages.get(orderId) || 0;
    let found;
    try {
      found = await api.json("GET", `/orders/${orderId}/filesTasks?page=${page}&size=${SUBORDERS_PAGE}`);
    } catch (error) {
      holder.replaceChildren(el("p", { className: "error-text" }, `Sub-orders: ${error.message}`));
      return;
    }
    const entries = found.content || [];
    if (!entries.length) { holder.replaceChildren(); return; }
    const total = found.metadata ? found.metadata.totalElements : entries.length;
    const list = el("ul", { className: "suborder-list" }, entries.map((entry) => {
      const s = entry.content;
      const id = `suborder-${orderId}-${s.id}`;
      const facts = [`${s.availableCount} available`, `${s.downloadedCount} downloaded`];
      if (s.pendingCount) facts.push(`${s.pendingCount} to retrieve`);
      if (s.filesInErrorCount) facts.push(`${s.filesInErrorCount} in error`);
      return el("li", { className: "bar", "data-suborder": s.id, "data-percent": s.percentCompleted },
        el("label", { for: id }, `Sub-order ${s.id}`, tasks.get(s.datasetTaskId) ? ` (${tasks.get(s.datasetTaskId)})` : ""),
        el("progress", { id, max: 100, value: s.percentCompleted }),
        el("span", { className: "percent" }, `${s.percentCompleted} %`),
        el("span", { className: "hint" }, `${s.filesCount} files, ${formatBytes(s.filesSize)}: ${facts.join(", ")}`,
          s.waitingForUser ? " — waiting for you to download" : ""));
    }));
    const pagerHolder = el("div", { className: "pager" });
    holder.replaceChildren(el("h4", {}, `Sub-orders (${total})`), list, pagerHolder);
    pager(pagerHolder, found.metadata, page, (p) => {
      this.subOrderPages.set(orderId, p);
      this.loadSubOrders(orderId, holder, tasks);
    });
  },

  async act(order, method, path, label) {
    try {
      const response = await api.request(method, path);
      if (!response.ok) throw await ApiFailure.of(response);
      notify(`${label}: order ${order.id} (${order.label}).`);
      if (label === "Restart") this.load(); else this.refresh(order.id);
    } catch (error) {
      notify(`${label} refused: ${error.message}`, true);
    }
  },

  async download(path, name, container) {
    container.replaceChildren(el("span", {}, "downloading…"));
    if (streamedDownloads.available()) {
      streamedDownloads.start(path, container).catch((error) =>
        container.replaceChildren(el("span", { className: "error-text" }, error.message)));
      return;
    }
    try {
      const result = await api.blob(path);
      if (result.pending) {
        const wait = result.retryAfter ? `in ${result.retryAfter} s` : "later";
        container.replaceChildren(el("span", { className: "restoring" }, `being restored, try again ${wait}`));
        return;
      }
      if (result.status === 204) {
        container.replaceChildren(el("span", {}, "nothing available yet"));
        return;
      }
      offerBlob(container, result.blob, name);
    } catch (error) {
      container.replaceChildren(el("span", { className: "error-text" }, error.message));
    }
  },

  toggleFiles(id, button) {
    const entry = this.cards.get(id);
    if (!entry) return;
    const open = entry.files.dataset.open !== "true";
    entry.files.dataset.open = String(open);
    button.setAttribute("aria-expanded", String(open));
    if (!open) { entry.files.replaceChildren(); return; }
    api.json("GET", `/user/orders/${id}`).then((model) => this.showFiles(model, entry.files),
      (error) => entry.files.replaceChildren(el("p", { className: "error-text" }, error.message)));
  },

  /** Each dataset's files, one page at a time (an order may hold 100 000 files). */
  showFiles(model, container) {
    const order = model.content;
    const sections = (order.datasetTasks || []).map((task) => {
      const holder = el("div", {});
      const load = async (page) => {
        try {
          const files = await api.json("GET", `/orders/${order.id}/dataset/${task.id}/files?page=${page}&size=${FILES_PAGE}`);
          const pagerHolder = el("div", { className: "pager" });
          holder.replaceChildren(this.fileTable(files.content || []), pagerHolder);
          pager(pagerHolder, files.metadata, page, load);
        } catch (error) {
          holder.replaceChildren(el("p", { className: "error-text" }, error.message));
        }
      };
      load(0);
      return el("section", {}, el("h4", {}, `Files of ${task.datasetLabel}`), holder);
    });
    container.replaceChildren(...sections);
  },

  fileTable(models) {
    const rows = models.map((m) => {
      const f = m.content || m;
      let result = this.fileResults.get(f.id);
      if (!result) {
        result = el("span", { "aria-live": "polite" });
        this.fileResults.set(f.id, result);
      }
      const canDownload = ["AVAILABLE", "DOWNLOADED", "PENDING"].includes(f.state);
      return el("tr", { "data-file-state": f.state },
        el("td", {}, f.filename),
        el("td", {}, f.state, f.downloadError ? el("span", { className: "error-text" }, ` (${f.downloadError})`) : null),
        el("td", { className: "num" }, f.filesize !== undefined ? formatBytes(f.filesize) : ""),
        el("td", {}, canDownload ? el("button", {
          type: "button", className: "secondary",
          onclick: () => this.download(`/orders/files/${f.id}`, f.filename, result),
        }, "Download") : null, result));
    });
    return el("div", { className: "table-wrap" }, el("table", {},
      el("thead", {}, el("tr", {}, ["File", "State", "Size", ""].map((h) => el("th", { scope: "col", className: h === "Size" ? "num" : "" }, h)))),
      el("tbody", {}, rows)));
  },
};

/** Previous / next buttons of a page of `metadata` into `holder`; `go(page)` loads one. */
function pager(holder, metadata, page, go) {
  holder.replaceChildren();
  if (!metadata || metadata.totalPages <= 1) return;
  holder.append(
    el("button", { type: "button", className: "secondary", disabled: page <= 0, onclick: () => go(page - 1) }, "Previous"),
    el("span", {}, `page ${page + 1} of ${metadata.totalPages} (${metadata.totalElements} in all)`),
    el("button", { type: "button", className: "secondary", disabled: page + 1 >= metadata.totalPages, onclick: () => go(page + 1) }, "Next"));
}
