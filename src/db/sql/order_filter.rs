//! The SQL of order searches (admin search, "my orders", CSV export): filter conditions with
//! their bind values, and the whitelisted sort. Plain strings, valid on both backends.

use chrono::{DateTime, Utc};
use regards_order_actors::ports::{OrderFilter, OrderSort, StatusFilter};

/// A value bound to a placeholder of `filter_sql` (or of `file_filter::file_filter_sql`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bind {
    Text(String),
    Date(DateTime<Utc>),
    Bool(bool),
    Int(i64),
}

/// The conditions of `filter` on the `orders` columns, each starting with ` AND `, numbering
/// placeholders from `$first`; the values to bind follow in order.
pub fn filter_sql(filter: &OrderFilter, first: usize) -> (String, Vec<Bind>) {
    let mut sql = String::new();
    let mut binds = Vec::new();
    let mut add = |condition: &str, value: Bind| {
        let n = first + binds.len();
        sql.push_str(&format!(
            " AND {}",
            condition.replace("$?", &format!("${n}"))
        ));
        binds.push(value);
    };
    if let Some(text) = &filter.owner_contains {
        add(
            "LOWER(owner) LIKE LOWER($?) ESCAPE '\\'",
            Bind::Text(contains_pattern(text)),
        );
    }
    if let Some(owner) = &filter.owner {
        add("owner = $?", Bind::Text(owner.clone()));
    }
    if let Some(after) = filter.created_after {
        add("creation_date >= $?", Bind::Date(after));
    }
    if let Some(before) = filter.created_before {
        add("creation_date <= $?", Bind::Date(before));
    }
    if let Some(waiting) = filter.waiting_for_user {
        add("waiting_for_user = $?", Bind::Bool(waiting));
    }
    let statuses = match &filter.statuses {
        Some(StatusFilter::Include(s)) if s.is_empty() => {
            sql.push_str(" AND 1 = 0");
            None
        }
        Some(StatusFilter::Include(s)) => Some(("IN", s)),
        Some(StatusFilter::Exclude(s)) if !s.is_empty() => Some(("NOT IN", s)),
        _ => None,
    };
    if let Some((operator, statuses)) = statuses {
        let placeholders: Vec<String> = (0..statuses.len())
            .map(|i| format!("${}", first + binds.len() + i))
            .collect();
        sql.push_str(&format!(
            " AND status {operator} ({})",
            placeholders.join(", ")
        ));
        binds.extend(statuses.iter().map(|s| Bind::Text(s.as_str().to_owned())));
    }
    (sql, binds)
}

/// `%text%` with the LIKE wildcards and the escape character of `text` escaped (`ESCAPE '\'`).
pub fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// The column of a sort key (the whitelist: nothing else reaches the SQL).
fn sort_column(sort: OrderSort) -> &'static str {
    match sort {
        OrderSort::Id => "id",
        OrderSort::CreationDate => "creation_date",
        OrderSort::ExpirationDate => "expiration_date",
        OrderSort::Owner => "owner",
        OrderSort::Label => "label",
        OrderSort::Status => "status",
        OrderSort::StatusDate => "status_date",
        OrderSort::PercentCompleted => "percent_completed",
    }
}

/// The `ORDER BY` list of `sort` (descending = true): `creation_date DESC` when empty, then
/// `id` in the direction of the last key so that pages never overlap. NULLs sort as on
/// Postgres (last ascending, first descending) on both backends.
pub fn order_by(sort: &[(OrderSort, bool)]) -> String {
    let default = [(OrderSort::CreationDate, true)];
    let keys = if sort.is_empty() { &default[..] } else { sort };
    let direction = |descending: bool| {
        if descending {
            "DESC NULLS FIRST"
        } else {
            "ASC NULLS LAST"
        }
    };
    let mut parts: Vec<String> = keys
        .iter()
        .map(|(key, descending)| format!("{} {}", sort_column(*key), direction(*descending)))
        .collect();
    if !keys.iter().any(|(key, _)| *key == OrderSort::Id) {
        let last_descending = keys.last().is_some_and(|(_, descending)| *descending);
        parts.push(format!("id {}", direction(last_descending)));
    }
    parts.join(", ")
}

/// Binds `$binds` (an iterator of owned `Bind`) to `$query` in order.
macro_rules! bind_filter {
    ($query:expr, $binds:expr) => {{
        use crate::db::sql::order_filter::Bind;
        let mut query = $query;
        for bind in $binds {
            query = match bind {
                Bind::Text(value) => query.bind(value),
                Bind::Date(value) => query.bind(value),
                Bind::Bool(value) => query.bind(value),
                Bind::Int(value) => query.bind(value),
            };
        }
        query
    }};
}

pub(crate) use bind_filter;

#[cfg(test)]
mod tests {
    use super::*;
    use regards_order_actors::domain::order::OrderStatus;

    #[test]
    fn escapes_like_wildcards() {
        assert_eq!(contains_pattern(r"a%b_c\d"), r"%a\%b\_c\\d%");
    }

    #[test]
    fn numbers_placeholders_in_bind_order() {
        let filter = OrderFilter {
            owner_contains: Some("x".into()),
            owner: Some("o".into()),
            statuses: Some(StatusFilter::Exclude(vec![
                OrderStatus::Done,
                OrderStatus::Failed,
            ])),
            waiting_for_user: Some(true),
            ..OrderFilter::default()
        };
        let (sql, binds) = filter_sql(&filter, 2);
        assert_eq!(
            sql,
            " AND LOWER(owner) LIKE LOWER($2) ESCAPE '\\' AND owner = $3 \
             AND waiting_for_user = $4 AND status NOT IN ($5, $6)"
        );
        assert_eq!(binds.len(), 5);
        assert_eq!(binds[3], Bind::Text("DONE".into()));
    }

    #[test]
    fn an_empty_inclusion_matches_nothing() {
        let filter = OrderFilter {
            statuses: Some(StatusFilter::Include(Vec::new())),
            ..OrderFilter::default()
        };
        assert_eq!(
            filter_sql(&filter, 2),
            (" AND 1 = 0".to_owned(), Vec::new())
        );
    }

    #[test]
    fn sorts_with_an_id_tie_breaker() {
        assert_eq!(
            order_by(&[]),
            "creation_date DESC NULLS FIRST, id DESC NULLS FIRST"
        );
        assert_eq!(
            order_by(&[(OrderSort::Owner, false), (OrderSort::Id, true)]),
            "owner ASC NULLS LAST, id DESC NULLS FIRST"
        );
        assert_eq!(
            order_by(&[(OrderSort::Label, false)]),
            "label ASC NULLS LAST, id ASC NULLS LAST"
        );
    }
}
