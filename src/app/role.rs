//! REGARDS roles and their hierarchy.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// A native REGARDS role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    Public,
    RegisteredUser,
    Exploit,
    Admin,
    ProjectAdmin,
    InstanceAdmin,
}

impl Role {
    /// The role's name in tokens.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Public => "PUBLIC",
            Role::RegisteredUser => "REGISTERED_USER",
            Role::Exploit => "EXPLOIT",
            Role::Admin => "ADMIN",
            Role::ProjectAdmin => "PROJECT_ADMIN",
            Role::InstanceAdmin => "INSTANCE_ADMIN",
        }
    }

    /// True when this role may call an endpoint declared with role `required`:
    /// `PUBLIC ⊂ REGISTERED_USER ⊂ EXPLOIT ⊂ ADMIN`, and the two super-admins may call anything.
    pub fn satisfies(self, required: Role) -> bool {
        if self.is_super_admin() {
            return true;
        }
        match (self.rank(), required.rank()) {
            (Some(mine), Some(needed)) => mine >= needed,
            // Only super-admins reach the endpoints declared PROJECT_ADMIN / INSTANCE_ADMIN.
            _ => false,
        }
    }

    /// PROJECT_ADMIN or INSTANCE_ADMIN: may see every order of the tenant.
    pub fn is_super_admin(self) -> bool {
        matches!(self, Role::ProjectAdmin | Role::InstanceAdmin)
    }

    /// ADMIN or above: may manage (pause, resume, delete…) any order of the tenant.
    pub fn is_admin(self) -> bool {
        self == Role::Admin || self.is_super_admin()
    }

    fn rank(self) -> Option<u8> {
        match self {
            Role::Public => Some(0),
            Role::RegisteredUser => Some(1),
            Role::Exploit => Some(2),
            Role::Admin => Some(3),
            Role::ProjectAdmin | Role::InstanceAdmin => None,
        }
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let all = [
            Role::Public,
            Role::RegisteredUser,
            Role::Exploit,
            Role::Admin,
            Role::ProjectAdmin,
            Role::InstanceAdmin,
        ];
        all.into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| format!("unknown role '{s}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hierarchy_is_a_chain_with_super_admins_above_all() {
        assert!(Role::Admin.satisfies(Role::Exploit));
        assert!(Role::Exploit.satisfies(Role::RegisteredUser));
        assert!(!Role::RegisteredUser.satisfies(Role::Exploit));
        assert!(!Role::Public.satisfies(Role::RegisteredUser));
        assert!(Role::ProjectAdmin.satisfies(Role::InstanceAdmin));
        assert!(Role::InstanceAdmin.satisfies(Role::Admin));
        assert!(!Role::Admin.satisfies(Role::InstanceAdmin));
    }

    #[test]
    fn parses_token_names() {
        assert_eq!("registered_user".parse(), Ok(Role::RegisteredUser));
        assert!("ROOT".parse::<Role>().is_err());
    }
}
