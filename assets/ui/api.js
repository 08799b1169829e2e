// Calls of the JSON API with the signed-in user's bearer token. The token lives in this tab's
// sessionStorage only: sent as the Authorization header, never put in a URL.
"use strict";

const TOKEN_KEY = "regards-order-token";

const api = {
  /** The token of this tab, or null. */
  token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },

  setToken(token) {
    sessionStorage.setItem(TOKEN_KEY, token.trim());
  },

  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
  },

  /** The token's claims (tenant, email, role), read for display only: the API decides. */
  claims() {
    const token = this.token();
    if (!token) return null;
    try {
      const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
    } catch (_) {
      return null;
    }
  },

  /** Whether the token's role may open the operator pages. */
  isOperator() {
    const role = (this.claims() || {}).role;
    return ["ADMIN", "PROJECT_ADMIN", "INSTANCE_ADMIN"].includes(role);
  },

  /** A request to `path`; `options.json` is sent as a JSON body. Answers the Response. */
  async request(method, path, options) {
    const opts = options || {};
    const headers = { Authorization: "Bearer " + this.token() };
    if (opts.accept) headers.Accept = opts.accept;
    let body;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    }
    return fetch(path, { method, headers, body, signal: opts.signal });
  },

  /** Same, answering the parsed JSON body (null for an empty one); a failure throws ApiFailure. */
  async json(method, path, options) {
    const response = await this.request(method, path, options);
    if (!response.ok) throw await ApiFailure.of(response);
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  },

  /** The body of `path` as a Blob; 202 (files being restored) answers {pending, retryAfter}. */
  async blob(path, accept) {
    const response = await this.request("GET", path, { accept });
    if (response.status === 202) {
      return { pending: true, retryAfter: response.headers.get("Retry-After") };
    }
    if (!response.ok) throw await ApiFailure.of(response);
    return { blob: await response.blob(), status: response.status };
  },
};

/** A refused call: its status and the API's messages. */
class ApiFailure extends Error {
  constructor(status, messages) {
    super(messages.length ? `${status}: ${messages.join("; ")}` : `HTTP ${status}`);
    this.status = status;
    this.messages = messages;
  }

  static async of(response) {
    let messages = [];
    try {
      const body = await response.json();
      if (body && Array.isArray(body.messages)) messages = body.messages;
    } catch (_) {
      // A body that is not the API's error shape: the status says enough.
    }
    return new ApiFailure(response.status, messages);
  }
}

/** Offers `blob` as a file named `name`: a link in `container` (kept so it can be used again). */
function offerBlob(container, blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: name, className: "button secondary saved-file" },
    `Save ${name} (${formatBytes(blob.size)})`);
  // Kept on the link: the page's policy lets no script fetch a blob: URL back.
  link.savedBlob = blob;
  container.replaceChildren(link);
  link.click();
  return link;
}
