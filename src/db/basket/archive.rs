//! Baskets archived for orders: a user's live basket has no `order_id`; creation moves it to
//! the order (so no e-mail names it any more), a restart copies it, removal deletes it.

use super::{Db, SqlStore};
use crate::db::errors::store_error;
use regards_order_actors::domain::Tenant;
use regards_order_actors::ports::StoreResult;

impl SqlStore {
    /// Moves `owner`'s live basket to order `order_id` (none: nothing happens).
    pub(crate) async fn archive_basket(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        owner: &str,
        order_id: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE baskets SET order_id = $3 \
             WHERE tenant = $1 AND owner = $2 AND order_id IS NULL",
        )
        .bind(tenant.as_str())
        .bind(owner)
        .bind(order_id)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    /// Copies order `from`'s archived basket as order `to`'s (new rows); false when
    /// `from` has none.
    pub(crate) async fn copy_archived_basket(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        from: i64,
        to: i64,
    ) -> StoreResult<bool> {
        let found: Option<(i64, String)> =
            sqlx::query_as("SELECT id, owner FROM baskets WHERE tenant = $1 AND order_id = $2")
                .bind(tenant.as_str())
                .bind(from)
                .fetch_optional(&mut *conn)
                .await
                .map_err(store_error)?;
        let Some((source, owner)) = found else {
            return Ok(false);
        };
        let basket: i64 = sqlx::query_scalar(
            "INSERT INTO baskets (tenant, owner, order_id) VALUES ($1, $2, $3) \
             RETURNING id",
        )
        .bind(tenant.as_str())
        .bind(owner)
        .bind(to)
        .fetch_one(&mut *conn)
        .await
        .map_err(store_error)?;
        let selections: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM basket_datasets WHERE basket_id = $1 ORDER BY id")
                .bind(source)
                .fetch_all(&mut *conn)
                .await
                .map_err(store_error)?;
        for selection in selections {
            let copy: i64 = sqlx::query_scalar(
                "INSERT INTO basket_datasets (tenant, basket_id, dataset_urn, \
                 dataset_label, summary, process, file_filter) \
                 SELECT tenant, $2, dataset_urn, dataset_label, summary, process, \
                 file_filter FROM basket_datasets WHERE id = $1 RETURNING id",
            )
            .bind(selection)
            .bind(basket)
            .fetch_one(&mut *conn)
            .await
            .map_err(store_error)?;
            sqlx::query(
                "INSERT INTO basket_items (tenant, basket_dataset_id, date, request, \
                 summary) SELECT tenant, $2, date, request, summary \
                 FROM basket_items WHERE basket_dataset_id = $1",
            )
            .bind(selection)
            .bind(copy)
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
        }
        Ok(true)
    }

    /// Deletes order `order_id`'s archived basket.
    pub(crate) async fn delete_archived_basket(
        conn: &mut <Db as sqlx::Database>::Connection,
        tenant: &Tenant,
        order_id: i64,
    ) -> StoreResult<()> {
        let statements = [
            "DELETE FROM basket_items WHERE basket_dataset_id IN (SELECT d.id FROM \
             basket_datasets d JOIN baskets b ON b.id = d.basket_id \
             WHERE b.tenant = $1 AND b.order_id = $2)",
            "DELETE FROM basket_datasets WHERE basket_id IN \
             (SELECT id FROM baskets WHERE tenant = $1 AND order_id = $2)",
            "DELETE FROM baskets WHERE tenant = $1 AND order_id = $2",
        ];
        for sql in statements {
            sqlx::query(sql)
                .bind(tenant.as_str())
                .bind(order_id)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }
}
