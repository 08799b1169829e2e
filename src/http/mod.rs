//! Shared pieces of the HTTP layer: errors, HATEOAS wrappers, extractor configuration, the
//! disconnection of stalled clients.

mod error;
mod extractors;
mod hateoas;
mod paging;
pub mod stall;

pub use error::{ApiError, DATABASE_UNAVAILABLE, Messages, RETRY_AFTER_SECS};
pub use extractors::{json_config, path_config, query_config};
pub use hateoas::{EntityModel, Link};
pub use paging::{PageMetadata, PagedModel, Paging};
