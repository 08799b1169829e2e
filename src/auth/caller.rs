//! The `Caller` extractor: who makes the request, for which tenant, with which role. It reads
//! the `TokenCodec` the application registers as its own data.

use crate::app::Requester;
use crate::auth::{Role, TokenCodec};
use crate::http::ApiError;
use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, web};
use futures::future::{Ready, ready};
use regards_order_actors::domain::Tenant;
use std::collections::HashMap;
use tracing_actix_web::RequestId;

/// E-mail of the anonymous user of PUBLIC endpoints.
pub const PUBLIC_USER: &str = "public@regards.com";

/// The authenticated (or anonymous) user of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub tenant: Tenant,
    /// The current user everywhere: order and basket owner.
    pub email: String,
    pub role: Role,
    /// Id of the request, for the logs of work done elsewhere (empty when unknown).
    pub request_id: String,
}

impl Caller {
    /// The caller as the application layer knows him.
    pub fn requester(&self) -> Requester {
        Requester {
            tenant: self.tenant.clone(),
            email: self.email.clone(),
            role: self.role,
            request_id: self.request_id.clone(),
        }
    }

    /// 403 unless the caller's role reaches `required`.
    pub fn require(&self, required: Role) -> Result<(), ApiError> {
        if self.role.satisfies(required) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "role {} may not call an endpoint reserved to {}",
                self.role.as_str(),
                required.as_str()
            )))
        }
    }

    /// The caller of `req` (401 when his token is invalid, or missing without a `scope`).
    pub(crate) fn from_request_sync(req: &HttpRequest) -> Result<Self, ApiError> {
        let tokens = req
            .app_data::<web::Data<TokenCodec>>()
            .ok_or_else(|| ApiError::internal("token codec missing"))?;
        let caller = match bearer(req) {
            Some(token) => Self::from_token(tokens, token),
            None => Self::anonymous(req),
        }?;
        let request_id = req.extensions().get::<RequestId>().map(|id| id.to_string());
        Ok(Self {
            request_id: request_id.unwrap_or_default(),
            ..caller
        })
    }

    fn from_token(tokens: &TokenCodec, token: &str) -> Result<Self, ApiError> {
        let claims = tokens
            .verify(token)
            .map_err(|e| ApiError::Unauthorized(e.to_string()))?;
        let tenant = Tenant::parse(&claims.tenant)
            .map_err(|e| ApiError::Unauthorized(format!("invalid token: {e}")))?;
        let role = claims
            .role
            .parse()
            .map_err(|e| ApiError::Unauthorized(format!("invalid token: {e}")))?;
        if claims.email.is_empty() {
            return Err(ApiError::Unauthorized("invalid token: empty email".into()));
        }
        Ok(Self {
            tenant,
            email: claims.email.clone(),
            role,
            request_id: String::new(),
        })
    }

    /// Without a bearer token, `scope` (header or query parameter) names the tenant and the
    /// request acts as the public user.
    fn anonymous(req: &HttpRequest) -> Result<Self, ApiError> {
        let header = req
            .headers()
            .get("scope")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let scope = header.or_else(|| {
            web::Query::<HashMap<String, String>>::from_query(req.query_string())
                .ok()
                .and_then(|q| q.get("scope").cloned())
        });
        let Some(scope) = scope else {
            return Err(ApiError::Unauthorized(
                "Missing 'scope' header or param".into(),
            ));
        };
        let tenant = Tenant::parse(&scope)
            .map_err(|e| ApiError::Unauthorized(format!("invalid scope: {e}")))?;
        Ok(Self {
            tenant,
            email: PUBLIC_USER.to_owned(),
            role: Role::Public,
            request_id: String::new(),
        })
    }
}

fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get("authorization")?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Self::from_request_sync(req))
    }
}
