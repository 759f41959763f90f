//! Who may do what: API tokens and their roles.
//!
//! A token is 32 random bytes, shown once as `pm_` and 64 hex digits; only
//! its SHA-256 is stored, so a copy of the data directory does not give
//! anyone access.

use serde::{Deserialize, Serialize};

use crate::digest::{hex, sha256_hex};

/// A role; each includes every right of the roles before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads layers, candidates and reviews; runs checks.
    Viewer,
    /// Submits and edits candidates.
    Planner,
    /// Records reviews.
    Reviewer,
    /// Publishes layer revisions, reads the audit log.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Planner, Role::Reviewer, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Planner => "planner",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

/// Someone a request was authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's name; it is what the audit log and review records show.
    pub name: String,
    pub role: Role,
}

/// A fresh random token.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("pm_{}", hex(&bytes)))
}

/// What is stored of a token.
pub fn token_hash(token: &str) -> String {
    sha256_hex(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_by_what_they_may_do() {
        assert!(Role::Viewer < Role::Planner);
        assert!(Role::Planner < Role::Reviewer);
        assert!(Role::Reviewer < Role::Admin);
    }

    #[test]
    fn two_tokens_differ_and_hash_to_64_hex() {
        let (a, b) = (new_token().unwrap(), new_token().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 64);
        assert_eq!(token_hash(&a).len(), 64);
    }
}
