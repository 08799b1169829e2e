//! Reading a long result in keyset pages, so that a database connection is held only while a
//! page is read, never while the consumer of the stream (a client on a slow link) makes it wait.

use crate::ports::StoreResult;
use futures::stream::BoxStream;

/// Rows per page of the paged streams (`order_files`, `orders_for_csv`): large enough that a
/// 100 000-file metalink is 50 queries, small enough that a page is a few hundred KiB.
pub const PAGE_ROWS: u32 = 2_000;

/// The rows of successive keyset pages as one stream: `page(after)` reads the rows after the
/// key `after` (the first page when None), `key` gives a row's key; a short page is the last.
pub fn keyset_pages<'a, T, K, F, Fut>(page: F, key: fn(&T) -> K) -> BoxStream<'a, StoreResult<T>>
where
    T: Send + 'a,
    K: Send + 'a,
    F: Fn(Option<K>) -> Fut + Send + 'a,
    Fut: std::future::Future<Output = StoreResult<Vec<T>>> + Send + 'a,
{
    use futures::{StreamExt, TryStreamExt};
    // State: the key to read after, or None once the last page was read.
    let pages = futures::stream::try_unfold(Some(None), move |after: Option<Option<K>>| {
        let next = after.map(&page);
        async move {
            let Some(next) = next else {
                return Ok(None);
            };
            let rows = next.await?;
            let last_page = rows.len() < PAGE_ROWS as usize;
            let state = match rows.last() {
                Some(last) if !last_page => Some(Some(key(last))),
                _ => None,
            };
            if rows.is_empty() {
                return Ok(None);
            }
            Ok(Some((rows, state)))
        }
    });
    pages
        .map_ok(|rows| futures::stream::iter(rows.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}
