-- Archived baskets live apart from users' baskets. `order_id` names the order a basket was
-- archived for; NULL is the live basket of user `owner`. An archive used to be the basket of
-- owner `ORDER_<id>`, which a user with that e-mail could read and change.
ALTER TABLE baskets ADD COLUMN order_id BIGINT;
ALTER TABLE baskets DROP CONSTRAINT uk_basket_owner;

-- `ORDER_<id>` of an existing order is its archive (owned by the order's owner);
-- `RESTART_ORDER_<id>` of an existing order is the copy an interrupted restart left: gone
-- (its selections with it, by cascade).
UPDATE baskets b SET order_id = o.id, owner = o.owner
FROM orders o
WHERE o.tenant = b.tenant AND b.owner = 'ORDER_' || o.id;
DELETE FROM baskets b
USING orders o
WHERE o.tenant = b.tenant AND b.owner = 'RESTART_ORDER_' || o.id;

CREATE UNIQUE INDEX uk_basket_owner ON baskets (tenant, owner) WHERE order_id IS NULL;
CREATE UNIQUE INDEX uk_basket_order ON baskets (tenant, order_id);
