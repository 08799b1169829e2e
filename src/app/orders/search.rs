//! Operators' views of the tenant's orders: a search by owner, status, creation date and
//! waiting state, and the same selection exported as CSV.

use super::{OrderListing, OrderService};
use crate::app::{AppResult, Requester};
use crate::orders::csv;
use bytes::Bytes;
use futures::Stream;
use regards_order_actors::ports::{OrderFilter, OrderSort, PageRequest};

impl OrderService {
    /// A page of the tenant's orders matching `filter` (DELETED ones included), sorted as
    /// asked, newest first when not.
    pub async fn search(
        &self,
        requester: &Requester,
        filter: &OrderFilter,
        mut request: PageRequest,
    ) -> AppResult<OrderListing> {
        if request.sort.is_empty() {
            request.sort.push((OrderSort::CreationDate, true));
        }
        self.page(requester, filter, &request).await
    }

    /// The tenant's orders matching `filter` as `;`-separated CSV, by id, produced while it
    /// is sent: a database failure midway ends the stream with an error.
    pub fn export_csv(
        &self,
        requester: &Requester,
        filter: OrderFilter,
    ) -> impl Stream<Item = Result<Bytes, std::io::Error>> + use<> {
        csv::stream(self.store.clone(), requester.tenant.clone(), filter)
    }
}
