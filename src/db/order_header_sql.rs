//! Writes of the mutable columns of order rows, shared by both backends: one order alone
//! (creation), or every header of a persistence batch in one multi-row `UPDATE … FROM
//! (VALUES …)` — a batch of 64 acknowledged pauses is one statement, not 64 round trips.
//! `VALUES` columns are named `column1`, `column2`… on both SQLite and Postgres.

use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::OrderHeader;
use std::collections::HashMap;

/// Header rows per multi-row UPDATE (11 binds each).
pub const HEADER_CHUNK: usize = 500;

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

/// Defines `write_order_headers` on `$store` for database `$db`.
macro_rules! impl_order_header_writes {
    ($store:ident, $db:ty) => {
        impl $store {
            /// Writes the mutable columns of each order row, one statement per chunk.
            async fn write_order_headers(
                conn: &mut <$db as sqlx::Database>::Connection,
                headers: &[(
                    &regards_order_actors::domain::Tenant,
                    &regards_order_actors::domain::order::OrderHeader,
                )],
            ) -> regards_order_actors::ports::StoreResult<()> {
                use crate::db::order_header_sql::HEADER_CHUNK;
                for chunk in headers.chunks(HEADER_CHUNK) {
                    let mut update = sqlx::QueryBuilder::<$db>::new(
                        "UPDATE orders SET label = v.column3, expiration_date = v.column4, \
                         status = v.column5, status_date = v.column6, \
                         percent_completed = v.column7, files_in_error = v.column8, \
                         available_count = v.column9, waiting_for_user = v.column10, \
                         message = v.column11 FROM (",
                    );
                    update.push_values(chunk, |mut row, (tenant, header)| {
                        row.push_bind(tenant.as_str())
                            .push_bind(header.id)
                            .push_bind(header.label.as_str())
                            .push_bind(header.expiration_date)
                            .push_bind(header.status.as_str())
                            .push_bind(header.status_date)
                            .push_bind(header.percent_completed)
                            .push_bind(header.files_in_error)
                            .push_bind(header.available_count)
                            .push_bind(header.waiting_for_user)
                            .push_bind(header.message.as_deref());
                    });
                    update.push(") AS v WHERE orders.tenant = v.column1 AND orders.id = v.column2");
                    update
                        .build()
                        .execute(&mut *conn)
                        .await
                        .map_err(crate::db::order_rows::order_write_error)?;
                }
                Ok(())
            }
        }
    };
}

pub(crate) use impl_order_header_writes;

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
