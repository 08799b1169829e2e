-- The outbox: order events, written in the transaction of the change that causes them.
-- AUTOINCREMENT: an id is never given twice, even once the newest events are pruned (a
-- client's Last-Event-ID stays meaningful).
CREATE TABLE order_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_key TEXT NOT NULL UNIQUE,
    tenant TEXT NOT NULL,
    order_id BIGINT NOT NULL,
    owner TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX order_events_created ON order_events (created_at);
CREATE INDEX order_events_owner ON order_events (tenant, owner, id);

-- Where each delivery channel stands: the last event id it is done with.
CREATE TABLE event_cursors (
    channel TEXT PRIMARY KEY,
    last_id BIGINT NOT NULL
);
