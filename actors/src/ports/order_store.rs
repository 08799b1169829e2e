//! The orders' storage port: normalised tables (orders, dataset tasks, sub-orders, files) so
//! that listings, search and CSV read the database, and batched writes for group commit.

use crate::domain::Tenant;
use crate::domain::order::{
    DatasetTask, FileSlot, FileState, OrderFile, OrderHeader, OrderStatus, SubOrder,
};
use crate::ports::StoreResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::stream::BoxStream;

/// Name of the constraint that makes labels unique per owner (→ LABEL_NOT_UNIQUE_FOR_OWNER).
pub const LABEL_CONSTRAINT: &str = "uk_order_label_owner";

/// What ids are reserved for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Order,
    DatasetTask,
    SubOrder,
    File,
}

impl IdKind {
    /// The sequence name.
    pub fn as_str(self) -> &'static str {
        match self {
            IdKind::Order => "order",
            IdKind::DatasetTask => "dataset_task",
            IdKind::SubOrder => "suborder",
            IdKind::File => "file",
        }
    }
}

/// An order as stored, enough for its actor to rebuild its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOrder {
    pub header: OrderHeader,
    pub tasks: Vec<DatasetTask>,
    pub suborders: Vec<SubOrder>,
    pub files: Vec<FileSlot>,
}

/// One change to write; the persistence actor writes many in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderChange {
    /// Every mutable column of the order row (status, dates, counters, message).
    Header { tenant: Tenant, header: OrderHeader },
    /// New states of files, with the error text of ERROR / DOWNLOAD_ERROR (None clears it).
    FileStates {
        tenant: Tenant,
        order_id: i64,
        files: Vec<(i64, FileState, Option<String>)>,
    },
    /// CRC-32s of files' contents (read at retrieval or at a first zip).
    Crcs {
        tenant: Tenant,
        crcs: Vec<(i64, u32)>,
    },
    /// The order's files and sub-orders are gone (delete, expiration).
    DropFiles { tenant: Tenant, order_id: i64 },
    /// The order, its tasks, sub-orders, files and archived basket are gone (hard removal).
    Remove { tenant: Tenant, order_id: i64 },
}

/// What `store_creation` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreationWrite {
    /// The content and header are stored.
    Written,
    /// The order was deleted or removed meanwhile: nothing was written.
    Discarded,
}

/// Restriction on statuses of a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusFilter {
    Include(Vec<OrderStatus>),
    Exclude(Vec<OrderStatus>),
}

/// Filters of the admin search, the CSV export and "my orders"; every given one applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrderFilter {
    /// Substring of the owner (SQL LIKE '%text%', `%` and `_` matched literally).
    pub owner_contains: Option<String>,
    /// Exact owner.
    pub owner: Option<String>,
    pub statuses: Option<StatusFilter>,
    /// Inclusive bounds of the creation date.
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub waiting_for_user: Option<bool>,
}

/// Sortable columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderSort {
    Id,
    CreationDate,
    ExpirationDate,
    Owner,
    Label,
    Status,
    StatusDate,
    PercentCompleted,
}

impl OrderSort {
    /// Parses a property name of the API (`creationDate`, …).
    pub fn parse(property: &str) -> Option<Self> {
        Some(match property {
            "id" => OrderSort::Id,
            "creationDate" => OrderSort::CreationDate,
            "expirationDate" => OrderSort::ExpirationDate,
            "owner" => OrderSort::Owner,
            "label" => OrderSort::Label,
            "status" => OrderSort::Status,
            "statusDate" => OrderSort::StatusDate,
            "percentCompleted" => OrderSort::PercentCompleted,
            _ => return None,
        })
    }
}

/// A page to read: 0-based `page`, `size` items, then the sort keys (descending = true).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub size: u32,
    pub sort: Vec<(OrderSort, bool)>,
}

/// An order as listed: its row and its dataset tasks (sorted by label).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedOrder {
    pub header: OrderHeader,
    pub tasks: Vec<DatasetTask>,
}

