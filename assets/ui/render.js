// DOM helpers: every text the API answers goes in through textContent, never as HTML.
"use strict";

/** An element `tag` with attributes (`on*` functions become listeners) and children. */
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else if (key === "className") {
      node.className = value;
    } else if (value === true) {
      node.setAttribute(key, "");
    } else {
      node.setAttribute(key, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A byte count as people read it. */
function formatBytes(n) {
  if (typeof n !== "number" || !isFinite(n)) return String(n);
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
}

/** "mailboxLength" → "mailbox length": JSON member names as people read them. */
function humanize(key) {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
}

/** A JSON value for a table cell. */
function cellText(value) {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  if (typeof value === "number" && !Number.isInteger(value)) return value.toFixed(2);
  return String(value);
}

/** A table of objects: the union of their keys as columns, at most `limit` rows shown. */
function objectTable(rows, caption, limit) {
  const max = limit || 50;
  const keys = [];
  for (const row of rows) {
    for (const key of Object.keys(row || {})) if (!keys.includes(key)) keys.push(key);
  }
  const body = rows.slice(0, max).map((row) =>
    el("tr", {}, keys.map((k) => {
      const v = row ? row[k] : undefined;
      return el("td", { className: typeof v === "number" ? "num" : "" }, cellText(v));
    })));
  const table = el("table", {},
    caption ? el("caption", {}, caption) : null,
    el("thead", {}, el("tr", {}, keys.map((k) => el("th", { scope: "col" }, humanize(k))))),
    el("tbody", {}, body));
  const more = rows.length > max ? el("p", { className: "hint" }, `${rows.length - max} more not shown`) : null;
  return el("div", { className: "table-wrap" }, table, more);
}

/** Any JSON value as nested lists and tables. */
function renderValue(value) {
  if (Array.isArray(value)) {
    if (value.length === 0) return el("span", { className: "hint" }, "none");
    if (value.every((v) => v && typeof v === "object" && !Array.isArray(v))) return objectTable(value);
    return el("span", {}, value.map(cellText).join(", "));
  }
  if (value && typeof value === "object") {
    const dl = el("dl", { className: "kv" });
    for (const [k, v] of Object.entries(value)) {
      dl.append(el("dt", {}, humanize(k)), el("dd", {}, renderValue(v)));
    }
    return dl;
  }
  return el("span", {}, cellText(value));
}

/** Shows a message for everyone, screen readers included. */
function notify(text, isError) {
  const notice = document.getElementById("notice");
  notice.textContent = text;
  notice.classList.toggle("error", !!isError);
}
