//! Baskets: selections of catalogue data, per user, turned into orders later.

mod dto;
mod locks;
mod service;
mod upload;

pub use dto::BasketDto;
pub use service::BasketService;
pub use upload::{MAX_UPLOAD_LINES, PROVIDER_IDS_PER_QUERY, provider_id_lines};
