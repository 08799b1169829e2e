-- Order requests received over AMQP: one row per (tenant, correlationId), written before the
-- order is created, so a redelivered request creates nothing twice and is answered the same,
-- and the answers that follow the order (SUBORDER_DONE, DONE, FAILED) find their request.
CREATE TABLE amqp_requests (
    tenant TEXT NOT NULL,
    correlation_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    received_at TEXT NOT NULL,
    -- The order created, once it is.
    order_id BIGINT,
    -- The GRANTED or DENIED answer (OrderResponseDto JSON), once decided.
    response TEXT,
    -- The broker confirmed the answer.
    answer_sent BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (tenant, correlation_id)
);
CREATE INDEX amqp_requests_order ON amqp_requests (tenant, order_id);
