//! The traits the engine needs from the outside world, implemented by the service for each
//! database backend (and, later, each storage kind).

pub mod basket_store;
pub mod catalog_store;
pub mod event_log;
pub mod notification_store;
pub mod object_prefilter;
pub mod order_builder;
pub mod order_filters;
pub mod order_journal;
pub mod order_queries;
pub mod order_requests;
pub mod paging;
pub mod storage;
pub mod store_error;
pub mod webhook_store;

pub use basket_store::BasketStore;
pub use catalog_store::{CatalogCounts, CatalogStore, ObjectRow, ObjectScope};
pub use event_log::{EventLog, EventScope};
pub use notification_store::{CreationNotice, NotificationStore, WaitingOrder};
pub use object_prefilter::{MAX_PREFILTER_TERMS, ObjectPrefilter};
pub use order_builder::{CreationError, CreationPlan, OrderBuilder};
pub use order_filters::{FileFilter, FileSort, OrderFilter, OrderSort, PageRequest, StatusFilter};
pub use order_journal::{
    ChangeWriter, CreationWrite, ListedOrder, OrderChange, OrderJournal, OrderRef, StoredOrder,
};
pub use order_queries::{
    FileOfOrder, FilePage, FileSummary, IdKind, LABEL_CONSTRAINT, OrderPage, OrderQueries,
    SUMMARY_PAGE_ROWS, SubOrderCounts, SubOrderPage,
};
pub use order_requests::{OrderRequestLog, OrderRequestRecord};
pub use paging::{PAGE_ROWS, keyset_pages, whole_pages};
pub use storage::{Admission, ByteRange, FileContent, Storage, StorageError, StorageResolver};
pub use store_error::{StoreError, StoreResult};
pub use webhook_store::{WebhookBacklog, WebhookStore};

use async_trait::async_trait;

/// Whether the database answers, for the engine's health prober and `/ready`.
#[async_trait]
pub trait DatabaseProbe: Send + Sync {
    /// Checks that the database answers a read.
    async fn ping(&self) -> StoreResult<()>;

    /// Checks that the database takes a write (one row of its own, overwritten each time).
    async fn probe_write(&self) -> StoreResult<()>;
}

/// The database behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// Short name (`sqlite`, `postgres`), for logs and `/ready`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the service keeps in its database, behind one handle.
pub trait Store:
    CatalogStore
    + BasketStore
    + OrderJournal
    + OrderQueries
    + EventLog
    + NotificationStore
    + WebhookStore
    + OrderRequestLog
    + DatabaseProbe
    + Send
    + Sync
    + 'static
{
    /// Which database this store runs on.
    fn backend(&self) -> Backend;
}