/// One page of orders and the number of orders matching the filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderPage {
    pub orders: Vec<ListedOrder>,
    pub total: u64,
}

/// Which files of an order a listing shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileFilter {
    pub dataset_task_id: Option<i64>,
    pub suborder_id: Option<i64>,
    pub state: Option<FileState>,
}

/// Sortable columns of file listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileSort {
    Id,
    Filename,
    FilesTaskId,
    State,
    Size,
}

impl FileSort {
    /// Parses a property name of the API (`id`, `filename`, `filesTaskId`, …).
    pub fn parse(property: &str) -> Option<Self> {
        Some(match property {
            "id" => FileSort::Id,
            "filename" => FileSort::Filename,
            "filesTaskId" => FileSort::FilesTaskId,
            "state" => FileSort::State,
            "filesize" | "size" => FileSort::Size,
            _ => return None,
        })
    }
}

/// A page of files and how many match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePage {
    pub files: Vec<OrderFile>,
    pub total: u64,
}

/// A file with what the download rules need of its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileOfOrder {
    pub order_id: i64,
    pub owner: String,
    pub file: OrderFile,
    /// CRC-32 of the content, once read.
    pub crc32: Option<u32>,
}

/// An order with its tenant, for start-up recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRef {
    pub tenant: Tenant,
    pub id: i64,
}

/// Rows per page of the paged streams (`order_files`, `orders_for_csv`): large enough that a
/// 100 000-file metalink is 50 queries, small enough that a page is a few hundred KiB.
pub const PAGE_ROWS: u32 = 2_000;

