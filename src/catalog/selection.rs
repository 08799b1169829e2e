//! Evaluates basket selection requests against the catalogue.

use crate::catalog::query::{Query, QueryError, Searchable};
use futures::TryStreamExt;
use regards_order_actors::domain::{BasketSelectionRequest, FileTypeSummary, Tenant};
use regards_order_actors::ports::{
    CatalogStore, ObjectPrefilter, ObjectRow, ObjectScope, StoreResult,
};
use std::collections::{BTreeMap, HashSet};

/// A selection request ready to be matched against objects.
#[derive(Debug, Clone)]
pub struct CompiledSelection {
    dataset_urn: Option<String>,
    include: Option<HashSet<String>>,
    exclude: HashSet<String>,
    query: Query,
}

impl CompiledSelection {
    /// Parses the request's `q` values (combined with AND).
    pub fn compile(request: &BasketSelectionRequest) -> Result<Self, QueryError> {
        let mut query = Query::all();
        for q in request.queries() {
            query = query.and(Query::parse(q)?);
        }
        let include = request
            .entity_ids_to_include
            .as_ref()
            .filter(|ids| !ids.is_empty())
            .map(|ids| ids.iter().cloned().collect());
        let exclude = request
            .entity_ids_to_exclude
            .iter()
            .flatten()
            .cloned()
            .collect();
        Ok(Self {
            dataset_urn: request.dataset_urn.clone().filter(|d| !d.is_empty()),
            include,
            exclude,
            query,
        })
    }

    /// True when the object belongs to this selection.
    pub fn matches(&self, row: &ObjectRow) -> bool {
        if self
            .dataset_urn
            .as_ref()
            .is_some_and(|d| *d != row.dataset_urn)
        {
            return false;
        }
        if self
            .include
            .as_ref()
            .is_some_and(|ids| !ids.contains(&row.urn))
        {
            return false;
        }
        if self.exclude.contains(&row.urn) {
            return false;
        }
        self.query.matches(&Searchable {
            id: &row.urn,
            provider_id: &row.provider_id,
            dataset: &row.dataset_urn,
            properties: &row.properties,
        })
    }

    /// A condition every object this selection matches meets (from its query).
    pub fn prefilter(&self) -> ObjectPrefilter {
        self.query.prefilter()
    }

    /// The narrowest catalogue scan that holds every matching object.
    pub fn scope(&self) -> ObjectScope {
        ObjectScope {
            dataset_urn: self.dataset_urn.clone(),
            urns: self.include.as_ref().map(|ids| sorted_ids([ids])),
            provider_ids: None,
            prefilter: self.prefilter(),
        }
    }
}

/// The narrowest scan of `dataset_urn` holding every object one of `selections` can match:
/// the ids they list when each lists some (an order of ten picked items reads ten rows, not
/// the whole dataset), otherwise the whole dataset, narrowed by what their queries require
/// (the objects of `owner:user1` only, not every object, are read and parsed).
pub fn union_scope(dataset_urn: &str, selections: &[CompiledSelection]) -> ObjectScope {
    let listed: Option<Vec<&HashSet<String>>> =
        selections.iter().map(|s| s.include.as_ref()).collect();
    ObjectScope {
        dataset_urn: Some(dataset_urn.to_owned()),
        urns: listed.map(sorted_ids),
        provider_ids: None,
        prefilter: ObjectPrefilter::any_of(selections.iter().map(CompiledSelection::prefilter)),
    }
}

/// The ids of `sets`, sorted and once each: scans read them chunk by chunk in this order.
fn sorted_ids<'a>(sets: impl IntoIterator<Item = &'a HashSet<String>>) -> Vec<String> {
    let mut ids: Vec<String> = sets.into_iter().flatten().cloned().collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Counts, per dataset, the objects of `scope` matched by at least one of `selections`
/// (the union: an object selected twice counts once). Datasets with no match are absent.
pub async fn summarize(
    store: &dyn CatalogStore,
    tenant: &Tenant,
    scope: &ObjectScope,
    selections: &[CompiledSelection],
) -> StoreResult<BTreeMap<String, FileTypeSummary>> {
    let mut per_dataset: BTreeMap<String, FileTypeSummary> = BTreeMap::new();
    let mut rows = store.scan_objects(tenant, scope);
    while let Some(row) = rows.try_next().await? {
        if selections.iter().any(|s| s.matches(&row)) {
            per_dataset
                .entry(row.dataset_urn.clone())
                .or_default()
                .merge(&row.summary);
        }
    }
    Ok(per_dataset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compiled(json: serde_json::Value) -> CompiledSelection {
        let request: BasketSelectionRequest = serde_json::from_value(json).unwrap();
        CompiledSelection::compile(&request).unwrap()
    }

    #[test]
    fn requests_listing_ids_scan_only_those_ids() {
        let picked = [
            compiled(serde_json::json!({"entityIdsToInclude": ["URN:B", "URN:A"]})),
            compiled(
                serde_json::json!({"entityIdsToInclude": ["URN:C", "URN:A"], "searchParameters": {"q": ["x:1"]}}),
            ),
        ];
        let scope = union_scope("URN:DS", &picked);
        assert_eq!(scope.dataset_urn.as_deref(), Some("URN:DS"));
        assert_eq!(scope.urns.unwrap(), ["URN:A", "URN:B", "URN:C"]);
    }

    #[test]
    fn one_request_without_ids_scans_the_whole_dataset() {
        let mixed = [
            compiled(serde_json::json!({"entityIdsToInclude": ["URN:A"]})),
            compiled(serde_json::json!({"searchParameters": {"q": ["x:1"]}})),
        ];
        let scope = union_scope("URN:DS", &mixed);
        assert_eq!(scope.urns, None);
        assert_eq!(scope.dataset_urn.as_deref(), Some("URN:DS"));
        // An empty include list selects everything, like no list at all.
        let empty = [compiled(serde_json::json!({"entityIdsToInclude": []}))];
        assert_eq!(union_scope("URN:DS", &empty).urns, None);
    }

    #[test]
    fn the_scan_is_narrowed_by_what_every_query_requires() {
        let owners = [
            compiled(serde_json::json!({"searchParameters": {"q": ["owner:u1"]}})),
            compiled(serde_json::json!({"searchParameters": {"q": ["owner:u2", "x:y"]}})),
        ];
        let text = |t: &str| ObjectPrefilter::PropertyString(t.to_owned());
        let both = ObjectPrefilter::AnyOf(vec![
            text("u1"),
            ObjectPrefilter::AllOf(vec![text("u2"), text("y")]),
        ]);
        assert_eq!(union_scope("URN:DS", &owners).prefilter, both);
        // One selection that can match anything lets every object through.
        let open = [
            compiled(serde_json::json!({"searchParameters": {"q": ["owner:u1"]}})),
            compiled(serde_json::json!({"searchParameters": {"q": ["cloud:[0 TO 5]"]}})),
        ];
        assert_eq!(union_scope("URN:DS", &open).prefilter, ObjectPrefilter::Any);
    }
}
