//! The records tier: what planmap keeps as evidence. Tokens and roles, the
//! store (SQLite), layer revisions and the catalog in force, submitted
//! candidates and their versions, review records and their report.
//! It may use every tier below: the engine to screen, intake to read, layers.

/// API tokens and roles.
pub mod access;
/// Candidate submissions checked and normalised into stored versions.
pub mod candidates;
/// Review records: stored screenings that hold up as evidence, and their report.
pub mod review;
/// Layer revisions: the live catalog, publishing, revisions in force, diffs.
pub mod revisions;
/// Persistence: candidates, reviews, layer revisions, tokens, audit log.
pub mod store;
