//! The engine tier: one candidate against the layers. The overlap check,
//! the answer it gives, basic unit blocks, the plan's rules, and the
//! screening that puts them together with the clean part. It reads
//! candidates (intake), layers and geometry; it keeps nothing.

/// Basic unit blocks (1′×1′), snapping and caps.
pub mod blocks;
/// Protection buffers: features within a layer's distance of a candidate.
pub mod buffer;
/// The overlap engine.
pub mod check;
/// The nearest feature of a layer, by geodesic distance.
pub mod nearest;
/// How much of one layer lies inside another, grouped (overlay statistics).
pub mod overlay;
/// Whole-plan QA: a set of blocks against the layers and each other.
pub mod qa;
/// The answer to a check.
pub mod report;
/// The plan's rules by kind of candidate, and their findings.
pub mod rules;
/// A whole screening: check, parcels, blocks, findings, clean part.
pub mod screening;
