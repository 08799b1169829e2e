//! The lifecycle of an order: pause, resume, retry, delete, remove. The order's actor applies
//! the rules (who may, in which state) and commits the change before it answers.

use super::OrderService;
use crate::app::{AppResult, Requester};
use regards_order_actors::domain::order::OrderKind;
use regards_order_actors::engine::{self, Action, OrderSnapshot};

impl OrderService {
    /// Pauses the order: no more retrievals are launched.
    pub async fn pause(&self, requester: &Requester, id: i64) -> AppResult<()> {
        self.act(requester, id, Action::Pause).await.map(drop)
    }

    /// Resumes a paused order once its retrievals have ended.
    pub async fn resume(&self, requester: &Requester, id: i64) -> AppResult<()> {
        self.act(requester, id, Action::Resume).await.map(drop)
    }

    /// Retries the files in error, with the tenant's durations in effect now.
    pub async fn retry(&self, requester: &Requester, id: i64) -> AppResult<()> {
        let effective = self.settings.effective(&requester.tenant).await?;
        let order = self.engine.view(&requester.tenant, id).await?;
        let suborder_duration = match order.header.kind {
            OrderKind::App => effective.app_suborder,
            OrderKind::User => effective.user_suborder,
        };
        let action = Action::Retry {
            suborder_duration,
            max_lifetime: effective.expiration_max,
        };
        self.act(requester, id, action).await.map(drop)
    }

    /// Deletes the order (soft): its files go, the order stays as DELETED.
    pub async fn delete(&self, requester: &Requester, id: i64) -> AppResult<()> {
        self.act(requester, id, Action::Delete).await.map(drop)
    }

    /// Removes a deleted order for good.
    pub async fn remove(&self, requester: &Requester, id: i64) -> AppResult<()> {
        self.act(requester, id, Action::Remove).await.map(drop)
    }

    /// Runs `action` on the order: not found when unknown, refused by the lifecycle rules,
    /// unavailable when it could not be committed.
    pub(super) async fn act(
        &self,
        requester: &Requester,
        id: i64,
        action: Action,
    ) -> AppResult<OrderSnapshot> {
        let asking = engine_requester(requester);
        Ok(self
            .engine
            .act(&requester.tenant, id, action, asking)
            .await?)
    }
}

/// The requester as the order's actor knows him: ADMIN and above manage any order of the
/// tenant.
fn engine_requester(requester: &Requester) -> engine::Requester {
    engine::Requester {
        email: requester.email.clone(),
        is_admin: requester.role.is_admin(),
        request_id: requester.request_id.clone(),
    }
}
