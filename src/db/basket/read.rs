//! Reading a basket whole: its dataset selections, then their items.

use super::SqlStore;
use crate::db::errors::store_error;
use regards_order_actors::domain::Basket;
use regards_order_actors::ports::StoreResult;
use sqlx::Row;
use sqlx::types::Json;

impl SqlStore {
    /// The basket of id `id`, with its selections and items.
    pub(crate) async fn basket_by_id(&self, id: i64, owner: String) -> StoreResult<Basket> {
        use regards_order_actors::domain::{
            Basket, DatasetSelection, FileTypeSummary, ItemsSelection,
        };
        let mut basket = Basket {
            id,
            owner,
            selections: Vec::new(),
        };
        let rows = sqlx::query(
            "SELECT id, dataset_urn, dataset_label, summary, process, file_filter \
             FROM basket_datasets WHERE basket_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        for row in rows {
            let summary: Json<FileTypeSummary> = row.try_get("summary").map_err(store_error)?;
            let process: Option<Json<_>> = row.try_get("process").map_err(store_error)?;
            let filter: Option<Json<_>> = row.try_get("file_filter").map_err(store_error)?;
            basket.selections.push(DatasetSelection {
                id: row.try_get("id").map_err(store_error)?,
                dataset_urn: row.try_get("dataset_urn").map_err(store_error)?,
                dataset_label: row.try_get("dataset_label").map_err(store_error)?,
                summary: summary.0,
                process: process.map(|p| p.0),
                file_filter: filter.map(|f| f.0),
                items: Vec::new(),
            });
        }
        let items = sqlx::query(
            "SELECT i.basket_dataset_id, i.date, i.request, i.summary \
             FROM basket_items i JOIN basket_datasets d ON d.id = i.basket_dataset_id \
             WHERE d.basket_id = $1 ORDER BY i.date",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await
        .map_err(store_error)?;
        for row in items {
            let selection_id: i64 = row.try_get("basket_dataset_id").map_err(store_error)?;
            let request: Json<_> = row.try_get("request").map_err(store_error)?;
            let summary: Json<FileTypeSummary> = row.try_get("summary").map_err(store_error)?;
            let item = ItemsSelection {
                date: row.try_get("date").map_err(store_error)?,
                request: request.0,
                summary: summary.0,
            };
            if let Some(s) = basket.selections.iter_mut().find(|s| s.id == selection_id) {
                s.items.push(item);
            }
        }
        basket.sort();
        Ok(basket)
    }
}
