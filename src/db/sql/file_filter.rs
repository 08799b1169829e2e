//! The SQL of file listings: the conditions of a file filter with their bind values, and the
//! whitelisted sort. Plain strings, valid on both backends.

use crate::db::sql::order_filter::Bind;
use regards_order_actors::ports::{FileFilter, FileSort};

/// The conditions of `filter` on the `order_files` columns, each starting with ` AND `,
/// numbering placeholders from `$first`; the values to bind follow in order.
pub fn file_filter_sql(filter: &FileFilter, first: usize) -> (String, Vec<Bind>) {
    let conditions = [
        ("dataset_task_id", filter.dataset_task_id.map(Bind::Int)),
        ("suborder_id", filter.suborder_id.map(Bind::Int)),
        (
            "state",
            filter.state.map(|s| Bind::Text(s.as_str().to_owned())),
        ),
    ];
    let mut sql = String::new();
    let mut binds = Vec::new();
    for (column, value) in conditions {
        if let Some(value) = value {
            sql.push_str(&format!(" AND {column} = ${}", first + binds.len()));
            binds.push(value);
        }
    }
    (sql, binds)
}

/// The column of a sort key (the whitelist: nothing else reaches the SQL).
fn sort_column(sort: FileSort) -> &'static str {
    match sort {
        FileSort::Id => "id",
        FileSort::Filename => "filename",
        FileSort::FilesTaskId => "suborder_id",
        FileSort::State => "state",
        FileSort::Size => "size",
    }
}

/// The `ORDER BY` list of `sort` (descending = true), then `id` in the direction of the last
/// key (ascending when `sort` is empty) so that pages never overlap. NULL sizes sort as on
/// Postgres (last ascending, first descending) on both backends.
pub fn file_order_by(sort: &[(FileSort, bool)]) -> String {
    let direction = |descending: bool| {
        if descending {
            "DESC NULLS FIRST"
        } else {
            "ASC NULLS LAST"
        }
    };
    let mut parts: Vec<String> = sort
        .iter()
        .map(|(key, descending)| format!("{} {}", sort_column(*key), direction(*descending)))
        .collect();
    if !sort.iter().any(|(key, _)| *key == FileSort::Id) {
        let last_descending = sort.last().is_some_and(|(_, descending)| *descending);
        parts.push(format!("id {}", direction(last_descending)));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use regards_order_actors::domain::order::FileState;

    #[test]
    fn numbers_file_filter_placeholders_in_bind_order() {
        let filter = FileFilter {
            dataset_task_id: None,
            suborder_id: Some(7),
            state: Some(FileState::DownloadError),
        };
        let (sql, binds) = file_filter_sql(&filter, 3);
        assert_eq!(sql, " AND suborder_id = $3 AND state = $4");
        assert_eq!(binds, [Bind::Int(7), Bind::Text("DOWNLOAD_ERROR".into())]);
        assert_eq!(
            file_filter_sql(&FileFilter::default(), 3),
            (String::new(), Vec::new())
        );
    }

    #[test]
    fn sorts_files_with_an_id_tie_breaker() {
        assert_eq!(file_order_by(&[]), "id ASC NULLS LAST");
        assert_eq!(
            file_order_by(&[(FileSort::Size, true)]),
            "size DESC NULLS FIRST, id DESC NULLS FIRST"
        );
        assert_eq!(
            file_order_by(&[(FileSort::FilesTaskId, false), (FileSort::Id, true)]),
            "suborder_id ASC NULLS LAST, id DESC NULLS FIRST"
        );
    }
}
