//! Public order tokens: HS256 JWTs signed with `auth.order_secret`, naming one order
//! (`ORDER_ID`, a string as in the original) and expiring with it.

use crate::auth::Role;
use crate::config::Secret;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// Claims of a public order token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderClaims {
    pub tenant: String,
    pub role: String,
    pub sub: String,
    pub email: String,
    #[serde(rename = "ORDER_ID")]
    pub order_id: String,
    pub exp: i64,
}

impl OrderClaims {
    /// The order the token authorises.
    pub fn order_id(&self) -> Option<i64> {
        self.order_id.parse().ok()
    }
}

/// Signs and verifies public order tokens.
#[derive(Clone)]
pub struct OrderTokenCodec {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl OrderTokenCodec {
    /// A codec for `secret`.
    pub fn new(secret: &Secret) -> Self {
        let bytes = secret.expose().as_bytes();
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
        }
    }

    /// A token for `owner`'s order `order_id`, valid until `expires`.
    pub fn issue(
        &self,
        tenant: &str,
        owner: &str,
        role: Role,
        order_id: i64,
        expires: DateTime<Utc>,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = OrderClaims {
            tenant: tenant.to_owned(),
            role: role.as_str().to_owned(),
            sub: owner.to_owned(),
            email: owner.to_owned(),
            order_id: order_id.to_string(),
            exp: expires.timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Verifies signature and expiry; a token without a numeric `ORDER_ID` is invalid.
    pub fn verify(&self, token: &str) -> Result<OrderClaims, String> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp"]);
        let claims = jsonwebtoken::decode::<OrderClaims>(token, &self.decoding, &validation)
            .map_err(|e| format!("invalid order token: {e}"))?
            .claims;
        if claims.order_id().is_none() {
            return Err("invalid order token: ORDER_ID is not a number".into());
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let codec = OrderTokenCodec::new(&Secret::new("an-order-secret-of-32-bytes-at-least"));
        let later = Utc::now() + chrono::Duration::hours(1);
        let Ok(token) = codec.issue("t", "u@x", Role::RegisteredUser, 42, later) else {
            panic!("signing failed")
        };
        let claims = codec.verify(&token);
        assert_eq!(claims.as_ref().map(|c| c.order_id()), Ok(Some(42)));
        assert_eq!(claims.map(|c| c.sub), Ok("u@x".to_owned()));
        let other = OrderTokenCodec::new(&Secret::new("another-order-secret-of-32-bytes!!"));
        assert!(other.verify(&token).is_err());
        let Ok(expired) = codec.issue(
            "t",
            "u@x",
            Role::Public,
            1,
            Utc::now() - chrono::Duration::hours(1),
        ) else {
            panic!("signing failed")
        };
        assert!(codec.verify(&expired).is_err());
    }
}
