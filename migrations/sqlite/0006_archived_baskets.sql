-- Archived baskets live apart from users' baskets. `order_id` names the order a basket was
-- archived for; NULL is the live basket of user `owner`. An archive used to be the basket of
-- owner `ORDER_<id>`, which a user with that e-mail could read and change.
--
-- SQLite cannot drop the (tenant, owner) unique constraint: the three basket tables are
-- rebuilt. The old ones are dropped children first, so that no drop cascades into a table
-- still holding rows; the renames carry the foreign keys over to the new names.
CREATE TABLE baskets_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    owner TEXT NOT NULL,
    order_id BIGINT
);

CREATE TABLE basket_datasets_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    basket_id INTEGER NOT NULL REFERENCES baskets_new (id) ON DELETE CASCADE,
    dataset_urn TEXT NOT NULL,
    dataset_label TEXT NOT NULL,
    summary TEXT NOT NULL,
    process TEXT,
    file_filter TEXT
);

CREATE TABLE basket_items_new (
    tenant TEXT NOT NULL,
    basket_dataset_id INTEGER NOT NULL REFERENCES basket_datasets_new (id) ON DELETE CASCADE,
    date TEXT NOT NULL,
    request TEXT NOT NULL,
    summary TEXT NOT NULL,
    PRIMARY KEY (basket_dataset_id, date)
);

-- `ORDER_<id>` of an existing order is its archive (owned by the order's owner);
-- `RESTART_ORDER_<id>` of an existing order is the copy an interrupted restart left: gone.
INSERT INTO baskets_new (id, tenant, owner, order_id)
SELECT b.id, b.tenant, COALESCE(o.owner, b.owner), o.id
FROM baskets b
LEFT JOIN orders o ON o.tenant = b.tenant AND b.owner = 'ORDER_' || o.id
WHERE NOT EXISTS (
    SELECT 1 FROM orders r WHERE r.tenant = b.tenant AND b.owner = 'RESTART_ORDER_' || r.id
);

INSERT INTO basket_datasets_new
    (id, tenant, basket_id, dataset_urn, dataset_label, summary, process, file_filter)
SELECT id, tenant, basket_id, dataset_urn, dataset_label, summary, process, file_filter
FROM basket_datasets
WHERE basket_id IN (SELECT id FROM baskets_new);

INSERT INTO basket_items_new (tenant, basket_dataset_id, date, request, summary)
SELECT tenant, basket_dataset_id, date, request, summary
FROM basket_items
WHERE basket_dataset_id IN (SELECT id FROM basket_datasets_new);

DROP TABLE basket_items;
DROP TABLE basket_datasets;
DROP TABLE baskets;
ALTER TABLE baskets_new RENAME TO baskets;
ALTER TABLE basket_datasets_new RENAME TO basket_datasets;
ALTER TABLE basket_items_new RENAME TO basket_items;

CREATE UNIQUE INDEX uk_basket_owner ON baskets (tenant, owner) WHERE order_id IS NULL;
CREATE UNIQUE INDEX uk_basket_order ON baskets (tenant, order_id);
CREATE INDEX basket_datasets_basket ON basket_datasets (basket_id);
