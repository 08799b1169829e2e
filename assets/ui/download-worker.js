// Service worker of the interface: streams an authenticated download to the browser's
// downloads instead of holding it in the page's memory (an order's zip may be many GiB).
// A navigation cannot carry the Authorization header, so the page hands this worker the request
// (path and token, over a message channel), then navigates a hidden frame to `stream/<id>`; the
// worker answers that navigation with the API's response, which the browser saves as it comes.
// The token stays in memory for one request and never appears in a URL.
"use strict";

const requests = new Map(); // id → {path, token, client}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "download" || !event.ports[0]) return;
  requests.set(data.id, { path: data.path, token: data.token, client: event.source });
  // Forgotten if the frame never comes (the page went away meanwhile).
  setTimeout(() => requests.delete(data.id), 60000);
  event.ports[0].postMessage({ ready: data.id });
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  const prefix = new URL("stream/", self.registration.scope).pathname;
  if (!url.pathname.startsWith(prefix)) return;
  const id = url.pathname.slice(prefix.length);
  const request = requests.get(id);
  requests.delete(id);
  event.respondWith(answer(id, request));
});

/** The API's response when it is the file (the browser saves it); otherwise an empty 204, so
 *  the hidden frame shows nothing, and the page is told the status and the API's messages. */
async function answer(id, request) {
  if (!request) return new Response(null, { status: 204 });
  const tell = (what) => request.client && request.client.postMessage({ type: "download", id, ...what });
  let response;
  try {
    response = await fetch(request.path, { headers: { Authorization: "Bearer " + request.token } });
  } catch (error) {
    tell({ status: 0, messages: [String(error)] });
    return new Response(null, { status: 204 });
  }
  if (response.status === 200 || response.status === 206) {
    tell({ status: response.status, length: response.headers.get("Content-Length") });
    return response;
  }
  let messages = [];
  try {
    const body = await response.json();
    if (body && Array.isArray(body.messages)) messages = body.messages;
  } catch (_) {
    // Not the API's error shape: the status says enough.
  }
  tell({ status: response.status, retryAfter: response.headers.get("Retry-After"), messages });
  return new Response(null, { status: 204 });
}
