//! Postgres's way of writing many order-file rows: COPY for a creation's files, arrays
//! (`UNNEST`) for a batch's file states — one statement whatever the count.

use super::PgStore;
use crate::db::errors::store_error;
use crate::db::sql::batches::FileStateRow;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::OrderFile;
use regards_order_actors::ports::StoreResult;
use sqlx::PgConnection;

/// Bytes of COPY data sent at once: the rows are written into a buffer that is handed over
/// when it reaches this, so memory does not grow with the order.
const COPY_BUFFER: usize = 1 << 20;

impl PgStore {
    /// Inserts an order's files with one `COPY … FROM STDIN` (text format).
    pub(crate) async fn insert_files(
        conn: &mut PgConnection,
        tenant: &Tenant,
        order_id: i64,
        files: &[OrderFile],
    ) -> StoreResult<()> {
        if files.is_empty() {
            return Ok(());
        }
        let mut copy = conn
            .copy_in_raw(
                "COPY order_files (id, tenant, order_id, suborder_id, dataset_task_id, state, \
                 filename, url, mime_type, size, checksum, checksum_algo, data_type, \
                 reference, object_urn, provider_id, version, download_error) \
                 FROM STDIN (FORMAT text)",
            )
            .await
            .map_err(store_error)?;
        let mut buffer = String::with_capacity(COPY_BUFFER + 4096);
        for file in files {
            copy_row(&mut buffer, tenant, order_id, file);
            if buffer.len() >= COPY_BUFFER {
                let full = std::mem::replace(&mut buffer, String::with_capacity(COPY_BUFFER));
                copy.send(full.into_bytes()).await.map_err(store_error)?;
            }
        }
        if !buffer.is_empty() {
            copy.send(buffer.into_bytes()).await.map_err(store_error)?;
        }
        copy.finish().await.map_err(store_error)?;
        Ok(())
    }

    /// Sets the state and error text of files (each once) in one `UPDATE … FROM UNNEST`.
    pub(crate) async fn write_file_states(
        conn: &mut PgConnection,
        rows: &[FileStateRow<'_>],
    ) -> StoreResult<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let tenants: Vec<&str> = rows.iter().map(|r| r.tenant).collect();
        let orders: Vec<i64> = rows.iter().map(|r| r.order_id).collect();
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let states: Vec<&str> = rows.iter().map(|r| r.state).collect();
        let errors: Vec<Option<&str>> = rows.iter().map(|r| r.error).collect();
        sqlx::query(
            "UPDATE order_files AS f SET state = v.state, download_error = v.error \
             FROM UNNEST($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[]) \
             AS v(tenant, order_id, id, state, error) \
             WHERE f.id = v.id AND f.tenant = v.tenant AND f.order_id = v.order_id",
        )
        .bind(tenants)
        .bind(orders)
        .bind(ids)
        .bind(states)
        .bind(errors)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
        Ok(())
    }
}

/// Appends one row of `order_files` in COPY's text format.
fn copy_row(out: &mut String, tenant: &Tenant, order_id: i64, f: &OrderFile) {
    use std::fmt::Write;
    let _ = write!(
        out,
        "{}\t{}\t{order_id}\t{}\t{}\t{}\t",
        f.id,
        Escaped(tenant.as_str()),
        f.suborder_id,
        f.dataset_task_id,
        f.state.as_str()
    );
    let checksum = f.checksum.as_ref();
    let texts = [
        Some(f.filename.as_str()),
        Some(f.url.as_str()),
        f.mime_type.as_deref(),
    ];
    for text in texts {
        push_text(out, text);
        out.push('\t');
    }
    match f.size {
        Some(size) => {
            let _ = write!(out, "{size}\t");
        }
        None => out.push_str("\\N\t"),
    }
    let texts = [
        checksum.map(|c| c.value.as_str()),
        checksum.map(|c| c.algorithm.as_str()),
        Some(f.data_type.as_str()),
    ];
    for text in texts {
        push_text(out, text);
        out.push('\t');
    }
    out.push_str(if f.reference { "t\t" } else { "f\t" });
    push_text(out, Some(&f.object_urn));
    out.push('\t');
    push_text(out, Some(&f.provider_id));
    let _ = write!(out, "\t{}\t", f.version);
    push_text(out, f.download_error.as_deref());
    out.push('\n');
}

/// A text value in COPY's text format: `\N` for NULL, backslash, tab, newline and carriage
/// return escaped.
fn push_text(out: &mut String, text: Option<&str>) {
    match text {
        Some(text) => {
            use std::fmt::Write;
            let _ = write!(out, "{}", Escaped(text));
        }
        None => out.push_str("\\N"),
    }
}

/// Text escaped for COPY's text format.
struct Escaped<'a>(&'a str);

impl std::fmt::Display for Escaped<'_> {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(['\\', '\t', '\n', '\r']) {
            out.write_str(&rest[..at])?;
            let escape = match rest.as_bytes()[at] {
                b'\\' => "\\\\",
                b'\t' => "\\t",
                b'\n' => "\\n",
                _ => "\\r",
            };
            out.write_str(escape)?;
            rest = &rest[at + 1..];
        }
        out.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regards_order_actors::domain::order::FileState;
    use regards_order_actors::domain::{Checksum, DataType};

    fn file() -> OrderFile {
        OrderFile {
            id: 7,
            suborder_id: 3,
            dataset_task_id: 2,
            state: FileState::Pending,
            filename: "a\tb\\c.tif".into(),
            url: "file:///data/a%09b.tif".into(),
            mime_type: None,
            size: Some(12),
            checksum: Some(Checksum {
                algorithm: "MD5".into(),
                value: "abc".into(),
            }),
            data_type: DataType::Rawdata,
            reference: false,
            object_urn: "URN:1\nx\r".into(),
            provider_id: "p".into(),
            version: 1,
            download_error: None,
        }
    }

    #[test]
    fn rows_are_written_in_copy_text_format_with_escapes_and_nulls() {
        let mut out = String::new();
        copy_row(&mut out, &Tenant::parse("t").unwrap(), 9, &file());
        assert_eq!(
            out,
            "7\tt\t9\t3\t2\tPENDING\ta\\tb\\\\c.tif\tfile:///data/a%09b.tif\t\\N\t12\tabc\tMD5\t\
             RAWDATA\tf\tURN:1\\nx\\r\tp\t1\t\\N\n"
        );
    }
}
