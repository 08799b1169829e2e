//! Shared pieces of the HTTP layer: errors, HATEOAS wrappers, extractor configuration, body
//! limits, the disconnection of stalled clients.

mod body_guard;
mod error;
mod extractors;
mod hateoas;
mod paging;
pub mod stall;

pub use body_guard::{BodyLimits, guard_body};
pub use error::{ApiError, DATABASE_UNAVAILABLE, Messages, RETRY_AFTER_SECS};
pub use extractors::{json_config, path_config, query_config};
pub use hateoas::{EntityModel, Link};
pub use paging::{PageMetadata, PagedModel, Paging};
