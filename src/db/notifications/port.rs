//! The order rows as the e-mails of orders read and mark them.

use super::super::rows::header_row;
use super::{Db, SqlStore};
use crate::db::errors::store_error;
use crate::db::sql::columns::HEADER_COLUMNS;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::OrderStatus;
use regards_order_actors::ports::{
    CreationNotice, NotificationStore, StoreError, StoreResult, WaitingOrder,
};
use sqlx::Row;

/// Statuses whose orders are never reminded of (as the original).
const NOT_REMINDED: [OrderStatus; 4] = [
    OrderStatus::Pending,
    OrderStatus::Deleted,
    OrderStatus::Failed,
    OrderStatus::Expired,
];

#[async_trait]
impl NotificationStore for SqlStore {
    async fn creation_notice(
        &self,
        tenant: &Tenant,
        order_id: i64,
    ) -> StoreResult<Option<CreationNotice>> {
        let sql = format!(
            "SELECT {HEADER_COLUMNS}, creation_noticed FROM orders WHERE tenant = $1 AND id = $2"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(tenant.as_str())
            .bind(order_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(CreationNotice {
            header: header_row(&row)?,
            decided: row.try_get("creation_noticed").map_err(store_error)?,
        }))
    }

    async fn creation_decided(&self, tenant: &Tenant, order_id: i64) -> StoreResult<()> {
        sqlx::query("UPDATE orders SET creation_noticed = TRUE WHERE tenant = $1 AND id = $2")
            .bind(tenant.as_str())
            .bind(order_id)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn tenants_with_available_files(&self) -> StoreResult<Vec<Tenant>> {
        let names: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT tenant FROM orders WHERE available_count > 0")
                .fetch_all(&self.pool)
                .await
                .map_err(store_error)?;
        names
            .into_iter()
            .map(|name| {
                Tenant::parse(&name)
                    .map_err(|e| StoreError::Corrupt(format!("tenant '{name}': {e}")))
            })
            .collect()
    }

    async fn waiting_orders(
        &self,
        tenant: &Tenant,
        before: DateTime<Utc>,
    ) -> StoreResult<Vec<WaitingOrder>> {
        let mut select = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {HEADER_COLUMNS}, available_update_date FROM orders WHERE tenant = "
        ));
        select
            .push_bind(tenant.as_str())
            .push(" AND available_count > 0 AND status NOT IN (");
        let mut statuses = select.separated(", ");
        for status in NOT_REMINDED {
            statuses.push_bind(status.as_str());
        }
        select
            .push(") AND (available_update_date IS NULL OR available_update_date < ")
            .push_bind(before)
            .push(") ORDER BY owner, id");
        let rows = select
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter()
            .map(|row| {
                Ok(WaitingOrder {
                    header: header_row(row)?,
                    available_update_date: row
                        .try_get("available_update_date")
                        .map_err(store_error)?,
                })
            })
            .collect()
    }

    async fn reminded(
        &self,
        tenant: &Tenant,
        order_ids: &[i64],
        at: DateTime<Utc>,
    ) -> StoreResult<()> {
        for chunk in order_ids.chunks(crate::db::sql::batches::HEADER_CHUNK) {
            let mut update =
                sqlx::QueryBuilder::<Db>::new("UPDATE orders SET available_update_date = ");
            update
                .push_bind(at)
                .push(" WHERE tenant = ")
                .push_bind(tenant.as_str())
                .push(" AND id IN (");
            let mut ids = update.separated(", ");
            for id in chunk {
                ids.push_bind(*id);
            }
            update.push(")");
            update
                .build()
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }
}
