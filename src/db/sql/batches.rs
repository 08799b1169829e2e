//! How many rows one statement carries, and which headers of a persistence batch are
//! written: multi-row statements make a batch a few round trips, and every chunk stays under
//! SQLite's 32 766 bind limit.

use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::OrderHeader;
use std::collections::HashMap;

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
