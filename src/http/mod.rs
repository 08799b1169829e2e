//! Shared pieces of the HTTP layer: errors, HATEOAS wrappers, extractor configuration, body
//! limits, the `Range` header, the guard of streamed answers and the disconnection of stalled
//! clients.

mod body_guard;
mod error;
mod extractors;
mod hateoas;
mod json_object;
mod paging;
pub mod range;
pub mod stall;
mod stream_guard;

pub use body_guard::{BodyLimits, guard_body};
pub use error::{ApiError, DATABASE_UNAVAILABLE, Messages, RETRY_AFTER_SECS};
pub use extractors::{json_config, path_config, query_config};
pub use hateoas::{EntityModel, Link};
pub use json_object::{JsonObject, from_object, optional_object};
pub use stream_guard::{StreamGuard, TooManyStreams};
/// JSON Schema pattern of a string that is not blank: it holds a character that is not white
/// space as `str::trim` sees it.
pub const NOT_BLANK: &str =
    "[^\\t\\n\\x0B\\f\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";

pub use paging::{PageMetadata, PagedModel, Paging, PagingParams};
