//! Bearer tokens: HS256 JWTs carrying `tenant`, `role`, `sub`, `email`. A token with an
//! audience or an `ORDER_ID` is a public order token (see `order_token.rs`) and is refused
//! here, whatever key signed it.

use super::verified_tokens::VerifiedTokens;
use crate::auth::Role;
use crate::config::Secret;
use chrono::{Duration, Utc};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Claims of a bearer token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub tenant: String,
    pub role: String,
    pub sub: String,
    pub email: String,
    pub exp: i64,
}

/// What a bearer token must not carry: the marks of an order token.
#[derive(Deserialize)]
struct Verified {
    #[serde(flatten)]
    claims: Claims,
    aud: Option<serde_json::Value>,
    #[serde(rename = "ORDER_ID")]
    order_id: Option<serde_json::Value>,
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("invalid token: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("invalid token: an order token is no bearer token")]
    OrderToken,
}

/// Signs and verifies bearer tokens with one HS256 key.
#[derive(Clone)]
pub struct TokenCodec {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Tokens this key already verified (their expiry is checked at each use).
    verified: VerifiedTokens,
}

impl TokenCodec {
    /// A codec for `secret`.
    pub fn new(secret: &Secret) -> Self {
        let bytes = secret.expose().as_bytes();
        Self {
            encoding: EncodingKey::from_secret(bytes),
            decoding: DecodingKey::from_secret(bytes),
            verified: VerifiedTokens::default(),
        }
    }

    /// Issues a token valid for `ttl`.
    pub fn issue(
        &self,
        tenant: &str,
        email: &str,
        role: Role,
        ttl: Duration,
    ) -> Result<String, TokenError> {
        let claims = Claims {
            tenant: tenant.to_owned(),
            role: role.as_str().to_owned(),
            sub: email.to_owned(),
            email: email.to_owned(),
            exp: (Utc::now() + ttl).timestamp(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Verifies signature and expiry and returns the claims; a token with an audience or an
    /// `ORDER_ID` is refused. A token verified before is not decoded again, only its expiry
    /// checked.
    pub fn verify(&self, token: &str) -> Result<Arc<Claims>, TokenError> {
        self.verify_at(token, Utc::now().timestamp())
    }

    /// `verify` at `now` (seconds since the epoch) for a token seen before.
    fn verify_at(&self, token: &str, now: i64) -> Result<Arc<Claims>, TokenError> {
        let (claims, remembered) = match self.verified.get(token) {
            Some(claims) => (claims, true),
            None => (Arc::new(self.decode(token)?), false),
        };
        // One expiry rule for both paths: valid up to and including its `exp` second.
        if claims.exp < now {
            if remembered {
                self.verified.forget(token);
            }
            return Err(TokenError::Invalid(ErrorKind::ExpiredSignature.into()));
        }
        if !remembered {
            self.verified.remember(token, claims.clone());
        }
        Ok(claims)
    }

    /// Checks the token's signature and claims (the expiry is the caller's to check: `exp`
    /// must be present).
    fn decode(&self, token: &str) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_exp = false;
        validation.set_required_spec_claims(&["exp"]);
        // Checked below, so that the refusal names the reason.
        validation.validate_aud = false;
        let verified = jsonwebtoken::decode::<Verified>(token, &self.decoding, &validation)?;
        let Verified {
            claims,
            aud,
            order_id,
        } = verified.claims;
        if aud.is_some() || order_id.is_some() {
            return Err(TokenError::OrderToken);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codec(key: &str) -> TokenCodec {
        TokenCodec::new(&Secret::new(key))
    }

    #[test]
    fn round_trip_keeps_every_claim() {
        let c = codec("a-key-of-at-least-thirty-two-bytes!!");
        let token = c.issue("demo", "u@x.fr", Role::Admin, Duration::hours(1));
        let Ok(token) = token else {
            panic!("signing failed")
        };
        let Ok(claims) = c.verify(&token) else {
            panic!("verification failed")
        };
        assert_eq!(claims.tenant, "demo");
        assert_eq!(claims.email, "u@x.fr");
        assert_eq!(claims.sub, "u@x.fr");
        assert_eq!(claims.role, "ADMIN");
    }

    #[test]
    fn refuses_other_keys_and_expired_tokens() {
        let c = codec("a-key-of-at-least-thirty-two-bytes!!");
        let other = codec("another-key-of-at-least-thirty-two-b");
        let Ok(token) = other.issue("demo", "u@x", Role::Public, Duration::hours(1)) else {
            panic!("signing failed")
        };
        assert!(c.verify(&token).is_err());
        let Ok(expired) = c.issue("demo", "u@x", Role::Public, Duration::hours(-1)) else {
            panic!("signing failed")
        };
        assert!(c.verify(&expired).is_err());
    }

    #[test]
    fn a_verified_token_is_refused_once_expired() {
        let c = codec("a-key-of-at-least-thirty-two-bytes!!");
        let Ok(token) = c.issue("demo", "u@x", Role::Admin, Duration::hours(1)) else {
            panic!("signing failed")
        };
        let Ok(claims) = c.verify(&token) else {
            panic!("verification failed")
        };
        // Seen before: the expiry is still checked, to the second.
        assert!(c.verify_at(&token, claims.exp).is_ok());
        let late = c.verify_at(&token, claims.exp + 1);
        assert!(
            matches!(&late, Err(TokenError::Invalid(e)) if *e.kind() == ErrorKind::ExpiredSignature),
            "{late:?}"
        );
        assert!(
            c.verify_at(&token, claims.exp + 1).is_err(),
            "still refused"
        );
    }

    #[test]
    fn a_token_altered_after_verification_is_refused() {
        let c = codec("a-key-of-at-least-thirty-two-bytes!!");
        let Ok(token) = c.issue("demo", "u@x", Role::Public, Duration::hours(1)) else {
            panic!("signing failed")
        };
        assert!(c.verify(&token).is_ok());
        // The same claims under another signature, then the claims changed under the same
        // signature: neither is the remembered text.
        let (unsigned, _) = token.rsplit_once('.').unwrap_or_default();
        assert!(c.verify(&format!("{unsigned}.AAAA")).is_err());
        let (_, signature) = token.rsplit_once('.').unwrap_or_default();
        let Ok(admin) = c.issue("demo", "u@x", Role::Admin, Duration::hours(1)) else {
            panic!("signing failed")
        };
        let (admin_unsigned, _) = admin.rsplit_once('.').unwrap_or_default();
        assert!(c.verify(&format!("{admin_unsigned}.{signature}")).is_err());
        // Another key's codec never trusts what this one remembered.
        assert!(
            codec("another-key-of-at-least-thirty-two-b")
                .verify(&token)
                .is_err()
        );
    }

    #[test]
    fn the_remembered_tokens_stay_bounded() {
        let c = codec("a-key-of-at-least-thirty-two-bytes!!");
        for i in 0..super::super::verified_tokens::CAPACITY + 10 {
            let Ok(token) = c.issue("demo", &format!("u{i}@x"), Role::Public, Duration::hours(1))
            else {
                panic!("signing failed")
            };
            assert!(c.verify(&token).is_ok());
        }
        assert!(c.verified.len() <= super::super::verified_tokens::CAPACITY);
    }
}
