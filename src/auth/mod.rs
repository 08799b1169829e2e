//! Authentication: bearer tokens, anonymous `scope` access, public order tokens, and the
//! extractors that turn a request into its `Caller`.

mod authorised;
mod caller;
mod order_token;
mod token;
mod verified_tokens;

pub use crate::app::Role;
pub use authorised::{Authorised, Required, roles};
pub use caller::{Caller, PUBLIC_USER};
pub use order_token::{OrderClaims, OrderTokenCodec};
pub use token::{Claims, TokenCodec, TokenError};
