-- What the e-mails of orders need on each order row.
-- When its available files last grew (written with the header that raises the count) or its
-- owner was last reminded of them: the reminders wait `delayBeforeEmailNotification` after it.
ALTER TABLE orders ADD COLUMN available_update_date TIMESTAMPTZ;
-- Whether the creation e-mail was decided (sent, or not due): set once the end of the
-- order's creation is seen in the outbox, so that a later status sends nothing.
ALTER TABLE orders ADD COLUMN creation_noticed BOOLEAN NOT NULL DEFAULT FALSE;
-- Orders created before this version: their creation e-mail is not this version's to send.
UPDATE orders SET creation_noticed = TRUE WHERE status <> 'PENDING';
UPDATE orders SET available_update_date = status_date WHERE available_count > 0;
