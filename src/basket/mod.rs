//! Baskets: selections of catalogue data, per user, turned into orders later. Here their JSON
//! shapes, the per-owner locks of their changes and the reading of an uploaded list of
//! provider ids; the service that reads and changes them is `app::baskets`.

mod dto;
pub(crate) mod locks;
mod upload;

pub use dto::BasketDto;
pub use upload::{
    MAX_UPLOAD_BYTES, MAX_UPLOAD_LINES, MAX_UPLOAD_REQUEST_BYTES, PROVIDER_IDS_PER_QUERY,
    TooManyLines, provider_id_lines, provider_ids_query,
};
