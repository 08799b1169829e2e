//! Writes events into the outbox, inside the caller's transaction.

use super::{Db, SqlStore};
use crate::db::errors::store_error;
use regards_order_actors::domain::events::OrderEvent;
use regards_order_actors::ports::StoreResult;

impl SqlStore {
    /// Inserts `events` (a key already stored is skipped). Call it last in the transaction:
    /// on Postgres it takes the outbox's lock, held until commit, so that ids are given in
    /// commit order.
    pub(crate) async fn write_events(
        conn: &mut <Db as sqlx::Database>::Connection,
        events: &[&OrderEvent],
    ) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        Self::lock_event_ids(&mut *conn).await?;
        for chunk in events.chunks(crate::db::sql::batches::HEADER_CHUNK) {
            let mut insert = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO order_events (event_key, tenant, order_id, owner, kind, \
                 created_at, payload) ",
            );
            insert.push_values(chunk, |mut row, event| {
                let payload = serde_json::to_string(event).unwrap_or_else(|_| "{}".into());
                row.push_bind(event.key.as_str())
                    .push_bind(event.tenant.as_str())
                    .push_bind(event.order_id)
                    .push_bind(event.owner.as_str())
                    .push_bind(event.kind.as_str())
                    .push_bind(event.date)
                    .push_bind(payload);
            });
            insert.push(" ON CONFLICT (event_key) DO NOTHING");
            insert
                .build()
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }
}
