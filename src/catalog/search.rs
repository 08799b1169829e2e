//! Search of the catalogue with a `q` query: the page of matching data objects a user looks at
//! before putting them in the basket, and how many match in all.

use crate::catalog::query::{Query, QueryError, Searchable};
use futures::TryStreamExt;
use regards_order_actors::domain::Tenant;
use regards_order_actors::ports::{CatalogStore, ObjectScope, StoreResult};
use serde::Serialize;

/// A matching data object as the search shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CatalogItem {
    /// The object's URN (what `entityIdsToInclude` takes).
    pub id: String,
    pub provider_id: String,
    pub dataset_urn: String,
    /// The STAC properties the `q` language queries.
    #[schema(value_type = Object)]
    pub properties: serde_json::Value,
    /// Orderable files (raw data and quicklooks), counted as the basket counts them.
    pub files_count: i64,
    /// Their size in bytes.
    pub files_size: i64,
}

/// One page of the matches, and their number.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogMatches {
    pub total: u64,
    pub items: Vec<CatalogItem>,
}

/// A parsed search: `q` (everything when blank), optionally within one dataset.
#[derive(Debug, Clone)]
pub struct CatalogSearch {
    query: Query,
    dataset_urn: Option<String>,
}

impl CatalogSearch {
    /// Parses `q`; a malformed query names the character position.
    pub fn new(q: Option<&str>, dataset_urn: Option<&str>) -> Result<Self, QueryError> {
        let query = match q.map(str::trim).filter(|q| !q.is_empty()) {
            Some(q) => Query::parse(q)?,
            None => Query::all(),
        };
        Ok(Self {
            query,
            dataset_urn: dataset_urn
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_owned),
        })
    }

    /// The matches from `offset`, `limit` of them, ordered by URN. The whole scope is read to
    /// count the matches (the scan streams: memory stays bounded by the page).
    pub async fn run(
        &self,
        store: &dyn CatalogStore,
        tenant: &Tenant,
        offset: u64,
        limit: u64,
    ) -> StoreResult<CatalogMatches> {
        let scope = ObjectScope {
            dataset_urn: self.dataset_urn.clone(),
            prefilter: self.query.prefilter(),
            ..ObjectScope::default()
        };
        let mut rows = store.scan_objects(tenant, &scope);
        let mut total = 0u64;
        let mut items = Vec::new();
        while let Some(row) = rows.try_next().await? {
            let matches = self.query.matches(&Searchable {
                id: &row.urn,
                provider_id: &row.provider_id,
                dataset: &row.dataset_urn,
                properties: &row.properties,
            });
            if !matches {
                continue;
            }
            if total >= offset && (items.len() as u64) < limit {
                items.push(CatalogItem {
                    id: row.urn,
                    provider_id: row.provider_id,
                    dataset_urn: row.dataset_urn,
                    properties: row.properties,
                    files_count: row.summary.files_count(),
                    files_size: row.summary.files_size(),
                });
            }
            total += 1;
        }
        Ok(CatalogMatches { total, items })
    }
}
