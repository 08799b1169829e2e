//! Downloads: one file (authenticated or with a public order token), the order's zip, its
//! metalink, and the listings of its files. Each handler reads the request, calls one method
//! of the download service and answers what it gives (`answers`).

mod answers;
pub(crate) mod archives;
pub(crate) mod files;
pub(crate) mod listings;
pub(crate) mod suborders;

use crate::auth::OrderClaims;
use crate::http::ApiError;
use crate::state::AppState;
use actix_web::web;
use serde::Deserialize;

/// Registers the resource.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(archives::public_metalink)
        .service(archives::download_zip)
        .service(archives::metalink)
        .service(files::download_file)
        .service(files::public_file)
        .service(files::public_file_head)
        .service(listings::dataset_files)
        .service(listings::available_files)
        .service(listings::available_files_of_suborder)
        .service(suborders::suborders);
}

/// Query of the public endpoints.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenQuery {
    pub order_token: Option<String>,
}

impl TokenQuery {
    /// The claims of the public order token (400 when there is none; a token that is not
    /// valid is refused with what `refused` makes of the reason).
    fn claims(
        &self,
        state: &AppState,
        refused: impl FnOnce(String) -> ApiError,
    ) -> Result<OrderClaims, ApiError> {
        let token = self.order_token.as_deref().ok_or_else(|| {
            ApiError::BadRequest("Required parameter 'orderToken' is not present".into())
        })?;
        state.order_tokens.verify(token).map_err(refused)
    }
}
