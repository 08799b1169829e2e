//! Who may read an order's files: its owner and the super-admins (PROJECT_ADMIN,
//! INSTANCE_ADMIN); a public order token for its own order only.

use crate::auth::Caller;
use crate::http::ApiError;
use crate::state::AppState;
use regards_order_actors::domain::Tenant;
use regards_order_actors::ports::ListedOrder;

/// The order (404 when unknown) if the caller may read it (else 403, empty as the original),
/// read after its actor wrote what it knows: files listed, zipped or linked are those the
/// order's counters show.
pub async fn readable_order(
    state: &AppState,
    caller: &Caller,
    order_id: i64,
) -> Result<ListedOrder, ApiError> {
    // Synchronised first, so the order is read once (a sync for a caller refused below
    // only writes what would be written within the flush delay anyway).
    sync_order(state, &caller.tenant, order_id).await;
    let order = state
        .store
        .order_header(&caller.tenant, order_id)
        .await?
        .ok_or(ApiError::NotFound(None))?;
    check_owner(caller, &order.header.owner)?;
    Ok(order)
}

/// Has the order's actor, if active, write its pending changes; true once the database
/// holds what the engine knows of the order.
pub async fn sync_order(state: &AppState, tenant: &Tenant, order_id: i64) -> bool {
    match state.engine.sync_to_store(tenant, order_id).await {
        Ok(()) => true,
        Err(e) => {
            tracing::warn!(order_id, "order not synchronised before a read: {e:?}");
            false
        }
    }
}

/// 403 unless the caller owns the order or is a super-admin.
pub fn check_owner(caller: &Caller, owner: &str) -> Result<(), ApiError> {
    if caller.email == owner || caller.role.is_super_admin() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(String::new()))
    }
}
