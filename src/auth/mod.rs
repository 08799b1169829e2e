//! Authentication (bearer tokens, anonymous `scope` access) and roles.

mod authorised;
mod caller;
mod order_token;
mod role;
mod token;

pub use authorised::{Authorised, Required, roles};
pub use caller::{Caller, PUBLIC_USER};
pub use order_token::{OrderClaims, OrderTokenCodec};
pub use role::Role;
pub use token::{Claims, TokenCodec, TokenError};
