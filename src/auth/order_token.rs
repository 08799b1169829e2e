//! Public order tokens: HS256 JWTs signed with `auth.order_secret`, naming one order
//! (`ORDER_ID`, a string as in the original) and expiring with it. They carry the audience
//! [`ORDER_TOKEN_AUDIENCE`], which bearer tokens never have: neither kind is accepted as the
//! other even if both were signed with one key.

use crate::auth::Role;
use crate::config::Secret;
use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The `aud` claim of every order token, required when one is verified.
pub const ORDER_TOKEN_AUDIENCE: &str = "regards-order:public-order-file";

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
    /// Always [`ORDER_TOKEN_AUDIENCE`].
    pub aud: String,
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
            aud: ORDER_TOKEN_AUDIENCE.to_owned(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// Verifies signature, expiry and audience; a token without a numeric `ORDER_ID` is
    /// invalid.
    pub fn verify(&self, token: &str) -> Result<OrderClaims, String> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "aud"]);
        validation.set_audience(&[ORDER_TOKEN_AUDIENCE]);
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
    use crate::auth::TokenCodec;

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

    #[test]
    fn bearer_and_order_tokens_are_not_interchangeable_even_with_one_key() {
        let key = Secret::new("one-key-for-both-kinds-of-token-!!!");
        let orders = OrderTokenCodec::new(&key);
        let bearers = TokenCodec::new(&key);
        let later = Utc::now() + chrono::Duration::hours(1);
        let Ok(order_token) = orders.issue("t", "u@x", Role::Admin, 42, later) else {
            panic!("signing failed")
        };
        let Ok(bearer) = bearers.issue("t", "u@x", Role::Admin, chrono::Duration::hours(1)) else {
            panic!("signing failed")
        };
        assert!(orders.verify(&order_token).is_ok());
        assert!(bearers.verify(&bearer).is_ok());
        assert!(
            bearers.verify(&order_token).is_err(),
            "order token as bearer"
        );
        assert!(
            orders.verify(&bearer).is_err(),
            "bearer token as order token"
        );
        // A bearer token naming an order still lacks the audience.
        let claims = serde_json::json!({"tenant": "t", "role": "ADMIN", "sub": "u@x",
            "email": "u@x", "ORDER_ID": "42", "exp": later.timestamp()});
        let key = jsonwebtoken::EncodingKey::from_secret(key.expose().as_bytes());
        let Ok(forged) = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &key) else {
            panic!("signing failed")
        };
        assert!(orders.verify(&forged).is_err());
        assert!(bearers.verify(&forged).is_err(), "a token naming an order");
    }
}
