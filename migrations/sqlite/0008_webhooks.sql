-- Webhooks: callbacks that receive order events by HTTP POST. Each row holds its delivery
-- cursor (last event done with, attempts of the next one, when it is tried again, the last
-- failure), written after each attempt: a restart resumes every callback where it stood.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    owner TEXT NOT NULL,
    -- USER: the owner's orders; TENANT: every order of the tenant (an ADMIN's callback).
    scope TEXT NOT NULL,
    url TEXT NOT NULL,
    -- The signing key, needed in clear to sign; never answered by the API.
    secret TEXT NOT NULL,
    -- Comma-separated event types.
    types TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_id BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT,
    last_error TEXT,
    last_error_at TEXT,
    given_up BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webhooks_owner ON webhooks (tenant, owner);
