// The API's event streams (text/event-stream) read with fetch, since EventSource cannot send
// the Authorization header. After a drop it reconnects with Last-Event-ID, so the service
// replays what was missed: no event is lost or told twice.
"use strict";

/**
 * Follows `path`, calling `onEvent({id, type, data})` for each event and `onState(text, ok)`
 * when the connection changes; with `fromId`, the events kept after that id are replayed first. Answers an object whose `stop()` ends it. A 401 or 403 stops
 * for good (the token will not get better); anything else is retried, 1 s then doubling to 30 s.
 */
function followEvents(path, onEvent, onState, fromId) {
  let lastId = fromId === undefined ? null : String(fromId);
  let stopped = false;
  let controller = null;
  let delay = 1000;

  async function connect() {
    while (!stopped) {
      controller = new AbortController();
      try {
        const headers = { Authorization: "Bearer " + api.token(), Accept: "text/event-stream" };
        if (lastId !== null) headers["Last-Event-ID"] = lastId;
        const response = await fetch(path, { headers, signal: controller.signal });
        if (response.status === 401 || response.status === 403) {
          onState(`not allowed (${response.status})`, false);
          return;
        }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        onState("live", true);
        delay = 1000;
        await readStream(response.body, (event) => {
          if (event.id !== null) lastId = event.id;
          onEvent(event);
        });
        if (!stopped) onState("reconnecting…", false);
      } catch (error) {
        if (stopped) return;
        onState(`reconnecting (${error.message})…`, false);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 30000);
    }
  }

  connect();
  return {
    stop() {
      stopped = true;
      if (controller) controller.abort();
    },
  };
}

/** Reads an event stream to its end, calling `emit` for each complete event. */
async function readStream(body, emit) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let event = { id: null, type: "message", data: [] };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
      if (line === "") {
        if (event.data.length) {
          let data = event.data.join("\n");
          try { data = JSON.parse(data); } catch (_) { /* not JSON: kept as text */ }
          emit({ id: event.id, type: event.type, data });
        }
        event = { id: event.id, type: "message", data: [] };
        continue;
      }
      if (line.startsWith(":")) continue; // heartbeat comment
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "id") event.id = value;
      else if (field === "event") event.type = value;
      else if (field === "data") event.data.push(value);
    }
  }
}
