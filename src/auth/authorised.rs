//! `Authorised<R>`: a caller whose role reaches `R`, checked by the extractor itself. Handlers
//! take it as their first argument, so that a caller refused (401, 403) is refused before
//! the rest of the request is read: a malformed path or body cannot turn a 403 into a 400, as
//! the original's security filter runs before its controllers read anything. A handler
//! cannot forget the check either: the role is in its signature.

use crate::auth::{Caller, Role};
use crate::http::ApiError;
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use futures::future::{Ready, ready};
use std::marker::PhantomData;
use std::ops::Deref;

/// The least role an endpoint accepts.
pub trait Required {
    /// The role.
    const ROLE: Role;
}

/// Markers of the endpoints' roles (PROJECT_ADMIN and INSTANCE_ADMIN pass them all).
pub mod roles {
    use super::{Required, Role};

    /// Anyone, the anonymous public user of a `scope` included.
    pub struct Public;
    /// A registered user.
    pub struct RegisteredUser;
    /// An operator.
    pub struct Exploit;
    /// A project administrator.
    pub struct Admin;
    /// The super-administrators only.
    pub struct InstanceAdmin;

    impl Required for Public {
        const ROLE: Role = Role::Public;
    }
    impl Required for RegisteredUser {
        const ROLE: Role = Role::RegisteredUser;
    }
    impl Required for Exploit {
        const ROLE: Role = Role::Exploit;
    }
    impl Required for Admin {
        const ROLE: Role = Role::Admin;
    }
    impl Required for InstanceAdmin {
        const ROLE: Role = Role::InstanceAdmin;
    }
}

/// A caller allowed to call an endpoint reserved to `R`.
pub struct Authorised<R> {
    caller: Caller,
    role: PhantomData<R>,
}

impl<R> Authorised<R> {
    /// The caller.
    pub fn into_inner(self) -> Caller {
        self.caller
    }
}

impl<R> Deref for Authorised<R> {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl<R: Required> FromRequest for Authorised<R> {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let authorised = Caller::from_request_sync(req).and_then(|caller| {
            caller.require(R::ROLE)?;
            Ok(Self {
                caller,
                role: PhantomData,
            })
        });
        ready(authorised)
    }
}
