//! Baskets: selections of catalogue data, per user, turned into orders later.

mod dto;
mod locks;
mod service;
mod upload;

pub use dto::BasketDto;
pub use service::BasketService;
pub use upload::{
    MAX_UPLOAD_BYTES, MAX_UPLOAD_LINES, MAX_UPLOAD_REQUEST_BYTES, PROVIDER_IDS_PER_QUERY,
    provider_id_lines,
};
