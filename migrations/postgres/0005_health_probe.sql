-- The database prober's write: one row, overwritten (a database that answers reads but
-- refuses writes is down).
CREATE TABLE health_probe (id INTEGER PRIMARY KEY, probed_at BIGINT NOT NULL);
