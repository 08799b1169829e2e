//! The tenant (a REGARDS project): every stored row belongs to exactly one.

use std::fmt;

/// A tenant name, validated at the edge: 1 to 100 characters of `[A-Za-z0-9_.-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tenant(String);

/// Why a string is not a tenant name.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TenantError {
    #[error("tenant name is empty")]
    Empty,
    #[error("tenant name is longer than 100 characters")]
    TooLong,
    #[error("tenant name may only hold letters, digits, '_', '.' and '-'")]
    BadCharacter,
}

impl Tenant {
    /// Parses a tenant name.
    pub fn parse(name: &str) -> Result<Self, TenantError> {
        if name.is_empty() {
            return Err(TenantError::Empty);
        }
        if name.chars().count() > 100 {
            return Err(TenantError::TooLong);
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
        if !name.chars().all(allowed) {
            return Err(TenantError::BadCharacter);
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as stored in every tenant column.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for Tenant {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Tenant {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <String as serde::Deserialize>::deserialize(d)?;
        Tenant::parse(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_project_names() {
        assert_eq!(
            Tenant::parse("demo").map(|t| t.to_string()),
            Ok("demo".into())
        );
        assert!(Tenant::parse("PROJECT_1.a-b").is_ok());
    }

    #[test]
    fn refuses_empty_long_and_odd_names() {
        assert_eq!(Tenant::parse(""), Err(TenantError::Empty));
        assert_eq!(Tenant::parse(&"a".repeat(101)), Err(TenantError::TooLong));
        assert_eq!(Tenant::parse("a b"), Err(TenantError::BadCharacter));
        assert_eq!(Tenant::parse("a/../b"), Err(TenantError::BadCharacter));
    }
}
