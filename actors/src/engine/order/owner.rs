//! What an order actor tells whoever owns it (the registry) when it stops on its own. The
//! actor holds only recipients of these messages, so it does not depend on its owner.

use super::OrderActor;
use crate::domain::Tenant;
use actix::prelude::*;

/// An order actor stops because it has nothing left to do; `addr` guards against forgetting
/// a newer actor of the same order.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Passivated {
    pub tenant: Tenant,
    pub id: i64,
    pub addr: Addr<OrderActor>,
}

/// An order actor stops because its memory went ahead of the database (an action that did
/// not commit): it is re-created from the database once the database is up. Not a death.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Reload {
    pub tenant: Tenant,
    pub id: i64,
    pub addr: Addr<OrderActor>,
}

/// Where an order actor's stops are reported.
#[derive(Clone)]
pub(crate) struct OrderOwner {
    pub passivated: Recipient<Passivated>,
    pub reload: Recipient<Reload>,
}
