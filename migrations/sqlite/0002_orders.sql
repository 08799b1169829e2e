-- Orders: the order rows, their dataset tasks, sub-orders and files, id blocks and tenant
-- settings. Ids come from `id_blocks` (reserved by the application), never from the database.
-- Dates are RFC 3339 text (always +00:00, so text order is time order); JSON is text.

-- Id sequences, global to every tenant (order ids are unique across tenants).
CREATE TABLE id_blocks (
    name TEXT PRIMARY KEY,
    next BIGINT NOT NULL
);

CREATE TABLE orders (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    owner TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    creation_date TEXT NOT NULL,
    expiration_date TEXT,
    status TEXT NOT NULL,
    status_date TEXT NOT NULL,
    percent_completed INTEGER NOT NULL,
    files_in_error INTEGER NOT NULL,
    available_count INTEGER NOT NULL,
    waiting_for_user BOOLEAN NOT NULL,
    correlation_id TEXT NOT NULL,
    frontend_url TEXT,
    message TEXT,
    CONSTRAINT uk_order_label_owner UNIQUE (tenant, owner, label)
);
CREATE INDEX orders_owner ON orders (tenant, owner);
CREATE INDEX orders_creation_date ON orders (tenant, creation_date);
CREATE INDEX orders_status ON orders (tenant, status);

CREATE TABLE dataset_tasks (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    order_id BIGINT NOT NULL,
    dataset_urn TEXT NOT NULL,
    dataset_label TEXT NOT NULL,
    objects_count BIGINT NOT NULL,
    files_count BIGINT NOT NULL,
    files_size BIGINT NOT NULL,
    selection_requests TEXT NOT NULL,
    process TEXT,
    file_filter TEXT
);
CREATE INDEX dataset_tasks_order ON dataset_tasks (tenant, order_id);

CREATE TABLE suborders (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    order_id BIGINT NOT NULL,
    dataset_task_id BIGINT NOT NULL,
    external BOOLEAN NOT NULL
);
CREATE INDEX suborders_order ON suborders (tenant, order_id);

CREATE TABLE order_files (
    id INTEGER PRIMARY KEY,
    tenant TEXT NOT NULL,
    order_id BIGINT NOT NULL,
    suborder_id BIGINT NOT NULL,
    dataset_task_id BIGINT NOT NULL,
    state TEXT NOT NULL,
    filename TEXT NOT NULL,
    url TEXT NOT NULL,
    mime_type TEXT,
    size BIGINT,
    checksum TEXT,
    checksum_algo TEXT,
    data_type TEXT NOT NULL,
    reference BOOLEAN NOT NULL,
    object_urn TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    download_error TEXT
);
CREATE INDEX order_files_suborder ON order_files (order_id, suborder_id);
CREATE INDEX order_files_state ON order_files (order_id, state);

CREATE TABLE tenant_settings (
    tenant TEXT NOT NULL,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (tenant, name)
);