/// The rows of successive keyset pages as one stream: `page(after)` reads the rows after the
/// key `after` (the first page when None), `key` gives a row's key; a short page is the last.
pub fn keyset_pages<'a, T, F, Fut>(page: F, key: fn(&T) -> i64) -> BoxStream<'a, StoreResult<T>>
where
    T: Send + 'a,
    F: Fn(Option<i64>) -> Fut + Send + 'a,
    Fut: std::future::Future<Output = StoreResult<Vec<T>>> + Send + 'a,
{
    use futures::{StreamExt, TryStreamExt};
    // State: the key to read after, or None once the last page was read.
    let pages = futures::stream::try_unfold(Some(None), move |after: Option<Option<i64>>| {
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

/// Writes batches of order changes: all a persistence actor needs.
#[async_trait]
pub trait ChangeWriter: Send + Sync {
    /// Writes every change in one transaction, in order. Writing the same changes twice
    /// leaves the database as writing them once.
    async fn apply_changes(&self, changes: &[&OrderChange]) -> StoreResult<()>;
}

/// Orders, their tasks, sub-orders and files, and tenant settings.
#[async_trait]
pub trait OrderStore: ChangeWriter + Send + Sync {
    /// Reserves `count` consecutive ids of `kind` and answers the first (ids never repeat,
    /// even across restarts; a crash may leave gaps).
    async fn reserve_ids(&self, kind: IdKind, count: i64) -> StoreResult<i64>;

    /// Inserts a new order and archives `basket_owner`'s live basket for it (the user has no
    /// basket any more), atomically. A label already used by the owner fails with
    /// `Constraint { LABEL_CONSTRAINT }`.
    async fn create_order(
        &self,
        tenant: &Tenant,
        header: &OrderHeader,
        basket_owner: &str,
    ) -> StoreResult<()>;

    /// Same, with a copy of the basket archived for order `from` (a restart; the old order
    /// keeps its own). False, and nothing created, when `from` has no archived basket.
    async fn create_order_from_archive(
        &self,
        tenant: &Tenant,
        header: &OrderHeader,
        from: i64,
    ) -> StoreResult<bool>;

    /// Writes what creation computed and the new header in one transaction (whatever an
    /// interrupted creation left is replaced). Files are inserted in batches. An action
    /// committed while creation ran wins: a DELETED (or removed) order gets nothing, a PAUSED
    /// one keeps its status.
    async fn store_creation(
        &self,
        tenant: &Tenant,
        header: &OrderHeader,
        tasks: &[DatasetTask],
        suborders: &[SubOrder],
        files: &[OrderFile],
    ) -> StoreResult<CreationWrite>;

    /// The whole order, or None.
    async fn load_order(&self, tenant: &Tenant, id: i64) -> StoreResult<Option<StoredOrder>>;

    /// The order row and its dataset tasks, or None.
    async fn order_header(&self, tenant: &Tenant, id: i64) -> StoreResult<Option<ListedOrder>>;

    /// The id and location of each file of a sub-order, by id: what a retrieval run keeps.
    async fn suborder_locations(
        &self,
        tenant: &Tenant,
        order_id: i64,
        suborder_id: i64,
    ) -> StoreResult<Vec<(i64, String)>>;

    /// Orders an engine restart must re-activate: PENDING, RUNNING, PAUSED, and DONE /
    /// DONE_WITH_WARNING with files still available (they expire later).
    async fn orders_to_recover(&self) -> StoreResult<Vec<OrderRef>>;

    /// A page of the tenant's orders matching `filter`.
    async fn search_orders(
        &self,
        tenant: &Tenant,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> StoreResult<OrderPage>;

    /// Up to `limit` orders matching `filter` with an id above `after` (all when None), by
    /// id, with Σ files_size and Σ files_count of their dataset tasks: a page of the CSV
    /// export.
    async fn orders_for_csv_page(
        &self,
        tenant: &Tenant,
        filter: &OrderFilter,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<(OrderHeader, i64, i64)>>;

    /// Every order matching `filter`, by id, as `orders_for_csv_page` reads them: in pages,
    /// so that a connection is held only while a page is read, never while the consumer of
    /// the stream (a client on a slow link) makes it wait.
    fn orders_for_csv<'a>(
        &'a self,
        tenant: &'a Tenant,
        filter: &'a OrderFilter,
    ) -> BoxStream<'a, StoreResult<(OrderHeader, i64, i64)>> {
        keyset_pages(
            move |after| self.orders_for_csv_page(tenant, filter, after, PAGE_ROWS),
            |row| row.0.id,
        )
    }

    /// A file of the tenant with its order's id and owner, or None.
    async fn file_of_order(
        &self,
        tenant: &Tenant,
        file_id: i64,
    ) -> StoreResult<Option<FileOfOrder>>;

    /// A page of an order's files matching `filter`, sorted by `sort` (then id).
    async fn files_page(
        &self,
        tenant: &Tenant,
        order_id: i64,
        filter: &FileFilter,
        page: u32,
        size: u32,
        sort: &[(FileSort, bool)],
    ) -> StoreResult<FilePage>;

    /// Up to `limit` files of an order matching `filter` with an id above `after` (from the
    /// first when None), by id, with their CRC-32 when known.
    async fn order_files_page(
        &self,
        tenant: &Tenant,
        order_id: i64,
        filter: &FileFilter,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<(OrderFile, Option<u32>)>>;

    /// Every file of an order matching `filter`, by id, read in pages (zip, metalink): memory
    /// does not grow with the order, and a connection is held only while a page is read.
    fn order_files<'a>(
        &'a self,
        tenant: &'a Tenant,
        order_id: i64,
        filter: &'a FileFilter,
    ) -> BoxStream<'a, StoreResult<(OrderFile, Option<u32>)>> {
        keyset_pages(
            move |after| self.order_files_page(tenant, order_id, filter, after, PAGE_ROWS),
            |row| row.0.id,
        )
    }

    /// A tenant setting's stored value, if any.
    async fn setting(&self, tenant: &Tenant, name: &str) -> StoreResult<Option<serde_json::Value>>;

    /// Stores a tenant setting.
    async fn put_setting(
        &self,
        tenant: &Tenant,
        name: &str,
        value: &serde_json::Value,
    ) -> StoreResult<()>;

    /// Forgets a tenant setting (back to its default).
    async fn delete_setting(&self, tenant: &Tenant, name: &str) -> StoreResult<()>;
}
