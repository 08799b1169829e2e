//! The basket's storage port.

use crate::domain::{Basket, Tenant};
use crate::ports::StoreResult;
use async_trait::async_trait;

/// Baskets, one per owner and tenant, loaded and saved whole (they are small). A user's live
/// basket and the baskets archived for orders live apart: no owner names an archived one.
#[async_trait]
pub trait BasketStore: Send + Sync {
    /// The owner's live basket, its selections sorted by label and items by date.
    async fn load_basket(&self, tenant: &Tenant, owner: &str) -> StoreResult<Option<Basket>>;

    /// The basket archived for order `order_id` when it was created, if any.
    async fn archived_basket(&self, tenant: &Tenant, order_id: i64) -> StoreResult<Option<Basket>>;

    /// Stores the owner's live basket as given (creating it when its id is 0) and returns it
    /// with the ids of new rows filled in. Dataset selections keep their ids across saves.
    async fn save_basket(&self, tenant: &Tenant, basket: &Basket) -> StoreResult<Basket>;

    /// Deletes the owner's live basket, if any.
    async fn delete_basket(&self, tenant: &Tenant, owner: &str) -> StoreResult<()>;
}
