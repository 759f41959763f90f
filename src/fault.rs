//! What a refusal says about itself: the kind of problem it is and where it
//! lies. Each tier's error enum answers for its own variants (and hands a
//! wrapped error's answer through), so the HTTP tier only turns a slug into
//! a status and assembles the problem document; it never has to know how
//! deep a cause sits inside another tier's error.

use serde_json::{Map, Value};

/// An error that can name its kind of problem and where it is.
pub trait Fault {
    /// A short slug naming the kind of problem, such as `unclosed-ring`; the
    /// API answers with the problem type `/problems/{slug}`.
    fn slug(&self) -> &'static str;

    /// Members saying where the problem is or what bound it crossed (`line`,
    /// `position`, `parameter`, `limit_vertices`, …), as the problem document
    /// carries them besides its detail. Most problems have none.
    fn location(&self) -> Map<String, Value> {
        Map::new()
    }
}

/// The members of a location, in the order given.
pub fn members<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
