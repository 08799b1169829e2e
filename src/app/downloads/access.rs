//! Who may read an order's files: its owner and the super-admins (PROJECT_ADMIN,
//! INSTANCE_ADMIN); a public order token for its own order only. Orders and files are read
//! after their actor wrote what it knows, so that what is listed, zipped or linked is what the
//! order's counters show.

use super::{DownloadService, records};
use crate::app::{AppError, AppResult, Requester};
use crate::auth::OrderClaims;
use regards_order_actors::domain::Tenant;
use regards_order_actors::domain::order::FileState;
use regards_order_actors::ports::{FileOfOrder, ListedOrder};

/// The 404 of an unknown file.
fn missing(id: i64) -> AppError {
    AppError::NotFound(Some(format!("Data file with id: {id} doesn't exist.")))
}

/// The empty 403 of the original.
fn forbidden() -> AppError {
    AppError::Forbidden(None)
}

impl DownloadService {
    /// The order (404 when unknown) if the requester may read it (else 403), read after its
    /// actor wrote what it knows.
    pub(super) async fn readable_order(
        &self,
        requester: &Requester,
        order_id: i64,
    ) -> AppResult<ListedOrder> {
        // Synchronised first, so the order is read once (a sync for a requester refused below
        // only writes what would be written within the flush delay anyway).
        records::sync_order(&self.engine, &requester.tenant, order_id).await;
        let order = self
            .store
            .order_header(&requester.tenant, order_id)
            .await?
            .ok_or(AppError::NotFound(None))?;
        if !requester.may_read_orders_of(&order.header.owner) {
            return Err(forbidden());
        }
        Ok(order)
    }

    /// The order a public token names (404 when it is of another tenant or unknown), if the
    /// token was issued for its owner (else 403).
    pub(super) async fn order_of_token(
        &self,
        requester: &Requester,
        claims: &OrderClaims,
    ) -> AppResult<ListedOrder> {
        let order_id = claims.order_id().ok_or(AppError::NotFound(None))?;
        if claims.tenant != requester.tenant.as_str() {
            return Err(AppError::NotFound(None));
        }
        let order = self
            .store
            .order_header(&requester.tenant, order_id)
            .await?
            .ok_or(AppError::NotFound(None))?;
        if order.header.owner != claims.sub {
            return Err(forbidden());
        }
        Ok(order)
    }

    /// The file of an order the requester may read (404 when unknown, 403 when not his).
    pub(super) async fn readable_file(
        &self,
        requester: &Requester,
        id: i64,
    ) -> AppResult<FileOfOrder> {
        let found = self.find(&requester.tenant, id).await?;
        if !requester.may_read_orders_of(&found.owner) {
            return Err(forbidden());
        }
        Ok(found)
    }

    /// The file a public order token opens: of this tenant, naming the file's order, issued
    /// for its owner. A missing file and a file the token does not open get the same empty
    /// 403, so that a token tells nothing of the ids of other orders' files. A super-admin may
    /// read any file of the tenant (404 when missing).
    pub(super) async fn file_of_token(
        &self,
        requester: &Requester,
        claims: &OrderClaims,
        id: i64,
    ) -> AppResult<FileOfOrder> {
        let tenant = &requester.tenant;
        if requester.role.is_super_admin() {
            return self.find(tenant, id).await;
        }
        let opened = if claims.tenant == tenant.as_str() {
            self.lookup(tenant, id).await?.filter(|found| {
                claims.order_id() == Some(found.order_id) && claims.sub == found.owner
            })
        } else {
            None
        };
        match opened {
            Some(found) => self.fresh(tenant, found).await,
            None => Err(forbidden()),
        }
    }

    /// The file (404 when unknown), as its order's actor knows it.
    async fn find(&self, tenant: &Tenant, id: i64) -> AppResult<FileOfOrder> {
        let found = self.lookup(tenant, id).await?.ok_or_else(|| missing(id))?;
        self.fresh(tenant, found).await
    }

    /// The file, if it exists in `tenant`.
    async fn lookup(&self, tenant: &Tenant, id: i64) -> AppResult<Option<FileOfOrder>> {
        Ok(self.store.file_of_order(tenant, id).await?)
    }

    /// The file as its order's actor knows it: a PENDING read from the database may be stale
    /// by the flush delay, so the actor writes first and the file is read again.
    async fn fresh(&self, tenant: &Tenant, found: FileOfOrder) -> AppResult<FileOfOrder> {
        let id = found.file.id;
        if found.file.state == FileState::Pending
            && records::sync_order(&self.engine, tenant, found.order_id).await
        {
            return self.lookup(tenant, id).await?.ok_or_else(|| missing(id));
        }
        Ok(found)
    }
}
