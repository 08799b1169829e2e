//! The traits the engine needs from the outside world, implemented by the service for each
//! database backend (and, later, each storage kind).

pub mod basket_store;
pub mod catalog_store;
pub mod order_builder;
pub mod order_store;
pub mod storage;
pub mod store_error;

pub use basket_store::BasketStore;
pub use catalog_store::{CatalogCounts, CatalogStore, ObjectRow, ObjectScope};
pub use order_builder::{CreationError, CreationPlan, OrderBuilder};
pub use order_store::{
    FileFilter, FileOfOrder, FilePage, FileSort, IdKind, LABEL_CONSTRAINT, ListedOrder,
    OrderChange, OrderFilter, OrderPage, OrderRef, OrderSort, OrderStore, PAGE_ROWS, PageRequest,
    StatusFilter, StoredOrder, keyset_pages,
};
pub use storage::{Admission, ByteRange, FileContent, Storage, StorageError, StorageResolver};
pub use store_error::{StoreError, StoreResult};

use async_trait::async_trait;

/// Everything the service keeps in its database, behind one handle.
#[async_trait]
pub trait Store: CatalogStore + BasketStore + OrderStore + Send + Sync + 'static {
    /// Short name of the backend (`sqlite`, `postgres`), for logs and `/ready`.
    fn backend(&self) -> &'static str;

    /// Checks that the database answers.
    async fn ping(&self) -> StoreResult<()>;
}
