-- The outbox: order events, written in the transaction of the change that causes them.
-- Writers take a transaction-scoped advisory lock before inserting, so ids are given in
-- commit order and a reader following ids misses none.
CREATE TABLE order_events (
    id BIGSERIAL PRIMARY KEY,
    event_key TEXT NOT NULL UNIQUE,
    tenant TEXT NOT NULL,
    order_id BIGINT NOT NULL,
    owner TEXT COLLATE "C" NOT NULL,
    kind TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    payload TEXT NOT NULL
);
CREATE INDEX order_events_created ON order_events (created_at);
CREATE INDEX order_events_owner ON order_events (tenant, owner, id);

-- Where each delivery channel stands: the last event id it is done with.
CREATE TABLE event_cursors (
    channel TEXT PRIMARY KEY,
    last_id BIGINT NOT NULL
);
