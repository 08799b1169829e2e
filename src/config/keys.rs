//! The signing keys: long enough, distinct, and the development ones only on loopback.

use super::{AuthSettings, Settings};
use std::net::SocketAddr;

/// Development key of bearer tokens: accepted on a loopback address, with a loud warning.
pub const DEV_JWT_SECRET: &str = "regards-order-development-jwt-secret-do-not-use-in-production";
/// Development key of public order tokens: accepted on a loopback address, with a loud warning.
pub const DEV_ORDER_SECRET: &str =
    "regards-order-development-order-secret-do-not-use-in-production";

/// How an operator sets the keys, for the messages that refuse them.
const HOW_TO_SET: &str = "set them with the REGARDS_ORDER_AUTH__JWT_SECRET and \
     REGARDS_ORDER_AUTH__ORDER_SECRET environment variables, or jwt_secret and order_secret in \
     the [auth] section of the configuration file (two different values of 32 bytes or more)";

/// Refuses keys shorter than 32 bytes, and one key for both kinds of token: whoever holds a
/// link with an order token could then sign bearer tokens of any role.
pub(super) fn validate(auth: &AuthSettings) -> anyhow::Result<()> {
    if auth.jwt_secret.expose().len() < 32 || auth.order_secret.expose().len() < 32 {
        anyhow::bail!("auth.jwt_secret and auth.order_secret must be at least 32 bytes long");
    }
    if auth.jwt_secret == auth.order_secret {
        anyhow::bail!("auth.jwt_secret and auth.order_secret must differ: {HOW_TO_SET}");
    }
    Ok(())
}

impl Settings {
    /// The keys that still have their built-in development value.
    pub fn uses_development_secrets(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        if self.auth.jwt_secret.expose() == DEV_JWT_SECRET {
            keys.push("auth.jwt_secret");
        }
        if self.auth.order_secret.expose() == DEV_ORDER_SECRET {
            keys.push("auth.order_secret");
        }
        keys
    }

    /// Checks the keys before serving on `address`: valid and distinct, and no development
    /// key unless only this machine can connect.
    pub fn check_keys_for(&self, address: SocketAddr) -> anyhow::Result<()> {
        validate(&self.auth)?;
        let development = self.uses_development_secrets();
        if !development.is_empty() && !address.ip().is_loopback() {
            anyhow::bail!(
                "refusing to serve on {address} with the built-in development key ({}), which \
                 anyone can use to sign tokens: {HOW_TO_SET}",
                development.join(", ")
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn settings(jwt: &str, order: &str) -> Settings {
        let mut settings = Settings::load(None).expect("defaults load");
        settings.auth.jwt_secret = Secret::new(jwt);
        settings.auth.order_secret = Secret::new(order);
        settings
    }

    fn address(text: &str) -> SocketAddr {
        text.parse().expect("address")
    }

    #[test]
    fn equal_keys_are_refused() {
        let key = "the-same-key-for-both-kinds-of-token";
        let error = settings(key, key)
            .check_keys_for(address("127.0.0.1:0"))
            .expect_err("equal keys");
        assert!(error.to_string().contains("must differ"), "{error}");
        assert!(error.to_string().contains("REGARDS_ORDER_AUTH__JWT_SECRET"));
    }

    #[test]
    fn development_keys_only_serve_loopback() {
        let dev = settings(DEV_JWT_SECRET, DEV_ORDER_SECRET);
        for loopback in ["127.0.0.1:9043", "[::1]:0"] {
            assert!(dev.check_keys_for(address(loopback)).is_ok(), "{loopback}");
        }
        let error = dev
            .check_keys_for(address("0.0.0.0:9043"))
            .expect_err("dev keys on every interface");
        let text = error.to_string();
        assert!(
            text.contains("auth.jwt_secret, auth.order_secret"),
            "{text}"
        );
        assert!(text.contains("REGARDS_ORDER_AUTH__ORDER_SECRET"), "{text}");
        let half = settings(DEV_JWT_SECRET, "a-production-order-key-of-32-bytes!!");
        let text = half
            .check_keys_for(address("192.0.2.1:80"))
            .expect_err("one dev key")
            .to_string();
        assert!(text.contains("(auth.jwt_secret)"), "{text}");
        let production = settings(
            "a-production-bearer-key-of-32-bytes!",
            "a-production-order-key-of-32-bytes!!",
        );
        assert!(production.check_keys_for(address("0.0.0.0:80")).is_ok());
    }
}
