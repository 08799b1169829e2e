//! Catalogue scans: the objects of a scope in keyset pages of URNs, narrowed in SQL by the
//! scope's pre-filter.
//!
//! A page is read whole and its connection given back before the first row is handed over:
//! the order builder asks for the files of the objects it got while it scans, and ten
//! builders each holding a streaming scan's connection while waiting for a second one
//! exhausted the pool until the acquire timed out.

use super::{Db, SqlStore};
use crate::db::errors::store_error;
use crate::db::sql::batches::SCAN_ID_CHUNK;
use futures::StreamExt;
use futures::stream::BoxStream;
use regards_order_actors::domain::{FileTypeSummary, Tenant};
use regards_order_actors::ports::{
    ObjectPrefilter, ObjectRow, ObjectScope, PAGE_ROWS, StoreResult, keyset_pages,
};
use sqlx::types::Json;
use sqlx::{QueryBuilder, Row};

/// The id list of one scan query: the column it restricts and up to `SCAN_ID_CHUNK` ids.
type IdList<'a> = Option<(&'static str, &'a [String])>;

impl SqlStore {
    /// The objects of `scope` ordered by URN, one id chunk after another when it lists ids.
    pub(crate) fn scan_pages<'a>(
        &'a self,
        tenant: &'a Tenant,
        scope: &'a ObjectScope,
    ) -> BoxStream<'a, StoreResult<ObjectRow>> {
        let lists: Vec<IdList<'a>> = match (&scope.urns, &scope.provider_ids) {
            (Some(urns), _) => urns
                .chunks(SCAN_ID_CHUNK)
                .map(|c| Some(("urn", c)))
                .collect(),
            (None, Some(ids)) => ids
                .chunks(SCAN_ID_CHUNK)
                .map(|c| Some(("provider_id", c)))
                .collect(),
            (None, None) => vec![None],
        };
        futures::stream::iter(lists)
            .flat_map(move |list| {
                keyset_pages(
                    move |after| self.scan_page(tenant, scope, list, after),
                    |row: &ObjectRow| row.urn.clone(),
                )
            })
            .boxed()
    }

    /// Up to `PAGE_ROWS` objects of `scope` (and of `list`) after the URN `after`.
    async fn scan_page(
        &self,
        tenant: &Tenant,
        scope: &ObjectScope,
        list: IdList<'_>,
        after: Option<String>,
    ) -> StoreResult<Vec<ObjectRow>> {
        let mut query = QueryBuilder::<Db>::new(
            "SELECT urn, dataset_urn, provider_id, properties, summary \
             FROM catalog_objects WHERE tenant = ",
        );
        query.push_bind(tenant.as_str().to_owned());
        if let Some(dataset) = &scope.dataset_urn {
            query.push(" AND dataset_urn = ").push_bind(dataset.clone());
        }
        if let Some((column, ids)) = list {
            query.push(" AND ").push(column).push(" IN (");
            let mut separated = query.separated(", ");
            for id in ids {
                separated.push_bind(id.clone());
            }
            query.push(")");
        }
        if let Some(after) = after {
            query.push(" AND urn > ").push_bind(after);
        }
        if scope.prefilter != ObjectPrefilter::Any {
            query.push(" AND ");
            push_prefilter(&mut query, &scope.prefilter);
        }
        query
            .push(" ORDER BY urn LIMIT ")
            .push_bind(i64::from(PAGE_ROWS));
        let rows = query
            .build()
            .fetch_all(&self.pool)
            .await
            .map_err(store_error)?;
        rows.iter().map(object_row).collect()
    }
}

/// Appends `prefilter` as an SQL condition (its depth is the query's, at most 100 levels).
fn push_prefilter(query: &mut QueryBuilder<Db>, prefilter: &ObjectPrefilter) {
    match prefilter {
        ObjectPrefilter::Any => {
            query.push("1 = 1");
        }
        ObjectPrefilter::Urn(urn) => {
            query.push("urn = ").push_bind(urn.clone());
        }
        ObjectPrefilter::ProviderId(id) => {
            query.push("provider_id = ").push_bind(id.clone());
        }
        ObjectPrefilter::PropertyString(text) => match serde_json::to_string(text) {
            // The string as JSON writes it, quotes included: a key or a value.
            Ok(needle) => SqlStore::push_properties_hold(query, needle),
            Err(_) => {
                query.push("1 = 1");
            }
        },
        ObjectPrefilter::AllOf(parts) | ObjectPrefilter::AnyOf(parts) => {
            let joint = match prefilter {
                ObjectPrefilter::AllOf(_) => " AND ",
                _ => " OR ",
            };
            query.push("(");
            for (i, part) in parts.iter().enumerate() {
                if i > 0 {
                    query.push(joint);
                }
                push_prefilter(query, part);
            }
            query.push(")");
        }
    }
}

/// A `catalog_objects` row as the scan returns it.
fn object_row(row: &<Db as sqlx::Database>::Row) -> StoreResult<ObjectRow> {
    let properties: Json<serde_json::Value> = row.try_get("properties").map_err(store_error)?;
    let summary: Json<FileTypeSummary> = row.try_get("summary").map_err(store_error)?;
    Ok(ObjectRow {
        urn: row.try_get("urn").map_err(store_error)?,
        dataset_urn: row.try_get("dataset_urn").map_err(store_error)?,
        provider_id: row.try_get("provider_id").map_err(store_error)?,
        properties: properties.0,
        summary: summary.0,
    })
}
