//! `OrderJournal` on this backend.

use super::SqlStore;
use async_trait::async_trait;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::events::OrderEvent;
use regards_order_actors::domain::order::{DatasetTask, OrderFile, OrderHeader, SubOrder};
use regards_order_actors::ports::{
    CreationWrite, ListedOrder, OrderJournal, OrderRef, StoreResult, StoredOrder,
};

#[async_trait]
impl OrderJournal for SqlStore {
    async fn store_creation(
        &self,
        tenant: &Tenant,
        header: &OrderHeader,
        tasks: &[DatasetTask],
        suborders: &[SubOrder],
        files: &[OrderFile],
        events: &[OrderEvent],
    ) -> StoreResult<CreationWrite> {
        self.write_creation(tenant, header, tasks, suborders, files, events)
            .await
    }

    async fn load_order(&self, tenant: &Tenant, id: i64) -> StoreResult<Option<StoredOrder>> {
        self.read_order(tenant, id).await
    }

    async fn load_orders(&self, orders: &[OrderRef]) -> StoreResult<Vec<(Tenant, StoredOrder)>> {
        self.read_orders(orders).await
    }

    async fn order_header(&self, tenant: &Tenant, id: i64) -> StoreResult<Option<ListedOrder>> {
        self.read_order_header(tenant, id).await
    }

    async fn suborder_locations(
        &self,
        tenant: &Tenant,
        order_id: i64,
        suborder_id: i64,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<(i64, String)>> {
        self.read_suborder_locations(tenant, order_id, suborder_id, after, limit)
            .await
    }

    async fn orders_to_recover(&self) -> StoreResult<Vec<OrderRef>> {
        self.read_orders_to_recover().await
    }
}
