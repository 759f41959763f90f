//! Who may do what: API tokens and their roles.
//!
//! A token is 32 random bytes, shown once as `pm_` and 64 hex digits; only
//! its SHA-256 is stored, so a copy of the data directory does not give
//! anyone access.

use serde::{Deserialize, Serialize};

use crate::digest::{hex, sha256_hex};
use crate::time::{parse_date, parse_timestamp, plan_zone, timestamp};

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

/// Whether a stored token lets its holder in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenState {
    Active,
    Expired,
    Revoked,
}

/// When a new token expires: an RFC 3339 timestamp, or a `YYYY-MM-DD` date
/// meaning its start in China Standard Time, as plan dates are read; it
/// must be after `now` (ms since the epoch). Written back as RFC 3339 UTC,
/// as every instant the store keeps.
pub fn expiry(text: &str, now: i64) -> Result<String, String> {
    let trimmed = text.trim();
    let at = parse_timestamp(trimmed).or_else(|| {
        let offset = i64::from(plan_zone().local_minus_utc()) * 1000;
        parse_date(trimmed).map(|midnight_utc| midnight_utc - offset)
    });
    let at = at.ok_or_else(|| {
        format!("'{text}' is neither an RFC 3339 timestamp (2027-01-01T00:00:00+08:00) nor a date (2027-01-01)")
    })?;
    let written = timestamp(at).ok_or_else(|| format!("'{text}' is out of range"))?;
    if at <= now {
        return Err(format!(
            "{written} has passed; a token must expire in the future"
        ));
    }
    Ok(written)
}

impl TokenState {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenState::Active => "active",
            TokenState::Expired => "expired",
            TokenState::Revoked => "revoked",
        }
    }
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
    fn an_expiry_is_a_future_instant_written_in_utc() {
        let now = crate::time::parse_timestamp("2026-12-02T00:00:00Z").unwrap();
        assert_eq!(
            expiry("2027-01-01T08:00:00+08:00", now).unwrap(),
            "2027-01-01T00:00:00.000Z"
        );
        // A date is its start in China Standard Time.
        assert_eq!(
            expiry("2027-01-01", now).unwrap(),
            "2026-12-31T16:00:00.000Z"
        );
        assert!(
            expiry("2026-12-01", now)
                .unwrap_err()
                .contains("has passed")
        );
        assert!(expiry("next week", now).unwrap_err().contains("neither"));
    }

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
