//! The row of a new order.

use super::{Db, SqlStore};
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::events::{EventType, OrderEvent};
use regards_order_actors::domain::order::OrderHeader;
use regards_order_actors::ports::StoreResult;

impl SqlStore {
    /// Inserts the row of a new order.
    pub(crate) async fn insert_order(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        header: &OrderHeader,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO orders (id, tenant, owner, label, kind, creation_date, \
             expiration_date, status, status_date, percent_completed, files_in_error, \
             available_count, waiting_for_user, correlation_id, frontend_url, message) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(header.id)
        .bind(tenant.as_str())
        .bind(&header.owner)
        .bind(&header.label)
        .bind(header.kind.as_str())
        .bind(header.creation_date)
        .bind(header.expiration_date)
        .bind(header.status.as_str())
        .bind(header.status_date)
        .bind(header.percent_completed)
        .bind(header.files_in_error)
        .bind(header.available_count)
        .bind(header.waiting_for_user)
        .bind(&header.correlation_id)
        .bind(header.frontend_url.as_deref())
        .bind(header.message.as_deref())
        .execute(&mut *conn)
        .await
        .map_err(crate::db::sql::columns::order_write_error)?;
        Ok(())
    }

    /// Writes a new order's ORDER_CREATED event: last in the transaction, since on Postgres
    /// it takes the outbox's lock until the commit (held across the basket's copy, it made
    /// order creations wait for each other).
    pub(crate) async fn write_created_event(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        header: &OrderHeader,
    ) -> StoreResult<()> {
        let created = OrderEvent::of(
            EventType::OrderCreated,
            format!("{}-created", header.id),
            tenant,
            header,
            chrono::Utc::now(),
        );
        Self::write_events(&mut *conn, &[&created]).await
    }
}
