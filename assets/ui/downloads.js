// Downloads of the pages: through the service worker (`download-worker.js`) when it controls
// the page, so that a large zip streams to disk; else fetched whole into a Blob and offered.
"use strict";

const streamedDownloads = {
  waiting: new Map(), // id → {container, resolve}

  /** Registers the worker; the page is controlled from its next load, or at once on a first
   *  visit (the worker claims its pages when it activates). */
  init() {
    if (!("serviceWorker" in navigator) || !window.isSecureContext) return;
    navigator.serviceWorker.register("download-worker.js").catch(() => {});
    navigator.serviceWorker.addEventListener("message", (event) => this.settle(event.data || {}));
  },

  /** Whether downloads can be streamed now. */
  available() {
    return !!(navigator.serviceWorker && navigator.serviceWorker.controller);
  },

  /** Streams `path` to the browser's downloads; what the API answered is shown in `container`. */
  async start(path, container) {
    const id = crypto.randomUUID();
    const channel = new MessageChannel();
    const accepted = new Promise((resolve) => { channel.port1.onmessage = () => resolve(); });
    navigator.serviceWorker.controller.postMessage(
      { type: "download", id, path, token: api.token() }, [channel.port2]);
    await accepted;
    const frame = el("iframe", { hidden: true, title: "download", src: `stream/${id}` });
    this.waiting.set(id, { container, frame });
    document.body.append(frame);
  },

  settle(data) {
    if (data.type !== "download") return;
    const entry = this.waiting.get(data.id);
    if (!entry) return;
    this.waiting.delete(data.id);
    // The frame has done its part once the browser took the download over.
    setTimeout(() => entry.frame.remove(), 1000);
    const show = (className, text) => entry.container.replaceChildren(
      el("span", { className, "data-download-status": data.status }, text));
    if (data.status === 200 || data.status === 206) {
      const size = data.length ? ` (${formatBytes(Number(data.length))})` : "";
      show("saved-stream", `saving to your downloads${size}`);
    } else if (data.status === 202) {
      show("restoring", `being restored, try again ${data.retryAfter ? `in ${data.retryAfter} s` : "later"}`);
    } else if (data.status === 204) {
      show("", "nothing available yet");
    } else {
      const reason = (data.messages || []).join("; ");
      show("error-text", data.status ? `HTTP ${data.status}${reason ? `: ${reason}` : ""}` : `failed: ${reason}`);
    }
  },
};
