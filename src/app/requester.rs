//! Who asks the application for something.

use super::Role;
use regards_order_actors::domain::Tenant;

/// The user a service acts for: his tenant, e-mail (owner of orders and baskets) and role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requester {
    pub tenant: Tenant,
    pub email: String,
    pub role: Role,
    /// Id of the request that asks, for the logs of work done elsewhere (an order's actor):
    /// a trace context does not cross a mailbox. Empty when unknown.
    pub request_id: String,
}

impl Requester {
    /// True when the requester may read and manage `owner`'s orders: the owner himself or a
    /// super-admin (PROJECT_ADMIN, INSTANCE_ADMIN).
    pub fn may_read_orders_of(&self, owner: &str) -> bool {
        self.email == owner || self.role.is_super_admin()
    }
}
