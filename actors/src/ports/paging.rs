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
    whole_pages(PAGE_ROWS, page, key)
        .map_ok(|rows| futures::stream::iter(rows.into_iter().map(Ok)))
        .try_flatten()
        .boxed()
}

/// The successive keyset pages themselves, each as read: `page(after)` reads at most `rows`
/// rows after the key `after` (the first page when None). A consumer that handles rows a page
/// at a time (hands them to another task, writes them out) then pays per page, not per row.
/// No page is empty; a short page is the last.
pub fn whole_pages<'a, T, K, F, Fut>(
    rows: u32,
    page: F,
    key: fn(&T) -> K,
) -> BoxStream<'a, StoreResult<Vec<T>>>
where
    T: Send + 'a,
    K: Send + 'a,
    F: Fn(Option<K>) -> Fut + Send + 'a,
    Fut: std::future::Future<Output = StoreResult<Vec<T>>> + Send + 'a,
{
    use futures::StreamExt;
    // State: the key to read after, or None once the last page was read.
    futures::stream::try_unfold(Some(None), move |after: Option<Option<K>>| {
        let next = after.map(&page);
        async move {
            let Some(next) = next else {
                return Ok(None);
            };
            let page = next.await?;
            let last_page = page.len() < rows as usize;
            let state = match page.last() {
                Some(last) if !last_page => Some(Some(key(last))),
                _ => None,
            };
            if page.is_empty() {
                return Ok(None);
            }
            Ok(Some((page, state)))
        }
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;
    use std::sync::{Arc, Mutex};

    /// Pages of at most `rows` of the keys 1..=`count`, and the `after` of each query made.
    async fn read(count: i64, rows: u32) -> (Vec<Vec<i64>>, Vec<Option<i64>>) {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        let pages: Vec<Vec<i64>> = whole_pages(
            rows,
            move |after: Option<i64>| {
                log.lock().unwrap().push(after);
                let first = after.unwrap_or(0) + 1;
                let last = (first + i64::from(rows) - 1).min(count);
                async move { Ok((first..=last).collect::<Vec<i64>>()) }
            },
            |key| *key,
        )
        .try_collect()
        .await
        .unwrap();
        let asked = asked.lock().unwrap().clone();
        (pages, asked)
    }

    #[actix_rt::test]
    async fn whole_pages_end_with_the_short_one() {
        let (pages, asked) = read(5, 2).await;
        assert_eq!(pages, [vec![1, 2], vec![3, 4], vec![5]]);
        assert_eq!(asked, [None, Some(2), Some(4)]);
        // A full last page costs one more query, which finds nothing: no empty page.
        let (pages, asked) = read(4, 2).await;
        assert_eq!(pages, [vec![1, 2], vec![3, 4]]);
        assert_eq!(asked, [None, Some(2), Some(4)]);
        let (pages, _) = read(0, 2).await;
        assert!(pages.is_empty());
    }
}
