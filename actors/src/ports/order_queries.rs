//! What the services ask of the orders' tables: creating an order's row with its archived
//! basket, id allocation, search and listings, file pages, CSV pages, and tenant settings.
//! The engine does not use it: it reads and writes orders through its journal.

use crate::domain::order::{FileState, OrderFile, OrderHeader, SubOrder};
use crate::domain::{Checksum, Tenant};
use crate::ports::StoreResult;
use crate::ports::order_filters::{FileFilter, FileSort, OrderFilter, PageRequest};
use crate::ports::order_journal::ListedOrder;
use crate::ports::paging::{PAGE_ROWS, keyset_pages, whole_pages};
use async_trait::async_trait;
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

/// One page of orders and the number of orders matching the filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderPage {
    pub orders: Vec<ListedOrder>,
    pub total: u64,
}

/// A page of files and how many match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePage {
    pub files: Vec<OrderFile>,
    pub total: u64,
}

/// A sub-order with how many of its files are in each state and how many bytes they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubOrderCounts {
    pub suborder: SubOrder,
    /// (state, files, bytes of those with a known size), for the states its files are in.
    pub states: Vec<(FileState, u64, i64)>,
}

impl SubOrderCounts {
    /// Files of the sub-order in `state`.
    pub fn count(&self, state: FileState) -> u64 {
        self.states
            .iter()
            .filter(|(s, _, _)| *s == state)
            .map(|(_, n, _)| n)
            .sum()
    }

    /// Files of the sub-order.
    pub fn files(&self) -> u64 {
        self.states.iter().map(|(_, n, _)| n).sum()
    }

    /// Bytes of its files whose size is known.
    pub fn bytes(&self) -> i64 {
        self.states.iter().map(|(_, _, b)| b).sum()
    }

    /// The share of its bytes no longer waiting to be retrieved (of its files when no size is
    /// known), 99 at most while a file is pending: the order's `percentCompleted` rule.
    pub fn percent_completed(&self) -> u8 {
        let pending = self.count(FileState::Pending);
        let pending_bytes: i64 = self
            .states
            .iter()
            .filter(|(state, _, _)| *state == FileState::Pending)
            .map(|(_, _, b)| b)
            .sum();
        let share = |done: i128, all: i128| if all > 0 { 100 * done / all } else { 100 };
        let percent = if self.bytes() > 0 {
            share(
                i128::from(self.bytes() - pending_bytes),
                i128::from(self.bytes()),
            )
        } else {
            share(i128::from(self.files() - pending), i128::from(self.files()))
        };
        let percent = if pending > 0 {
            percent.min(99)
        } else {
            percent
        };
        u8::try_from(percent.clamp(0, 100)).unwrap_or(100)
    }
}

/// A page of an order's sub-orders and how many it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubOrderPage {
    pub suborders: Vec<SubOrderCounts>,
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

/// What a file's download needs known in advance (a metalink's entry): its id (its URL),
/// name, size, type and checksum, and none of the rest of the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSummary {
    pub id: i64,
    pub filename: String,
    pub size: Option<i64>,
    pub mime_type: Option<String>,
    pub checksum: Option<Checksum>,
}

/// Rows per page of `file_summaries`: a 100 000-file metalink is 20 queries, and a page is
/// under a MiB in memory (a reader holds at most two: the one written out and the next).
/// Each query and each page handed between tasks has a fixed cost, which smaller pages pay
/// more often; larger ones cost memory (see BENCHMARKS.md, metalink on SQLite).
pub const SUMMARY_PAGE_ROWS: u32 = 5_000;

/// Orders as the services see them: creation of the row, listings, downloads' file lists, and
/// tenant settings.
#[async_trait]
pub trait OrderQueries: Send + Sync {
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

    /// Every order matching `filter`, by id, as `orders_for_csv_page` reads them, in pages.
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

    /// A page of an order's sub-orders, by id, with their files counted per state.
    async fn suborders_page(
        &self,
        tenant: &Tenant,
        order_id: i64,
        page: u32,
        size: u32,
    ) -> StoreResult<SubOrderPage>;

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
    /// does not grow with the order.
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

    /// Up to `limit` files of an order with an id above `after` (from the first when None),
    /// by id, summarised.
    async fn file_summaries_page(
        &self,
        tenant: &Tenant,
        order_id: i64,
        after: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<FileSummary>>;

    /// Every file of an order, summarised, by id, a page of `SUMMARY_PAGE_ROWS` at a time
    /// (metalink): memory does not grow with the order.
    fn file_summaries<'a>(
        &'a self,
        tenant: &'a Tenant,
        order_id: i64,
    ) -> BoxStream<'a, StoreResult<Vec<FileSummary>>> {
        whole_pages(
            SUMMARY_PAGE_ROWS,
            move |after| self.file_summaries_page(tenant, order_id, after, SUMMARY_PAGE_ROWS),
            |file| file.id,
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
