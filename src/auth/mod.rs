//! Authentication (bearer tokens, anonymous `scope` access) and roles.

mod caller;
mod role;
mod token;

pub use caller::Caller;
pub use role::Role;
pub use token::{Claims, TokenCodec, TokenError};
