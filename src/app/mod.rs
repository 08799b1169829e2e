//! The application layer: what the service does, whoever asks. Routes parse a request into a
//! `Requester` and arguments, call one method of a service here, and map its `AppError` to an
//! answer (in `http/error.rs`). Nothing here knows HTTP: no actix-web type, no `ApiError`, no
//! application state.

mod error;
mod requester;
mod role;

pub use error::{AppError, AppResult};
pub use requester::Requester;
pub use role::Role;
