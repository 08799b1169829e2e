-- An order's files by id: zip and metalink read them in keyset pages (id > last, by id),
-- which the (order_id, suborder_id) index can only serve with a sort of the whole order
-- per page.
CREATE INDEX order_files_order ON order_files (order_id, id);
