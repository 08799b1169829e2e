//! How many rows one statement carries, and which headers of a persistence batch are
//! written: multi-row statements make a batch a few round trips, and every chunk stays under
//! SQLite's 32 766 bind limit.

use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::{FileState, OrderHeader};
use std::collections::{BTreeMap, HashMap};

/// Header rows per multi-row UPDATE (11 binds each).
pub const HEADER_CHUNK: usize = 500;
/// Task rows per multi-row INSERT (11 binds each).
pub const TASK_CHUNK: usize = 500;
/// Sub-order rows per multi-row INSERT (5 binds each).
pub const SUBORDER_CHUNK: usize = 1_000;
/// Order file rows per multi-row INSERT (18 binds each).
pub const FILE_CHUNK: usize = 1_000;
/// Ids per `IN (...)` list.
pub const ID_CHUNK: usize = 1_000;
/// File-state rows per multi-row UPDATE on SQLite (5 binds each); Postgres takes them all
/// in one statement (arrays).
pub const FILE_STATE_CHUNK: usize = 6_000;
/// Catalogue objects per multi-row INSERT (7 binds each).
pub const OBJECT_CHUNK: usize = 400;
/// Catalogue file rows per multi-row INSERT (10 binds each).
pub const CATALOG_FILE_CHUNK: usize = 1_000;
/// URNs or provider ids per `IN (...)` list of a catalogue scan.
pub const SCAN_ID_CHUNK: usize = 500;

/// The headers of `changes` in batch order, each order once with its last header (two rows
/// for one order in one `UPDATE … FROM` would leave the winner undefined).
pub fn last_headers<'a>(
    headers: impl Iterator<Item = (&'a Tenant, &'a OrderHeader)>,
) -> Vec<(&'a Tenant, &'a OrderHeader)> {
    let mut position: HashMap<(&str, i64), usize> = HashMap::new();
    let mut kept: Vec<(&Tenant, &OrderHeader)> = Vec::new();
    for (tenant, header) in headers {
        match position.get(&(tenant.as_str(), header.id)) {
            Some(&at) => kept[at] = (tenant, header),
            None => {
                position.insert((tenant.as_str(), header.id), kept.len());
                kept.push((tenant, header));
            }
        }
    }
    kept
}

/// One file's new state, as a persistence batch writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStateRow<'a> {
    pub tenant: &'a str,
    pub order_id: i64,
    pub id: i64,
    pub state: &'static str,
    pub error: Option<&'a str>,
}

/// Collects the file states of a run of changes, each file once with its last state, by
/// id: one statement can then write them all (two rows for one file in one `UPDATE … FROM`
/// would leave the winner undefined), and rows are locked in one order.
#[derive(Default)]
pub struct FileStateRows<'a> {
    rows: BTreeMap<(i64, &'a str), FileStateRow<'a>>,
}

impl<'a> FileStateRows<'a> {
    /// Adds the states of files of one order, later ones replacing earlier ones.
    pub fn add(
        &mut self,
        tenant: &'a Tenant,
        order_id: i64,
        files: &'a [(i64, FileState, Option<String>)],
    ) {
        for (id, state, error) in files {
            let row = FileStateRow {
                tenant: tenant.as_str(),
                order_id,
                id: *id,
                state: state.as_str(),
                error: error.as_deref(),
            };
            self.rows.insert((*id, tenant.as_str()), row);
        }
    }

    /// Takes the rows collected so far (by id), leaving none.
    pub fn take(&mut self) -> Vec<FileStateRow<'a>> {
        std::mem::take(&mut self.rows).into_values().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use regards_order_actors::domain::order::{OrderKind, OrderStatus};

    fn header(id: i64, status: OrderStatus) -> OrderHeader {
        OrderHeader {
            id,
            owner: "u@x.fr".into(),
            label: format!("order {id}"),
            kind: OrderKind::User,
            creation_date: Utc::now(),
            expiration_date: None,
            status,
            status_date: Utc::now(),
            percent_completed: 0,
            files_in_error: 0,
            available_count: 0,
            waiting_for_user: false,
            correlation_id: String::new(),
            frontend_url: None,
            message: None,
        }
    }

    #[test]
    fn keeps_each_files_last_state_by_id() {
        let (a, b) = (Tenant::parse("a").unwrap(), Tenant::parse("b").unwrap());
        let first = vec![
            (3, FileState::Available, None),
            (1, FileState::Error, Some("gone".to_owned())),
        ];
        let later = vec![(3, FileState::Downloaded, None)];
        let other_tenant = vec![(3, FileState::Pending, None)];
        let mut rows = FileStateRows::default();
        rows.add(&a, 10, &first);
        rows.add(&b, 20, &other_tenant);
        rows.add(&a, 10, &later);
        let seen: Vec<(&str, i64, i64, &str, Option<&str>)> = rows
            .take()
            .iter()
            .map(|r| (r.tenant, r.order_id, r.id, r.state, r.error))
            .collect();
        assert_eq!(
            seen,
            [
                ("a", 10, 1, "ERROR", Some("gone")),
                ("a", 10, 3, "DOWNLOADED", None),
                ("b", 20, 3, "PENDING", None),
            ]
        );
        assert!(rows.take().is_empty());
    }

    #[test]
    fn keeps_each_orders_last_header_in_first_seen_order() {
        let (a, b) = (Tenant::parse("a").unwrap(), Tenant::parse("b").unwrap());
        let first = header(1, OrderStatus::Paused);
        let other = header(2, OrderStatus::Running);
        let same_id_other_tenant = header(1, OrderStatus::Running);
        let last = header(1, OrderStatus::Running);
        let kept = last_headers(
            [
                (&a, &first),
                (&a, &other),
                (&b, &same_id_other_tenant),
                (&a, &last),
            ]
            .into_iter(),
        );
        let seen: Vec<(&str, i64, OrderStatus)> = kept
            .iter()
            .map(|(t, h)| (t.as_str(), h.id, h.status))
            .collect();
        assert_eq!(
            seen,
            [
                ("a", 1, OrderStatus::Running),
                ("a", 2, OrderStatus::Running),
                ("b", 1, OrderStatus::Running),
            ]
        );
    }
}
