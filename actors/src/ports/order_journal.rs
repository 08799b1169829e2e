//! The order engine's journal: what its persistence actors write (batches of changes, the
//! content creation computed) and what activation and start-up recovery read back.

use crate::domain::Tenant;
use crate::domain::events::OrderEvent;
use crate::domain::order::{DatasetTask, FileSlot, FileState, OrderFile, OrderHeader, SubOrder};
use crate::ports::StoreResult;
use async_trait::async_trait;

/// An order as stored, enough for its actor to rebuild its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOrder {
    pub header: OrderHeader,
    pub tasks: Vec<DatasetTask>,
    pub suborders: Vec<SubOrder>,
    pub files: Vec<FileSlot>,
}

/// An order's row and its dataset tasks (sorted by label): what a listing or a read shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedOrder {
    pub header: OrderHeader,
    pub tasks: Vec<DatasetTask>,
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
    /// Events the changes before it cause, written to the outbox in the same transaction
    /// (a key already stored is skipped: a retried batch tells nothing twice).
    Events(Vec<OrderEvent>),
}

/// What `store_creation` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreationWrite {
    /// The content and header are stored.
    Written,
    /// The order was deleted or removed meanwhile: nothing was written.
    Discarded,
}

/// An order with its tenant, for start-up recovery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRef {
    pub tenant: Tenant,
    pub id: i64,
}

/// Writes batches of order changes: all a persistence actor needs.
#[async_trait]
pub trait ChangeWriter: Send + Sync {
    /// Writes every change in one transaction, in order. Writing the same changes twice
    /// leaves the database as writing them once.
    async fn apply_changes(&self, changes: &[&OrderChange]) -> StoreResult<()>;
}

/// Everything the engine reads from and writes to the orders' tables.
#[async_trait]
pub trait OrderJournal: ChangeWriter + Send + Sync {
    /// Writes what creation computed and the new header in one transaction (whatever an
    /// interrupted creation left is replaced). Files are inserted in batches. An action
    /// committed while creation ran wins: a DELETED (or removed) order gets nothing, a PAUSED
    /// one keeps its status (and its ORDER_STATUS events are not written).
    async fn store_creation(
        &self,
        tenant: &Tenant,
        header: &OrderHeader,
        tasks: &[DatasetTask],
        suborders: &[SubOrder],
        files: &[OrderFile],
        events: &[OrderEvent],
    ) -> StoreResult<CreationWrite>;

    /// The whole order, or None.
    async fn load_order(&self, tenant: &Tenant, id: i64) -> StoreResult<Option<StoredOrder>>;

    /// The whole orders of `orders` that exist, with their tenants, in any order: what a
    /// restart recovers, many orders per query. By default one `load_order` each.
    async fn load_orders(&self, orders: &[OrderRef]) -> StoreResult<Vec<(Tenant, StoredOrder)>> {
        let mut loaded = Vec::with_capacity(orders.len());
        for order in orders {
            if let Some(stored) = self.load_order(&order.tenant, order.id).await? {
                loaded.push((order.tenant.clone(), stored));
            }
        }
        Ok(loaded)
    }

    /// The order row and its dataset tasks, or None.
    async fn order_header(&self, tenant: &Tenant, id: i64) -> StoreResult<Option<ListedOrder>>;

    /// The id and location of the first `limit` files of a sub-order whose id is above
    /// `after`, by id: the page a retrieval run reads next.
    async fn suborder_locations(
        &self,
        tenant: &Tenant,
        order_id: i64,
        suborder_id: i64,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<(i64, String)>>;

    /// Orders an engine restart must re-activate: PENDING, RUNNING, PAUSED, and DONE /
    /// DONE_WITH_WARNING with files still available (they expire later).
    async fn orders_to_recover(&self) -> StoreResult<Vec<OrderRef>>;
}
